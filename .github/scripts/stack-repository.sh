#!/usr/bin/env bash
# Prints the app image repository of a stack, 8byte:compute.repositoryUrl of Pulumi.STACK.yaml (the
# bootstrap project's output, one registry per AWS account): the workflows push to and check the
# registry the stack itself pulls from, with no second copy of the URL in a GitHub variable.
# Usage: stack-repository.sh STACK      (run at the repository root; yq is on GitHub's Ubuntu runners)
set -euo pipefail

stack=${1:?usage: stack-repository.sh STACK}
file="Pulumi.$stack.yaml"
if ! uri=$(yq -r -e '.config["8byte:compute"].repositoryUrl' "$file"); then
	echo "::error file=$file::set 8byte:compute.repositoryUrl (the bootstrap output repositoryUrl); see docs/ci.md" >&2
	exit 1
fi
echo "$uri"
