#!/usr/bin/env bash
# The rule for a pull request whose preview cannot run (no OIDC token: a fork, or Dependabot), applied to
# the changed files on stdin (one path a line). The preview check
#   passes, with a notice, when no changed file can change what a stack deploys: documentation
#           (*.md, docs/), the CI definitions (.github/), the app's tests (app/**/*_test.go);
#   fails   otherwise, naming the files, because nobody has seen what the change would do to dev or prod.
# To get the preview, a maintainer pushes the branch to this repository (for Dependabot: pushes any commit
# to its branch), so that the run has an OIDC token. docs/ci.md states this rule; keep them together.
set -euo pipefail

deploying=()
while IFS= read -r path; do
	case $path in
	'') ;;
	*.md | docs/* | .github/* | app/*_test.go) ;;
	*) deploying+=("$path") ;;
	esac
done
if [ "${#deploying[@]}" -eq 0 ]; then
	echo "::notice title=pulumi preview not needed::This pull request cannot get an OIDC token (fork or Dependabot), and none of its files changes a stack: only documentation, CI definitions or app tests."
	exit 0
fi
echo "::error title=pulumi preview required::This pull request cannot get an OIDC token (fork or Dependabot), and it changes files that a deployment is built from: ${deploying[*]}. A maintainer pushes the branch to this repository (or a commit to Dependabot's branch) to run the preview; see docs/ci.md."
exit 1
