#!/usr/bin/env bash
# Decides what a deploy.yml run deploys, once, in its first job; every later job checks against it
# (require-head.sh). Writes to $GITHUB_OUTPUT:
#   sha        the commit to deploy: the pushed commit, or the dispatched one (empty input: main's head);
#   main-head  main's head when the run started: the run deploys only while main still points there;
#   rollback   true when the dispatched commit is older than main's head.
# A dispatched commit must be a full SHA that is on main (an ancestor of main's head, or the head itself).
# Env: GITHUB_EVENT_NAME, GITHUB_SHA, GITHUB_REPOSITORY, GH_TOKEN, COMMIT (the dispatch input).
set -euo pipefail

head=$(gh api "repos/$GITHUB_REPOSITORY/commits/main" --jq .sha)
rollback=false
case $GITHUB_EVENT_NAME in
push)
	sha=$GITHUB_SHA
	# The push's commit is main's head by definition; if main moved already, the run is superseded and
	# each deploying job will say so.
	head=$GITHUB_SHA
	;;
workflow_dispatch)
	sha=${COMMIT:-$head}
	if ! [[ $sha =~ ^[0-9a-f]{40}$ ]]; then
		echo "::error::commit '$sha' is not a full 40-character commit SHA"
		exit 1
	fi
	# base...head status: "identical" (the head itself) or "ahead" (main is ahead of it: it is on main).
	status=$(gh api "repos/$GITHUB_REPOSITORY/compare/$sha...$head" --jq .status)
	case $status in
	identical) ;;
	ahead) rollback=true ;;
	*)
		echo "::error::commit $sha is not on main (main is '$status' of it); only main's history can be deployed"
		exit 1
		;;
	esac
	;;
*)
	echo "::error::target.sh: unexpected event $GITHUB_EVENT_NAME"
	exit 1
	;;
esac
{
	echo "sha=$sha"
	echo "main-head=$head"
	echo "rollback=$rollback"
} >>"${GITHUB_OUTPUT:?}"
if [ "$rollback" = true ]; then
	echo "::notice title=Rollback::deploying $sha, older than main's head $head"
fi
