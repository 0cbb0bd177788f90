#!/usr/bin/env bash
# Builds the card-number mask module (mask-wasm/, core::mask alone) into
#   dist/public/v1/mask/chatpay-mask.<hash>.wasm
# which the loader fetches for ChatPay.maskCardNumbers. No wasm-bindgen: plain exports and
# linear memory. Prints its raw, gzip and brotli sizes, and fails when it is over its budget
# of 8 KB brotli (PERFORMANCE.md).
# Safe to run again; works from any directory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wasm-app.sh"
[ -x "$WASM_OPT_BIN" ] || { echo "build-mask: run 'npm ci' first (no $WASM_OPT_BIN)" >&2; exit 1; }

DEST="$ROOT/dist/public/v1/mask"
FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext)
cargo build -p chatpay-mask-wasm --release --target wasm32-unknown-unknown
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Optimize once keeping the names, so stub-panics can find the panic functions by name.
"$WASM_OPT_BIN" -Oz --debuginfo "${FEATURES[@]}" \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/chatpay_mask_wasm.wasm" -o "$work/named.wasm"
wasm-dis "$work/named.wasm" -o "$work/named.wat"
node "$ROOT/scripts/stub-panics.mjs" "$work/named.wat" "$work/stubbed.wat"
wasm-as "${FEATURES[@]}" "$work/stubbed.wat" -o "$work/stubbed.wasm"
"$WASM_OPT_BIN" -Oz --strip-debug --strip-producers "${FEATURES[@]}" \
  "$work/stubbed.wasm" -o "$work/mask.wasm"
hash="$(sha256sum "$work/mask.wasm" | cut -c1-16)"
mkdir -p "$DEST"
cp "$work/mask.wasm" "$DEST/chatpay-mask.$hash.wasm"
# Only the newest build stays: the loader of the same build names it.
for f in "$DEST"/chatpay-mask.*.wasm; do
  [ "$f" = "$DEST/chatpay-mask.$hash.wasm" ] || rm -f "$f"
done
# The loader (scripts/build-widget.sh) fetches the module by this name.
loader="$ROOT/dist/public/v1/widget.js"
if [ -f "$loader" ]; then
  # A fresh loader holds the placeholder; one this script patched before names the module
  # it built then, which the loop above just removed, so it names the new one instead.
  named='"(__CHATPAY_MASK_MODULE__|chatpay-mask\.[0-9a-f]{16}\.wasm)"'
  if [[ "$(grep -Eo "$named" "$loader" | wc -l)" == 1 ]]; then
    sed -Ei "s/$named/\"chatpay-mask.$hash.wasm\"/" "$loader"
  else
    echo "build-mask: $loader names no mask module: rebuild it with scripts/build-widget.sh" >&2
    exit 1
  fi
fi
cd "$ROOT/dist/public"
echo "build-mask: the mask module, fetched only when a page calls ChatPay"
print_sizes "v1/mask/chatpay-mask.$hash.wasm"
# The budget (docs/PERFORMANCE.md), measured as print_sizes measures: Node's brotli at
# quality 11. Over it, the build fails, so CI's build step catches a regression.
budget=8192
brotli="$(node -e '
const zlib = require("zlib");
const b = require("fs").readFileSync(process.argv[1]);
console.log(zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length);
' "v1/mask/chatpay-mask.$hash.wasm")"
if (( brotli > budget )); then
  echo "build-mask: the mask module is $brotli B brotli, over its budget of $budget B (docs/PERFORMANCE.md)" >&2
  exit 1
fi
echo "build-mask: $brotli B brotli, within the budget of $budget B"
