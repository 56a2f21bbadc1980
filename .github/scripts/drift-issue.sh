#!/usr/bin/env bash
# Opens (or comments on) the drift issue of a stack after a failed drift check, whatever failed: one open
# issue per stack, titled "Drift: stack <stack> differs from main", whose text says which kind it is
# (drift.sh's result) and what to do about it.
# Usage: drift-issue.sh OUT_DIR      Env: GH_TOKEN, GH_REPO, STACK, RUN_URL
set -euo pipefail

out=${1:?usage: drift-issue.sh OUT_DIR}
result=$(cat "$out/result" 2>/dev/null || echo error)
title="Drift: stack ${STACK:?} differs from main"
body="$out/issue.md"
{
	echo "The drift check of stack \`$STACK\` on $(date -u +%F) found: **$result**. Run: ${RUN_URL:?}"
	echo
	case $result in
	*cloud-drift*) echo "- **cloud drift**: real resources differ from the state (a change made outside Pulumi). Revert it, or make the code match and deploy." ;;
	esac
	case $result in
	*undeployed*) echo "- **undeployed main**: main's program differs from the deployed state (a failed or skipped deploy). Deploy main: Actions → deploy → Run workflow." ;;
	esac
	case $result in
	error) echo "- **error**: the check itself failed (credentials, backend, program); see the run." ;;
	esac
	for name in refresh preview; do
		if [ -s "$out/$name.txt" ]; then
			echo
			echo "<details><summary>$name</summary>"
			echo
			echo '```'
			tail -c 25000 "$out/$name.txt" # an issue body holds at most 65536 characters; the summary is last
			echo '```'
			echo "</details>"
		fi
	done
} >"$body"
number=$(gh issue list --state open --limit 500 --json number,title |
	jq -r --arg title "$title" '[.[] | select(.title == $title)][0].number // empty')
if [ -n "$number" ]; then
	gh issue comment "$number" --body-file "$body"
else
	gh issue create --title "$title" --body-file "$body"
fi
