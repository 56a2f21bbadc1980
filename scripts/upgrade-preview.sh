#!/usr/bin/env bash
# Proves a PostgreSQL major upgrade of STACK on the offline Pulumi engine (shared/offline-pulumi): deploys
# the stack at database.engineVersion FROM, previews TO, and checks the plan with scripts/upgradecheck:
# the DB instance updated in place on its engine version and parameter group, nothing created, replaced
# or deleted. The real engine decides the operations; the stand-in provider only answers.
# Usage: scripts/upgrade-preview.sh STACK FROM TO [OUT_DIR]
# Env: OFFLINE_PULUMI_BIN (default $HOME/.cache/offline-pulumi-bin), OFFLINE_PULUMI_CONFIG (extra
#      `pulumi config set` arguments, one set a line, as run-stack.sh takes them).
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 STACK FROM TO [OUT_DIR]" >&2
	exit 2
fi
STACK=$1 FROM=$2 TO=$3
BIN=${OFFLINE_PULUMI_BIN:-$HOME/.cache/offline-pulumi-bin}
if [ ! -f "$BIN/env.sh" ]; then
	echo "$0: $BIN/env.sh not found: the offline engine is not set up (shared/offline-pulumi/setup.sh)" >&2
	exit 2
fi
# shellcheck source=/dev/null
. "$BIN/env.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${4:-$(mktemp -d "${TMPDIR:-/tmp}/upgrade-preview.XXXXXX")}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/upgrade-preview-work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/program" "$WORK/state"
tar -C "$SRC" --exclude=.git -cf - . | tar -C "$WORK/program" -xf -
export PULUMI_BACKEND_URL="file://$WORK/state" PULUMI_CONFIG_PASSPHRASE=offline-harness
unset PULUMI_CONFIG_PASSPHRASE_FILE PULUMI_ACCESS_TOKEN
cd "$WORK/program"
common=(--stack "$STACK" --non-interactive --color never)

offline-pulumi-prep -dir . -src "$SRC" -stack "$STACK" -placeholder offline-placeholder >"$OUT/stripped-secure-keys.txt"
pulumi stack init "$STACK" --non-interactive --color never >"$OUT/01-init.log" 2>&1
while IFS= read -r key; do
	[ -n "$key" ] && pulumi config set --plaintext --stack "$STACK" -- "$key" offline-placeholder
done <"$OUT/stripped-secure-keys.txt"
if [ -n "${OFFLINE_PULUMI_CONFIG:-}" ]; then
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		eval "set -- $line"
		pulumi config set --stack "$STACK" "$@"
	done <<<"$OFFLINE_PULUMI_CONFIG"
fi
pulumi config set --path --type string --stack "$STACK" database.engineVersion "$FROM"
echo "[upgrade-preview] up at $FROM"
pulumi up --yes "${common[@]}" >"$OUT/02-up-$FROM.log" 2>&1
pulumi config set --path --type string --stack "$STACK" database.engineVersion "$TO"
echo "[upgrade-preview] preview of $TO"
pulumi preview --json "${common[@]}" >"$OUT/03-preview-$TO.json" 2>"$OUT/03-preview-$TO.log"
pulumi preview --diff "${common[@]}" >"$OUT/04-preview-$TO-diff.log" 2>&1
(cd "$SRC" && go run ./scripts/upgradecheck "$OUT/03-preview-$TO.json")
