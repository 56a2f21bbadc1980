#!/usr/bin/env bash
# Creates or updates this stack's preview comment on the pull request (one comment per stack, found by a
# hidden marker), with the plan summary and the end of the preview output; on a failed preview the
# comment says so, so that nobody has to open the logs to learn that the preview is red.
# Usage: pr-comment.sh PLAN_DIR      Env: GH_TOKEN, GITHUB_REPOSITORY, PR_NUMBER, STACK, OUTCOME, RUN_URL
set -euo pipefail

dir=${1:?usage: pr-comment.sh PLAN_DIR}
marker="<!-- 8byte-preview:${STACK:?} -->"
body="$RUNNER_TEMP/comment-$STACK.md"
{
	echo "$marker"
	if [ "${OUTCOME:?}" = success ]; then
		echo "### pulumi preview: \`$STACK\`"
	else
		echo "### :x: pulumi preview of \`$STACK\` failed"
		echo
		echo "The preview did not finish ($OUTCOME); the output below ends with the error. Run: $RUN_URL"
	fi
	echo
	if [ -s "$dir/summary.md" ]; then
		cat "$dir/summary.md"
		echo
	fi
	echo "<details><summary>Preview output (the end; the whole output is in the run's log)</summary>"
	echo
	echo '```'
	# A comment holds at most 65536 characters: keep the end, where the summary and any error are.
	tail -c 40000 "$dir/preview.txt" 2>/dev/null || echo "(no output: the job failed before the preview)"
	echo '```'
	echo "</details>"
} >"$body"

id=$(gh api "repos/$GITHUB_REPOSITORY/issues/${PR_NUMBER:?}/comments" --paginate \
	--jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$id" ]; then
	gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" >/dev/null
else
	gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$body" >/dev/null
fi
