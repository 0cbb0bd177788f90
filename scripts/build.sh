#!/usr/bin/env bash
# Builds the widget with the loader's mask module and the OpenAPI document (dist/public), the
# edge (edge/build) and the seller dashboard (dist/public/dashboard).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$ROOT/scripts/build-widget.sh"
# The OpenAPI document is served as a static asset at /openapi.json.
cp "$ROOT/docs/openapi.json" "$ROOT/dist/public/openapi.json"
"$ROOT/scripts/build-edge.sh"
"$ROOT/scripts/build-dashboard.sh"
