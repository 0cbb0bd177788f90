#!/usr/bin/env bash
# Deploys the top-level (production) configuration of edge/wrangler.toml: no demo. Installs
# what is missing and builds first. Log in and set the secrets once before (README,
# "Deploying").
#   bash scripts/deploy.sh                       build, dry run, then `wrangler deploy --env=""`
#   bash scripts/deploy.sh --dry-run             build, then only the dry run: bundle what
#                                                would be uploaded into a temp dir, upload
#                                                nothing (no login needed)
#   bash scripts/deploy.sh --dry-run --no-build  the same on the current build (scripts/test.sh)
# The dry run fails on any wrangler warning, so a real deploy never starts after one. Further
# arguments go to `wrangler deploy`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

dry_run=false build=true args=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    --no-build) build=false ;;
    *) args+=("$arg") ;;
  esac
done

if $build; then
  scripts/setup.sh
  scripts/build.sh
fi

# `--env=""` names the top level explicitly, whatever CLOUDFLARE_ENV or a default says.
deploy=(wrangler deploy --config edge/wrangler.toml --env="")

# A warning (an unknown field, a binding left out of an environment, a migration wrangler
# cannot apply) is a mistake in the configuration: stop on it before anything is uploaded.
out="$(mktemp -d "${TMPDIR:-/tmp}/chatpay-deploy.XXXXXX")"
trap 'rm -rf "$out"' EXIT
"${deploy[@]}" --dry-run --outdir "$out/bundle" "${args[@]}" 2>&1 | tee "$out/log"
if grep -q 'WARNING' "$out/log"; then
  echo "deploy: wrangler warned about the production configuration (above); nothing uploaded" >&2
  exit 1
fi
[[ -s "$out/bundle/shim.js" ]] || { echo "deploy: the dry run wrote no Worker bundle" >&2; exit 1; }
if $dry_run; then
  echo "deploy: dry run of the production configuration passed (nothing uploaded)"
  exit 0
fi
"${deploy[@]}" "${args[@]}"
