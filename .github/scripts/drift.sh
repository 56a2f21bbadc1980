#!/usr/bin/env bash
# The drift check of one stack, in two questions with different answers:
#   cloud drift      `pulumi refresh --preview-only --expect-no-changes`: do the real resources differ
#                    from the state (a change made outside Pulumi)?
#   undeployed main  `pulumi preview --expect-no-changes` (no refresh): does main's program differ from
#                    the state (a merged commit that is not deployed: a failed or skipped deploy)?
# Writes OUT_DIR/refresh.txt, OUT_DIR/preview.txt and OUT_DIR/result (none, cloud-drift, undeployed,
# cloud-drift+undeployed, or error), prints the result and exits 1 unless it is none.
# Usage: drift.sh STACK_NAME OUT_DIR
set -euo pipefail

stack=${1:?usage: drift.sh STACK_NAME OUT_DIR}
out=${2:?usage: drift.sh STACK_NAME OUT_DIR}
mkdir -p "$out"
common=(--stack "$stack" --expect-no-changes --diff --non-interactive --suppress-progress)

# check NAME CMD...: 0 no changes, 1 changes, 2 the command failed for another reason.
check() {
	local name=$1 rc=0
	shift
	"$@" >"$out/$name.txt" 2>&1 || rc=$?
	cat "$out/$name.txt"
	if [ "$rc" -eq 0 ]; then
		return 0
	elif grep -q "but changes were proposed" "$out/$name.txt"; then
		return 1
	fi
	return 2
}

result=()
rc=0
check refresh pulumi refresh --preview-only "${common[@]}" || rc=$?
case $rc in 1) result+=(cloud-drift) ;; 2) result=(error) ;; esac
if [ "${result[*]}" != error ]; then
	rc=0
	check preview pulumi preview "${common[@]}" || rc=$?
	case $rc in 1) result+=(undeployed) ;; 2) result=(error) ;; esac
fi
verdict=$(
	IFS=+
	echo "${result[*]:-none}"
)
echo "$verdict" >"$out/result"
echo "drift check of $stack: $verdict"
[ "$verdict" = none ]
