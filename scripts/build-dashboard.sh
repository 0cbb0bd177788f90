#!/usr/bin/env bash
# Builds the seller dashboard into dist/public/dashboard/ (the edge serves index.html at
# /dashboard with a strict CSP, so the page holds no inline script or style):
#   dashboard/index.html       the page, pointing at the hashed assets by absolute path
#   dashboard/assets/*         content-hashed JS glue, bootstrap module, wasm and CSS
# Safe to run again; works from any directory; leaves the widget's files alone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

WANT_BINDGEN="0.2.130"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$WANT_BINDGEN" ]; then
  echo "build-dashboard: need wasm-bindgen-cli $WANT_BINDGEN, found '${have:-none}'" >&2
  echo "  cargo install wasm-bindgen-cli --version $WANT_BINDGEN --locked" >&2
  exit 1
fi
# binaryen from npm (pinned in package.json); Debian's wasm-opt is too old for this wasm.
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || { echo "build-dashboard: run 'npm ci' first (no $WASM_OPT)" >&2; exit 1; }

cargo build -p chatpay-dashboard --release --target wasm32-unknown-unknown

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/dashboard"
mkdir -p "$OUT/assets" "$WORK/bindgen"

wasm-bindgen --target web --no-typescript --out-dir "$WORK/bindgen" \
  target/wasm32-unknown-unknown/release/chatpay_dashboard.wasm
# Rust's wasm32 target emits these post-MVP features by default.
"$WASM_OPT" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  -o "$WORK/dashboard.wasm" "$WORK/bindgen/chatpay_dashboard_bg.wasm"
esbuild --minify --format=esm --log-level=warning \
  "$WORK/bindgen/chatpay_dashboard.js" --outfile="$WORK/glue.js"

# Copies $1 into assets/ as $2.<hash>.$3 and prints the new name.
hashed() {
  local src="$1" stem="$2" ext="$3" hash
  hash="$(sha256sum "$src" | cut -c1-16)"
  cp "$src" "$OUT/assets/$stem.$hash.$ext"
  printf '%s' "$stem.$hash.$ext"
}

WASM="$(hashed "$WORK/dashboard.wasm" chatpay-dashboard wasm)"
GLUE="$(hashed "$WORK/glue.js" chatpay-dashboard js)"
CSS="$(hashed dashboard/static/dashboard.css dashboard css)"
sed -e "s/{{GLUE}}/$GLUE/g" -e "s/{{WASM}}/$WASM/g" dashboard/static/boot.js \
  | esbuild --minify --format=esm --log-level=warning > "$WORK/boot.js"
BOOT="$(hashed "$WORK/boot.js" boot js)"

sed -e "s/{{CSS}}/$CSS/g" -e "s/{{GLUE}}/$GLUE/g" -e "s/{{WASM}}/$WASM/g" -e "s/{{BOOT}}/$BOOT/g" \
  dashboard/static/index.html > "$OUT/index.html"
if grep -q '{{' "$OUT/index.html"; then
  echo "build-dashboard: unfilled placeholder in index.html" >&2
  exit 1
fi

# Update dist/public/dashboard in place (a running `wrangler dev` keeps watching it): new
# assets first, the page that points at them last, then drop assets no build refers to.
DEST="$ROOT/dist/public/dashboard"
mkdir -p "$DEST/assets"
cp "$OUT"/assets/* "$DEST/assets/"
cp "$OUT/index.html" "$DEST/index.html"
for f in "$DEST"/assets/*; do
  [ -e "$OUT/assets/$(basename "$f")" ] || rm -f "$f"
done

node -e '
const fs = require("fs"), zlib = require("zlib"), path = require("path");
const files = ["index.html", ...fs.readdirSync("dist/public/dashboard/assets").map(f => "assets/" + f)];
let tb = 0, tg = 0, tr = 0;
for (const f of files) {
  const b = fs.readFileSync(path.join("dist/public/dashboard", f));
  const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  tb += br; tg += gz; tr += b.length;
  console.log(`  dashboard/${f.padEnd(48)} ${String(b.length).padStart(8)} raw ${String(gz).padStart(7)} gzip ${String(br).padStart(7)} br`);
}
console.log(`  ${"total".padEnd(58)} ${String(tr).padStart(8)} raw ${String(tg).padStart(7)} gzip ${String(tb).padStart(7)} br`);
'
echo "build-dashboard: wrote $DEST"
