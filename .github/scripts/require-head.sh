#!/usr/bin/env bash
# Run by every job that changes a stack, after it holds the stack's concurrency lock: the run may deploy
# only while main still points where it pointed when the run started (target.sh). A newer push, or a
# dispatch after which main moved, means a newer run deploys instead: this run stops changing stacks,
# so stacks only ever move forward in main's order. Writes deploy=true|false to $GITHUB_OUTPUT.
# Env: GITHUB_REPOSITORY, GH_TOKEN, MAIN_HEAD (target.sh's main-head).
set -euo pipefail

now=$(gh api "repos/$GITHUB_REPOSITORY/commits/main" --jq .sha)
if [ "$now" = "${MAIN_HEAD:?}" ]; then
	echo "deploy=true" >>"${GITHUB_OUTPUT:?}"
else
	echo "::notice title=Superseded::main moved from $MAIN_HEAD to $now since this run started; the run for $now deploys, this one does not"
	echo "deploy=false" >>"${GITHUB_OUTPUT:?}"
fi
