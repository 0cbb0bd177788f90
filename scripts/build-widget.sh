#!/usr/bin/env bash
# Builds the buyer-facing static files into dist/public/ (layout in docs/CONTRACT.md):
#   v1/widget.js            the loader (minified), which the Worker serves with its origin
#   v1/frame.html           the iframe template, pointing at the hashed assets
#   v1/assets/*             content-hashed JS glue, bootstrap module, wasm and CSS, and the
#                           flows the card imports on demand (flow-*.js, from widget/flows/)
#   _headers                cache and framing rules for the static assets
# Safe to run again; works from any directory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wasm-app.sh"
need_tools build-widget

DEST="$ROOT/dist/public"
build_wasm_app chatpay-widget widget/static chatpay.css chatpay frame.html "$DEST" v1/frame.html v1/assets widget/flows
esbuild --minify --log-level=warning widget/loader/widget.js --outfile="$DEST/v1/widget.js"
# The Worker writes its origin over this literal (edge/src/loader.rs): it must survive, once.
if [[ "$(grep -o '"__CHATPAY_EDGE_ORIGIN__"' "$DEST/v1/widget.js" | wc -l)" != 1 ]]; then
  echo "build-widget: v1/widget.js must hold the literal \"__CHATPAY_EDGE_ORIGIN__\" exactly once" >&2
  exit 1
fi
cp widget/static/_headers "$DEST/_headers"
# The loader names the mask module it fetches for ChatPay: build it and write its name in.
"$ROOT/scripts/build-mask.sh"

cd "$DEST"
echo "build-widget: what every buyer downloads for one card"
print_sizes v1/widget.js v1/frame.html $(ls v1/assets/* | grep -v '/flow-')
echo "build-widget: the flows, each downloaded only when a buyer chooses it"
print_sizes v1/assets/flow-*
echo "build-widget: wrote $DEST"
