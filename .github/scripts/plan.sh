#!/usr/bin/env bash
# `pulumi preview --save-plan` of a stack: the update plan (plan.json) that `pulumi up --plan` later
# applies exactly, the preview's output (preview.txt), and a summary of the plan itself (summary.md: what is
# created, updated, replaced, deleted; replacements and deletions of stateful resources first), also added
# to the job summary. The stack must be selected and configured (the pulumi-stack action).
# Usage: plan.sh STACK_NAME OUT_DIR
set -euo pipefail

stack=${1:?usage: plan.sh STACK_NAME OUT_DIR}
out=${2:?usage: plan.sh STACK_NAME OUT_DIR}
mkdir -p "$out"
echo "$stack" >"$out/stack"

status=0
pulumi preview --stack "$stack" --save-plan "$out/plan.json" --diff --non-interactive --suppress-progress \
	>"$out/preview.txt" 2>&1 || status=$?
cat "$out/preview.txt"
if [ "$status" -ne 0 ]; then
	echo "::error::pulumi preview of $stack failed (exit $status)"
	exit "$status"
fi
go run ./tools/plansummary -stack "$stack" "$out/plan.json" >"$out/summary.md"
cat "$out/summary.md" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
