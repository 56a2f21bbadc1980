#!/usr/bin/env bash
# Previews or deploys one stack of this repository with the Pulumi CLI, on the backend you are logged in
# to (`pulumi login ...`, or PULUMI_BACKEND_URL): the script never changes your login unless you pass
# --login, never creates a stack, and stops on the first real error with Pulumi's own message.
# Works with either secrets provider: with awskms:// it needs AWS credentials only; with a passphrase,
# Pulumi reads PULUMI_CONFIG_PASSPHRASE(_FILE) or asks.
#
# Usage: scripts/deploy.sh [--project bootstrap] [--login URL] preview|up STACK
#   --project bootstrap  the account's bootstrap project (bootstrap/) instead of the application
#   --login URL          run `pulumi login URL` first (e.g. the bootstrap output backendUrl)
# A preview works on a throw-away copy of Pulumi.<STACK>.yaml (--config-file), so that Pulumi cannot
# write a secrets salt or key into the committed stack file; `up` uses the file itself.
# Needs: the Pulumi CLI, Go, AWS credentials for the stack's account (AWS_PROFILE or the usual variables).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '9,11p' "$0" >&2; exit 2; }
project=.
login=""
while [ $# -gt 0 ]; do
	case "$1" in
	--project) [ "${2:-}" = bootstrap ] || usage; project=bootstrap; shift 2 ;;
	--login) [ -n "${2:-}" ] || usage; login=$2; shift 2 ;;
	-h | --help) usage ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || usage
action=$1
stack=$2
case "$action" in preview | up) ;; *) usage ;; esac

command -v pulumi >/dev/null || { echo "deploy.sh: the Pulumi CLI is not on PATH (README: prerequisites)" >&2; exit 1; }
if [ -n "$login" ]; then
	pulumi login "$login"
fi
if ! backend=$(pulumi whoami --verbose 2>&1); then
	echo "$backend" >&2
	echo "deploy.sh: not logged in to a Pulumi backend: run pulumi login <bootstrap output backendUrl> (README), or pass --login" >&2
	exit 1
fi
cd "$project"

if ! selected=$(pulumi stack select "$stack" 2>&1); then
	echo "$selected" >&2
	if grep -qi "no stack named" <<<"$selected"; then
		echo "deploy.sh: stack '$stack' does not exist on this backend ($(grep -i 'backend url' <<<"$backend" || true))." >&2
		echo "  Create it once, with its secrets provider (the bootstrap output secretsProviders.$stack):" >&2
		echo "  (cd $project && pulumi stack init $stack --secrets-provider 'awskms://alias/8byte-pulumi-$stack?region=<region>')" >&2
	fi
	exit 1
fi

if [ "$action" = preview ]; then
	config=$(mktemp "${TMPDIR:-/tmp}/pulumi-config.XXXXXX.yaml")
	trap 'rm -f "$config"' EXIT
	if [ -f "Pulumi.$stack.yaml" ]; then
		cp "Pulumi.$stack.yaml" "$config"
	fi
	pulumi preview --stack "$stack" --diff --config-file "$config"
else
	pulumi up --stack "$stack"
fi
