#!/usr/bin/env bash
# Pushes the image that image.yml built and scanned (the docker-save archive of this run) to an ECR
# repository once, and writes its digest to $GITHUB_OUTPUT (digest=sha256:..., pushed=true|false).
#   - The archive must hold exactly the image ID the build job reported (nothing swapped in between).
#   - ECR tags are immutable: when TAG is there already (the same app/ source was pushed by an earlier run,
#     or by a concurrent one a moment ago), nothing is pushed and that image's digest is used. That is
#     not an error.
#   - EXPECT_DIGEST (optional): promoting to a second registry (prod in another account) must give the
#     same digest as the first, or the push fails.
# Usage: push-image.sh ARCHIVE REPOSITORY_URI TAG IMAGE_ID
set -euo pipefail

archive=${1:?usage: push-image.sh ARCHIVE REPOSITORY_URI TAG IMAGE_ID}
uri=${2:?usage: push-image.sh ARCHIVE REPOSITORY_URI TAG IMAGE_ID}
tag=${3:?usage: push-image.sh ARCHIVE REPOSITORY_URI TAG IMAGE_ID}
image_id=${4:?usage: push-image.sh ARCHIVE REPOSITORY_URI TAG IMAGE_ID}
here=$(dirname "$0")
registry=${uri%%/*}

pushed=false
digest=$(bash "$here/image-digest.sh" "$uri" "$tag")
if [ -z "$digest" ]; then
	loaded=$(docker load --input "$archive" | sed -n 's/^Loaded image: //p')
	actual=$(docker image inspect --format '{{.Id}}' "$loaded")
	if [ "$actual" != "$image_id" ]; then
		echo "::error::the archive holds image $actual, the build job built $image_id"
		exit 1
	fi
	aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
	docker tag "$loaded" "$uri:$tag"
	if docker push "$uri:$tag"; then
		pushed=true
	else
		echo "push failed; checking whether a concurrent run pushed $tag first"
	fi
	docker logout "$registry"
	digest=$(bash "$here/image-digest.sh" "$uri" "$tag")
	if [ -z "$digest" ]; then
		echo "::error::$uri:$tag is not in the registry after the push"
		exit 1
	fi
else
	echo "::notice title=Image exists::$uri:$tag is in the registry already ($digest); not pushed again"
fi
if [ -n "${EXPECT_DIGEST:-}" ] && [ "$digest" != "$EXPECT_DIGEST" ]; then
	echo "::error::$uri:$tag is $digest, not the promoted digest $EXPECT_DIGEST"
	exit 1
fi
{
	echo "digest=$digest"
	echo "pushed=$pushed"
} >>"${GITHUB_OUTPUT:?}"
