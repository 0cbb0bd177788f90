# Sourced by build-widget.sh and build-dashboard.sh: builds one Leptos CSR app into hashed
# static files, offline, with the pinned wasm-bindgen-cli and npm binaryen's wasm-opt.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# need_tools NAME: fails early, naming the install command, when a pinned tool is missing.
need_tools() {
  local have
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
  if [ "$have" != "$WASM_BINDGEN_VERSION" ]; then
    echo "$1: need wasm-bindgen-cli $WASM_BINDGEN_VERSION, found '${have:-none}'; run scripts/setup.sh" >&2
    exit 1
  fi
  # Debian's wasm-opt is too old for this wasm (it breaks the page at load).
  [ -x "$WASM_OPT_BIN" ] || { echo "$1: run 'npm ci' first (no $WASM_OPT_BIN)" >&2; exit 1; }
}

# build_wasm_app CRATE STATIC_DIR CSS_FILE CSS_STEM TEMPLATE DEST PAGE ASSETS [FLOWS_DIR]
#   Builds CRATE (release, wasm32), runs wasm-bindgen and wasm-opt -Oz, minifies the glue and CSS,
#   content-hashes wasm, glue, STATIC_DIR/CSS_FILE and STATIC_DIR/boot.js into DEST/ASSETS,
#   and fills STATIC_DIR/TEMPLATE's {{CSS}} {{GLUE}} {{WASM}} {{BOOT}} into DEST/PAGE.
#   Each FLOWS_DIR/NAME.js, a module loaded on demand, is bundled and minified into
#   ASSETS/flow-NAME.<hash>.js, and boot.js's {{FLOW_NAME}} (upper case) names it.
#   DEST is updated in place (a running `wrangler dev` keeps watching it): new assets first,
#   the page that points at them last, then assets no build refers to any more are dropped.
build_wasm_app() {
  local crate="$1" static="$2" css_file="$3" css_stem="$4" template="$5" dest="$6" page="$7" assets="$8"
  local flows_dir="${9:-}"
  local lib="${crate//-/_}" work out wasm glue css boot f name
  local -a flow_names=()
  cargo build -p "$crate" --release --target wasm32-unknown-unknown
  work="$(mktemp -d)"
  out="$work/out"
  mkdir -p "$out/$assets" "$work/bindgen"
  wasm-bindgen --target web --no-typescript --out-dir "$work/bindgen" \
    "target/wasm32-unknown-unknown/release/$lib.wasm"
  # Rust's wasm32 target emits these post-MVP features by default.
  "$WASM_OPT_BIN" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$work/app.wasm" "$work/bindgen/${lib}_bg.wasm"
  esbuild --minify --format=esm --log-level=warning "$work/bindgen/$lib.js" --outfile="$work/glue.js"

  # hashed SRC STEM EXT: copies SRC into the assets as STEM.<hash>.EXT and prints that name.
  hashed() {
    local name
    name="$2.$(sha256sum "$1" | cut -c1-16).$3"
    cp "$1" "$out/$assets/$name"
    printf '%s' "$name"
  }
  wasm="$(hashed "$work/app.wasm" "$crate" wasm)"
  glue="$(hashed "$work/glue.js" "$crate" js)"
  esbuild --minify --log-level=warning "$static/$css_file" --outfile="$work/app.css"
  css="$(hashed "$work/app.css" "$css_stem" css)"
  if [ -n "$flows_dir" ]; then
    for f in "$flows_dir"/*.js; do
      name="$(basename "$f" .js)"
      esbuild --bundle --minify --format=esm --log-level=warning "$f" --outfile="$work/flow-$name.js"
      flow_names+=(-e "s/{{FLOW_${name^^}}}/$(hashed "$work/flow-$name.js" "flow-$name" js)/g")
    done
  fi
  sed -e "s/{{GLUE}}/$glue/g" -e "s/{{WASM}}/$wasm/g" "${flow_names[@]}" "$static/boot.js" \
    | esbuild --minify --format=esm --log-level=warning > "$work/boot.js"
  if grep -q '{{' "$work/boot.js"; then
    echo "build: unfilled placeholder in $static/boot.js" >&2
    exit 1
  fi
  boot="$(hashed "$work/boot.js" boot js)"
  sed -e "s/{{CSS}}/$css/g" -e "s/{{GLUE}}/$glue/g" -e "s/{{WASM}}/$wasm/g" -e "s/{{BOOT}}/$boot/g" \
    "$static/$template" > "$out/$page"
  if grep -q '{{' "$out/$page"; then
    echo "build: unfilled placeholder in $static/$template" >&2
    exit 1
  fi

  mkdir -p "$dest/$assets"
  cp "$out/$assets"/* "$dest/$assets/"
  cp "$out/$page" "$dest/$page"
  for f in "$dest/$assets"/*; do
    [ -e "$out/$assets/$(basename "$f")" ] || rm -f "$f"
  done
  rm -rf "$work"
}

# print_sizes FILE...: raw, gzip -9 and brotli -q 11 bytes of each file, and the total.
print_sizes() {
  node -e '
const fs = require("fs"), zlib = require("zlib");
let tr = 0, tg = 0, tb = 0;
for (const f of process.argv.slice(1)) {
  const b = fs.readFileSync(f);
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  tr += b.length; tg += gz; tb += br;
  console.log(`  ${f.padEnd(60)} ${String(b.length).padStart(8)} raw ${String(gz).padStart(7)} gzip ${String(br).padStart(7)} br`);
}
console.log(`  ${"total".padEnd(60)} ${String(tr).padStart(8)} raw ${String(tg).padStart(7)} gzip ${String(tb).padStart(7)} br`);
' "$@"
}
