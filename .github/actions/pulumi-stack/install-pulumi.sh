#!/usr/bin/env bash
# Installs the Pulumi CLI of the given version file (.github/pulumi-version) into $RUNNER_TEMP and puts it
# on the job's PATH. The linux-x64 archive and the release's checksum list come from the GitHub release of
# pulumi/pulumi; the archive is used only when its SHA-256 matches the list (sha256sum --check).
# Usage: install-pulumi.sh VERSION_FILE
set -euo pipefail

version_file=${1:?usage: install-pulumi.sh VERSION_FILE}
version=$(tr -d '[:space:]' <"$version_file")
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	echo "::error file=$version_file::expected a Pulumi CLI version like 3.274.1, found '$version'"
	exit 1
fi

archive="pulumi-v$version-linux-x64.tar.gz"
sums="pulumi-$version-checksums.txt"
base="https://github.com/pulumi/pulumi/releases/download/v$version"
dir="${RUNNER_TEMP:?}/pulumi-cli-$version"
mkdir -p "$dir"
cd "$dir"
curl --fail --silent --show-error --location --retry 3 --output "$archive" "$base/$archive"
curl --fail --silent --show-error --location --retry 3 --output "$sums" "$base/$sums"
# --ignore-missing: the list names every platform's archive; exactly ours must be present and match.
grep -q "  $archive\$" "$sums" || {
	echo "::error::$sums does not list $archive"
	exit 1
}
sha256sum --check --ignore-missing --strict "$sums"
tar -xzf "$archive"
echo "$dir/pulumi" >>"${GITHUB_PATH:?}"
"$dir/pulumi/pulumi" version
