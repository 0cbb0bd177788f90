#!/usr/bin/env bash
# Builds the seller dashboard into dist/public/dashboard/ (the edge serves index.html at
# /dashboard with a strict CSP, so the page holds no inline script or style):
#   dashboard/index.html       the page, pointing at the hashed assets by absolute path
#   dashboard/assets/*         content-hashed JS glue, bootstrap module, wasm and CSS
# Safe to run again; works from any directory; leaves the widget's files alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wasm-app.sh"
need_tools build-dashboard

DEST="$ROOT/dist/public/dashboard"
build_wasm_app chatpay-dashboard dashboard/static dashboard.css dashboard index.html "$DEST" index.html assets

cd "$DEST" && print_sizes index.html assets/*
echo "build-dashboard: wrote $DEST"
