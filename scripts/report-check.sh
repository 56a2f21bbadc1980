#!/usr/bin/env bash
# report-check: the plan report's end-to-end path, as `make report` and the plan-report workflow run it:
# cmd/report builds the unmodified program, runs it under the gRPC mock engine (report/engine) with each
# stack file, and must print exactly the reviewed reports of docs/report/ that the root package's tests
# keep (made in process, with pulumi.WithMocks): the two ways of running the program must see the same
# stack. It builds the whole program, so it runs in .ci/run, not in `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/report" ./cmd/report

# A missing -stack is refused with the example of a good call.
if out=$("$bin/report" 2>&1); then
	echo "report-check: cmd/report without -stack succeeded" >&2
	exit 1
fi
if [ "$out" != "report: -stack is required (e.g. -stack dev)" ]; then
	echo "report-check: cmd/report without -stack said: $out" >&2
	exit 1
fi

for stack in dev prod; do
	"$bin/report" -stack "$stack" >"$bin/$stack.md"
	if ! diff -u "docs/report/$stack.md" "$bin/$stack.md"; then
		echo "report-check: cmd/report -stack $stack differs from docs/report/$stack.md (the in-process report)" >&2
		exit 1
	fi
done
echo "report-check: cmd/report prints docs/report/{dev,prod}.md"
