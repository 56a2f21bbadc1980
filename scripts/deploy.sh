#!/usr/bin/env bash
# Deploys one environment of the 8byte stack on Pulumi's local backend (state in ~/.pulumi), or on the
# backend named by PULUMI_BACKEND_URL (e.g. s3://bucket?region=us-east-1) when it is set.
# Usage: scripts/deploy.sh dev|prod [--preview]
# Needs: Go, the Pulumi CLI, AWS credentials for the target account (AWS_PROFILE or the usual variables),
# and PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) for the stack's secrets provider.
set -euo pipefail
cd "$(dirname "$0")/.."

stack=${1:?usage: scripts/deploy.sh dev|prod [--preview]}
case "$stack" in dev | prod) ;; *) echo "unknown stack '$stack': dev or prod" >&2; exit 2 ;; esac
: "${PULUMI_CONFIG_PASSPHRASE?set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE with PULUMI_CONFIG_PASSPHRASE=)}"

if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
	pulumi login "$PULUMI_BACKEND_URL"
else
	pulumi login --local
fi
pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
if [ "${2:-}" = --preview ]; then
	pulumi preview --stack "$stack" --diff
else
	pulumi up --stack "$stack"
fi
