#!/usr/bin/env bash
# Builds the Worker (release) twice with worker-build, offline (wasm-bindgen, wasm-opt and
# esbuild come from the pinned local installs, scripts/env.sh):
#   edge/build       production: no demo code at all (what `wrangler deploy` uploads)
#   edge/build-demo  with `--features demo`, for `wrangler dev --env demo` (tests, demo, bench)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT/edge"

# worker-build keeps the wasm name section (~140 KB) for readable panics. Production panics
# are already logged with their message, so drop the names to shrink what every cold start
# loads. Same feature set worker-build enables, so nothing else changes.
strip_names() {
  wasm-opt "$1/index_bg.wasm" -o "$1/index_bg.wasm" --strip-debug --strip-producers \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
    --enable-multivalue --enable-reference-types --enable-exception-handling
}

worker-build --release
strip_names build
worker-build --release --out-dir build-demo -- --features demo
strip_names build-demo
