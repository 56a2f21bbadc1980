#!/usr/bin/env bash
# Prints the digest (sha256:...) of TAG in the ECR repository REPOSITORY_URI
# (<account>.dkr.ecr.<region>.amazonaws.com/<name>), or nothing when the tag is not there. Any other
# error fails. Needs ecr:DescribeImages (the preview and deploy roles have it).
# Usage: image-digest.sh REPOSITORY_URI TAG
set -euo pipefail

uri=${1:?usage: image-digest.sh REPOSITORY_URI TAG}
tag=${2:?usage: image-digest.sh REPOSITORY_URI TAG}
registry=${uri%%/*}
name=${uri#*/}
account=${registry%%.*}
if [ "$registry" = "$uri" ] || ! [[ $account =~ ^[0-9]{12}$ ]]; then
	echo "::error::'$uri' is not an ECR repository URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>)" >&2
	exit 1
fi
if found=$(aws ecr describe-images --registry-id "$account" --repository-name "$name" --image-ids "imageTag=$tag" \
	--query 'imageDetails[0].imageDigest' --output text 2>&1); then
	echo "$found"
elif ! grep -q ImageNotFoundException <<<"$found"; then
	echo "$found" >&2
	exit 1
fi
