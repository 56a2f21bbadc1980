#!/usr/bin/env bash
# Applies a saved update plan (plan.sh): `pulumi up --plan` performs only the operations of the plan and
# fails as soon as the program or the real resources would need anything else. --skip-preview: the plan
# is the preview, approved already. (--plan is listed by `pulumi up --help` only with PULUMI_EXPERIMENTAL
# set; the flag works either way.)
# Usage: up.sh PLAN_DIR MESSAGE
set -euo pipefail

dir=${1:?usage: up.sh PLAN_DIR MESSAGE}
message=${2:?usage: up.sh PLAN_DIR MESSAGE}
stack=$(cat "$dir/stack")
pulumi up --stack "$stack" --plan "$dir/plan.json" --skip-preview --yes --diff --non-interactive \
	--suppress-progress --message "$message"
