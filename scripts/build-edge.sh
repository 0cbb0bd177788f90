#!/usr/bin/env bash
# Builds the Worker (release) into edge/build/ with worker-build, offline: wasm-bindgen,
# wasm-opt and esbuild come from the pinned local installs (scripts/env.sh).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT/edge"
worker-build --release
# worker-build keeps the wasm name section (~140 KB) for readable panics. Production panics
# are already logged with their message, so drop the names to shrink what every cold start
# loads. Same feature set worker-build enables, so nothing else changes.
wasm-opt build/index_bg.wasm -o build/index_bg.wasm --strip-debug --strip-producers \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
  --enable-multivalue --enable-reference-types --enable-exception-handling
