#!/usr/bin/env bash
# Runs one disaster-recovery drill of prod (README: disaster recovery): restores prod's database from the
# backups replicated into the recovery region, deploys the recovery stack (prod-dr) around it, waits until
# the app is ready against the restored data, checks the data, measures RTO and RPO, publishes them
# (CloudWatch namespace 8byte/dr, alarms in prod) and destroys the recovery stack again, also on failure.
#
#   scripts/dr-drill.sh --host dr.example.com [--image-tag TAG] [drdrill flags]
#
# Needs: AWS credentials of the drill role (github.drill of prod's stack), `pulumi login` to the backend of
# the recovery stack, the stack's secrets provider, and the image TAG in the recovery region's registry
# (default: the tree hash of app/ at HEAD, the tag CI builds).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=""
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--image-tag)
		tag=${2:?--image-tag needs a value}
		shift 2
		;;
	*)
		args+=("$1")
		shift
		;;
	esac
done
if [ -z "$tag" ]; then
	tag=$(git rev-parse HEAD:app)
fi
if ! pulumi stack select prod-dr >/dev/null; then
	echo "dr-drill: cannot select the stack prod-dr (pulumi login? pulumi stack init prod-dr --secrets-provider ...)" >&2
	exit 1
fi
pulumi config set --stack prod-dr --path 8byte:compute.imageTag "$tag"
exec go run ./cmd/drdrill -stack prod-dr "${args[@]}"
