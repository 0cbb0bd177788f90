#!/usr/bin/env bash
# Builds the buyer-facing static files into dist/public/ (layout in docs/CONTRACT.md):
#   v1/widget.js            the loader (minified)
#   v1/frame.html           the iframe template, pointing at the hashed assets
#   v1/assets/*             content-hashed JS glue, bootstrap module, wasm and CSS
#   _headers                cache and framing rules for the static assets
# Safe to run again; works from any directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

WANT_BINDGEN="0.2.130"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$WANT_BINDGEN" ]; then
  echo "build-widget: need wasm-bindgen-cli $WANT_BINDGEN, found '${have:-none}'" >&2
  echo "  cargo install wasm-bindgen-cli --version $WANT_BINDGEN --locked" >&2
  exit 1
fi
# binaryen from npm (pinned in package.json); Debian's wasm-opt is too old for this wasm.
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || { echo "build-widget: run 'npm ci' first (no $WASM_OPT)" >&2; exit 1; }

cargo build -p chatpay-widget --release --target wasm32-unknown-unknown

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/public"
mkdir -p "$OUT/v1/assets" "$WORK/bindgen"

wasm-bindgen --target web --no-typescript --out-dir "$WORK/bindgen" \
  target/wasm32-unknown-unknown/release/chatpay_widget.wasm
# Rust's wasm32 target emits these post-MVP features by default.
"$WASM_OPT" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  -o "$WORK/widget.wasm" "$WORK/bindgen/chatpay_widget_bg.wasm"
esbuild --minify --format=esm --log-level=warning \
  "$WORK/bindgen/chatpay_widget.js" --outfile="$WORK/glue.js"

# Copies $1 into assets/ as $2.<hash>.$3 and prints the new name.
hashed() {
  local src="$1" stem="$2" ext="$3" hash
  hash="$(sha256sum "$src" | cut -c1-16)"
  cp "$src" "$OUT/v1/assets/$stem.$hash.$ext"
  printf '%s' "$stem.$hash.$ext"
}

WASM="$(hashed "$WORK/widget.wasm" chatpay-widget wasm)"
GLUE="$(hashed "$WORK/glue.js" chatpay-widget js)"
CSS="$(hashed widget/static/chatpay.css chatpay css)"
sed -e "s/{{GLUE}}/$GLUE/g" -e "s/{{WASM}}/$WASM/g" widget/static/boot.js \
  | esbuild --minify --format=esm --log-level=warning > "$WORK/boot.js"
BOOT="$(hashed "$WORK/boot.js" boot js)"

sed -e "s/{{CSS}}/$CSS/g" -e "s/{{GLUE}}/$GLUE/g" -e "s/{{WASM}}/$WASM/g" -e "s/{{BOOT}}/$BOOT/g" \
  widget/static/frame.html > "$OUT/v1/frame.html"
if grep -q '{{' "$OUT/v1/frame.html"; then
  echo "build-widget: unfilled placeholder in frame.html" >&2
  exit 1
fi
esbuild --minify --log-level=warning widget/loader/widget.js --outfile="$OUT/v1/widget.js"
cp widget/static/_headers "$OUT/_headers"

# Update dist/public in place (a running `wrangler dev` keeps watching it): new assets
# first, the page that points at them last, then drop assets no build refers to any more.
DEST="$ROOT/dist/public"
mkdir -p "$DEST/v1/assets"
cp "$OUT"/v1/assets/* "$DEST/v1/assets/"
cp "$OUT/v1/widget.js" "$DEST/v1/widget.js"
cp "$OUT/_headers" "$DEST/_headers"
cp "$OUT/v1/frame.html" "$DEST/v1/frame.html"
for f in "$DEST"/v1/assets/*; do
  [ -e "$OUT/v1/assets/$(basename "$f")" ] || rm -f "$f"
done

node -e '
const fs = require("fs"), zlib = require("zlib"), path = require("path");
const files = ["v1/widget.js", "v1/frame.html",
  ...fs.readdirSync("dist/public/v1/assets").map(f => "v1/assets/" + f)];
let tb = 0, tg = 0, tr = 0;
for (const f of files) {
  const b = fs.readFileSync(path.join("dist/public", f));
  const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  tb += br; tg += gz; tr += b.length;
  console.log(`  ${f.padEnd(48)} ${String(b.length).padStart(8)} raw ${String(gz).padStart(7)} gzip ${String(br).padStart(7)} br`);
}
console.log(`  ${"total".padEnd(48)} ${String(tr).padStart(8)} raw ${String(tg).padStart(7)} gzip ${String(tb).padStart(7)} br`);
'
echo "build-widget: wrote $ROOT/dist/public"
