#!/usr/bin/env bash
# Writes fresh local secrets to the given file (default edge/.dev.vars) unless it exists.
# Production secrets are set with `wrangler secret put` instead (see README). The demo is
# switched on by `wrangler dev --env demo`, never by a secret.
set -euo pipefail
source "$(dirname "$0")/env.sh"
file="${1:-$ROOT/edge/.dev.vars}"
[[ -f "$file" ]] && exit 0
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
umask 077
cat > "$file" <<VARS
PLATFORM_ADMIN_KEY=pk_admin_$(hex 24)
VAULT_KEY=$(hex 32)
FINGERPRINT_KEY=$(hex 32)
ID_KEY=$(hex 32)
VARS
echo "wrote local secrets to $file"
