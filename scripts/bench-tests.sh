#!/usr/bin/env bash
# bench-tests: the warm wall-clock and CPU time of the unit-test suite (what `make test` runs, -count=1 so
# nothing comes from the test cache) and its number of tests. The first, untimed build fills the Go build
# cache; on a cold cache that takes about 5 minutes on an idle 2-core machine (pulumi-aws; 4.3 GiB of memory
# at the peak, 1.7 GiB of cache), much longer on a busy one.
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a flags <<<"${TESTFLAGS:--vet=off -ldflags=-w}"
echo "building the test binaries (untimed)..." >&2
go test "${flags[@]}" -count=1 -run '^$' ./... >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
TIMEFORMAT='warm suite (go test -count=1 ./...): %R s wall, %U s user + %S s system CPU'
time go test "${flags[@]}" -count=1 -v ./... >"$out" 2>&1 || {
	grep -E '^(--- FAIL|FAIL|panic)' "$out" >&2 || tail -40 "$out" >&2
	exit 1
}
top=$(grep -c '^--- PASS' "$out" || true)
all=$(grep -cE '^ *--- PASS' "$out" || true)
packages=$(grep -c '^ok' "$out" || true)
echo "tests: $top top-level, $all with subtests, in $packages packages"
