#!/usr/bin/env bash
# Builds the widget (dist/public) and then the edge (edge/build).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$ROOT/scripts/build-widget.sh"
"$ROOT/scripts/build-edge.sh"
"$ROOT/scripts/build-dashboard.sh"
