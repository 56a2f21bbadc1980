#!/usr/bin/env bash
# The pulumi-stack action's own steps (action.yml passes its inputs in the environment, never as
# expressions inside the script):
#   check   fail early, with the fix, when neither a self-managed backend nor a complete Pulumi Cloud
#           setting (organization and team) is configured;
#   select  log in to the backend, select the stack, set the app image tag in its config and write the
#           stack name to $GITHUB_OUTPUT.
# Env: STACK, BACKEND_URL, CLOUD_ORG, CLOUD_TEAM, IMAGE_TAG.
set -euo pipefail

# The stack config key of the app image tag (compute tier; docs/ci.md "How a deploy gets the image").
readonly TAG_KEY=8byte:compute.imageTag

case ${1:-} in
check)
	if [ -n "${BACKEND_URL:-}" ]; then
		exit 0
	fi
	if [ -z "${CLOUD_ORG:-}" ] || [ -z "${CLOUD_TEAM:-}" ]; then
		echo "::error::Set the repository variable PULUMI_BACKEND_URL (self-managed backend), or PULUMI_CLOUD_ORG and the team variables PULUMI_CLOUD_PREVIEW_TEAM / PULUMI_CLOUD_DEPLOY_TEAM (Pulumi Cloud); see docs/ci.md"
		exit 1
	fi
	;;
select)
	if [ -n "${BACKEND_URL:-}" ]; then
		pulumi login "$BACKEND_URL"
		stack=${STACK:?}
	else
		pulumi login # Pulumi Cloud, with the team token of the OIDC exchange (PULUMI_ACCESS_TOKEN)
		stack=$CLOUD_ORG/$STACK
	fi
	pulumi stack select "$stack"
	if [ -n "${IMAGE_TAG:-}" ]; then
		pulumi config set --path --stack "$stack" "$TAG_KEY" "$IMAGE_TAG"
	fi
	echo "stack-name=$stack" >>"${GITHUB_OUTPUT:?}"
	;;
*)
	echo "usage: select-stack.sh check|select" >&2
	exit 2
	;;
esac
