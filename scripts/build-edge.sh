#!/usr/bin/env bash
# Builds the Worker (release) into edge/build/ with worker-build, offline: wasm-bindgen,
# wasm-opt and esbuild come from the pinned local installs (scripts/env.sh).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT/edge"
worker-build --release
