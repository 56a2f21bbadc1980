#!/usr/bin/env bash
# Installs the CI's Go tools at pinned versions and prints the directory that holds them.
#
#   PATH="$(tools/install.sh actionlint golangci-lint):$PATH"
#
# Tools come from the Go module proxy with `go install pkg@version`: the module checksums are verified
# against the Go checksum database, so every machine builds the same source. The binaries are kept per Go
# version (a linter must be built with a Go at least as new as the code it reads) in
# ${CI_TOOLS_DIR:-$(go env GOPATH)/ci-tools}/<go version>/, and a tool is rebuilt only when its pinned
# version changes. Used by .ci/run and by the workflows in .github/workflows/.
set -euo pipefail

# The pinned versions, the one place to change them (Dependabot cannot see this file: bump by hand,
# see docs/ci.md).
declare -A packages=(
	[actionlint]=github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
	[golangci-lint]=github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
	[gitleaks]=github.com/zricethezav/gitleaks/v8@v8.30.1
	[govulncheck]=golang.org/x/vuln/cmd/govulncheck@v1.9.0
)

if [ "$#" -eq 0 ]; then
	echo "usage: tools/install.sh TOOL... (one of: ${!packages[*]})" >&2
	exit 2
fi

bin="${CI_TOOLS_DIR:-$(go env GOPATH)/ci-tools}/$(go env GOVERSION)"
mkdir -p "$bin"
for tool in "$@"; do
	pkg=${packages[$tool]:-}
	if [ -z "$pkg" ]; then
		echo "tools/install.sh: unknown tool '$tool' (known: ${!packages[*]})" >&2
		exit 2
	fi
	stamp="$bin/$tool.version"
	if [ -x "$bin/$tool" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg" ]; then
		continue
	fi
	echo "installing $pkg" >&2
	# GOFLAGS of the caller (e.g. -race) must not leak into the tool builds.
	GOBIN="$bin" GOFLAGS=-buildvcs=false go install "$pkg"
	echo "$pkg" >"$stamp"
done
echo "$bin"
