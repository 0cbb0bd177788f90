#!/usr/bin/env bash
# Measures chatpay and prints the figures that docs/PERFORMANCE.md records. Not a test: it
# asserts nothing about time, it measures and prints.
#   bash scripts/bench.sh            measure the current build (builds only what is missing)
#   bash scripts/bench.sh --build    rebuild widget and edge first (scripts/build.sh)
# Env: BENCH_RUNS     timed page loads per card variant (default 7)
#      BENCH_PAYS     payment requests pre-created for the pay runs (default 5000; 800 of them
#                     go to the one-connection run, the rest to the loaded run)
#      BENCH_WRK      wrk flags for the loaded runs (default "-t2 -c16 -d10s")
#      BENCH_MAX_LOAD if set (e.g. 0.8), wait up to 15 minutes before the browser runs and
#                     before the edge runs for the 1-minute load average to drop below it:
#                     on shared cores, other work skews every timing
#      CHROMIUM       the browser (default /usr/bin/chromium)
# Output: the report on stdout and in target/bench/report.md, raw data in target/bench/.
#
# 1. Buyer download: every response the browser gets from the edge for one card, each
#    fetched again raw and compressed with gzip -9 and brotli -q 11.
# 2. Time to a usable card: headless Chromium, chat page to typeable card-number input, the
#    real card against a static HTML card (the floor), median of BENCH_RUNS fresh contexts.
# 3. Edge: the Worker's wasm size; wrk against `wrangler dev` on loopback for the public GET
#    and for pay, each pay a real first payment of its own pre-created request.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

RUNS="${BENCH_RUNS:-7}"
PAYS="${BENCH_PAYS:-5000}"
WRK_FLAGS="${BENCH_WRK:--t2 -c16 -d10s}"
WRK_THREADS="$(sed -n 's/.*-t *\([0-9]\+\).*/\1/p' <<<"$WRK_FLAGS")"
WRK_THREADS="${WRK_THREADS:-2}"
OUT="$ROOT/target/bench"
rm -rf "$OUT"
mkdir -p "$OUT"

say() { printf '\033[1mbench:\033[0m %s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
wait_for_quiet() {
  [[ -n "${BENCH_MAX_LOAD:-}" ]] || return 0
  local waited=0
  while awk -v l="$(load1)" -v max="$BENCH_MAX_LOAD" 'BEGIN { exit !(l >= max) }'; do
    ((waited < 900)) || { say "load still $(load1) after 15 minutes; measuring anyway"; return 0; }
    ((waited % 60)) || say "load average $(load1) >= $BENCH_MAX_LOAD; waiting"
    sleep 10; waited=$((waited + 10))
  done
}

# --- tools ---------------------------------------------------------------------------------
scripts/setup.sh --browser >&2
if ! command -v wrk >/dev/null || ! command -v brotli >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get install -y wrk brotli >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y wrk brotli >&2; }
fi

# --- build ---------------------------------------------------------------------------------
if [[ "${1:-}" == "--build" ]]; then
  scripts/build.sh >&2
else
  [[ -f dist/public/v1/frame.html ]] || scripts/build-widget.sh >&2
  [[ -f edge/build/index_bg.wasm && -f edge/build-demo/worker/shim.mjs ]] || scripts/build-edge.sh >&2
fi

# --- a private copy of the build --------------------------------------------------------------
# `wrangler dev` reloads when its files change, and others rebuild dist/ and edge/build while
# they work. So the bench runs a snapshot, taken once nothing has changed for 15 seconds, with
# the same wrangler.toml beside it (its relative paths still hold).
WORK="$(mktemp -d "${TMPDIR:-/tmp}/chatpay-bench.XXXXXX")"
pids=()
child=""
cleanup() {
  local pid
  [[ -z "$child" ]] || kill -TERM "$child" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Runs a long measuring step so that Ctrl-C stops the bench at once: bash runs its INT trap
# during `wait`, and wrk, which stops its run on SIGINT and exits 0, would otherwise let the
# script carry on. The step itself is stopped by cleanup.
step() { local rc=0; "$@" & child=$!; wait "$child" || rc=$?; child=""; return "$rc"; }

quiet_for() { [[ -z "$(find dist/public edge/build edge/build-demo -newermt "-$1 seconds" -print -quit 2>/dev/null)" ]]; }
for _ in $(seq 1 120); do quiet_for 15 && break; say "build outputs are changing; waiting"; sleep 5; done
mkdir -p "$WORK/edge" "$WORK/dist"
cp edge/wrangler.toml "$WORK/edge/"
cp -R edge/build "$WORK/edge/build"
cp -R edge/build-demo "$WORK/edge/build-demo"
cp -R dist/public "$WORK/dist/public"
PUBLIC="$WORK/dist/public"
for ref in $(grep -o '/v1/assets/[^"]*' "$PUBLIC/v1/frame.html"); do
  [[ -f "$PUBLIC$ref" ]] || { echo "bench: frame.html names $ref, which the build lacks" >&2; exit 1; }
done

# --- the edge --------------------------------------------------------------------------------
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
EDGE_PORT="$(free_port)"; INSPECT_PORT="$(free_port)"; HOST_PORT="$(free_port)"; FLOOR_PORT="$(free_port)"
EDGE="http://127.0.0.1:$EDGE_PORT"
HOST="http://localhost:$HOST_PORT"

hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
ADMIN_KEY="pk_admin_$(hex 24)"
(umask 077; cat > "$WORK/env" <<VARS
PLATFORM_ADMIN_KEY=$ADMIN_KEY
VAULT_KEY=$(hex 32)
FINGERPRINT_KEY=$(hex 32)
ID_KEY=$(hex 32)
VARS
)

# The PayPal stand-in (tests/paypal/), so live card pays can be timed on loopback: the edge's
# own share of a live pay, with PayPal answering at once.
STANDIN_SECRET="bench-$(hex 8)"
node "$ROOT/tests/paypal/standin.mjs" --client-id bench-client --client-secret "$STANDIN_SECRET" \
  >"$WORK/standin.out" 2>"$WORK/standin.log" &
pids+=("$!")
for _ in $(seq 1 40); do [[ -s "$WORK/standin.out" ]] && break; sleep 0.25; done
STANDIN="$(head -1 "$WORK/standin.out" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).listening)')"
(umask 077; cat >> "$WORK/env" <<VARS
PAYPAL_API_BASE=$STANDIN
PAYPAL_CLIENT_ID=bench-client
PAYPAL_CLIENT_SECRET=$STANDIN_SECRET
PAYPAL_WEBHOOK_ID=WHSTANDIN
VARS
)

say "starting wrangler dev on $EDGE"
setsid "$ROOT/node_modules/.bin/wrangler" dev --config "$WORK/edge/wrangler.toml" --env demo \
  --ip 127.0.0.1 --port "$EDGE_PORT" --inspector-port "$INSPECT_PORT" \
  --persist-to "$WORK/state" --env-file "$WORK/env" --show-interactive-dev-session=false \
  >"$WORK/wrangler.log" 2>&1 &
pids+=("$!")
wrangler_pid=$!
for _ in $(seq 1 240); do
  curl -fsS "$EDGE/healthz" >/dev/null 2>&1 && break
  kill -0 "$wrangler_pid" 2>/dev/null || { cat "$WORK/wrangler.log" >&2; echo "bench: wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$EDGE/healthz" >/dev/null

json_field() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(process.argv[1].split(".").reduce((v,k)=>v[k],o))' "$1"; }
# A seller whose allowed origin is the bench's chat page, so the edge lets that page frame the card.
seller="$(curl -fsS "$EDGE/v1/sellers" -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
  -d "{\"display_name\":\"Clayworks\",\"country\":\"US\",\"default_currency\":\"USD\",\"allowed_origins\":[\"$HOST\"]}")"
SELLER_KEY="$(json_field secret_key <<<"$seller")"
card_request="$(curl -fsS "$EDGE/v1/payment_requests" -H "Authorization: Bearer $SELLER_KEY" -H 'Content-Type: application/json' \
  -d '{"amount":"24.00","currency":"USD","description":"Hand-thrown stoneware mug"}')"
CARD_ID="$(json_field id <<<"$card_request")"
CARD_SECRET="$(json_field client_secret <<<"$card_request")"

# --- 2. time to a usable card (also records what the card downloads, for 1.) ------------------
say "serving the chat pages on $HOST and the static floor card on http://127.0.0.1:$FLOOR_PORT"
setsid node bench/serve.mjs "$HOST_PORT" "$FLOOR_PORT" "$EDGE" "$CARD_ID" "$CARD_SECRET" >"$WORK/serve.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 50); do curl -fsS "$HOST/static.html" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$HOST/wasm.html" >/dev/null

wait_for_quiet
load_before_time="$(load1)"
say "timing the card in headless Chromium: $RUNS runs each of the real card and the static floor"
# A card that never becomes usable (say, a half-finished widget) is reported, not fatal.
step node bench/card-time.mjs "$HOST" "$RUNS" >"$OUT/card-time.json" ||
  say "could not time the card: $(json_field error <"$OUT/card-time.json" 2>/dev/null || echo 'see above')"

# --- 1. buyer download -------------------------------------------------------------------------
say "measuring what the buyer downloads"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const seen = new Set();
  for (const x of r.responses) {
    if (!x.url.startsWith(process.argv[2] + "/") || x.method !== "GET" || seen.has(x.url)) continue;
    seen.add(x.url);
    console.log([x.url, x.bodyBytes ?? "", x.encoding ?? "identity"].join("\t"));
  }' "$OUT/card-time.json" "$EDGE" >"$WORK/urls" 2>/dev/null || true
if [[ ! -s "$WORK/urls" ]]; then
  say "the browser recorded nothing from the edge; falling back to the files frame.html names"
  { echo "$EDGE/v1/widget.js"; echo "$EDGE/v1/frame/$CARD_ID"
    grep -o '/v1/assets/[^"]*' "$PUBLIC/v1/frame.html" | sort -u | sed "s|^|$EDGE|"; } >"$WORK/urls"
fi
{
  printf 'kind\tpath\traw\tgzip9\tbrotli11\twire\tencoding\n'
  while IFS=$'\t' read -r url wire encoding; do
    path="${url#"$EDGE"}"
    case "$path" in
      /v1/widget.js) kind=loader ;;
      /v1/frame/*) kind="iframe HTML"; path="/v1/frame/{id}" ;;
      */public) kind="API JSON"; path="/v1/payment_requests/{id}/public" ;;
      */flow-*.js) kind="JS (flow, loaded on demand)" ;;
      *.wasm) kind=wasm ;;
      *.css) kind=CSS ;;
      *.js) kind=JS ;;
      *) kind=other ;;
    esac
    auth=(); [[ "$kind" == "API JSON" ]] && auth=(-H "Authorization: Bearer $CARD_SECRET")
    curl -fsS "${auth[@]}" "$url" >"$WORK/body"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$path" "$(wc -c <"$WORK/body")" \
      "$(gzip -9 -c "$WORK/body" | wc -c)" "$(brotli -q 11 -c "$WORK/body" | wc -c)" "${wire:-}" "${encoding:-}"
  done <"$WORK/urls"
} >"$OUT/download.tsv"
# What frame.html names but the browser did not fetch would be dead weight; say so.
for ref in $(grep -o '/v1/assets/[^"]*' "$PUBLIC/v1/frame.html" | sort -u); do
  grep -qF "$ref" "$OUT/download.tsv" || say "note: frame.html names $ref but the browser did not fetch it"
done

# --- 3. edge -----------------------------------------------------------------------------------
# Each pay needs its own open request: the first SINGLE_PAYS go to the one-connection run, the
# rest to the loaded run.
SINGLE_PAYS=800
((PAYS > SINGLE_PAYS)) || { echo "bench: BENCH_PAYS must be over $SINGLE_PAYS" >&2; exit 2; }
wait_for_quiet
load_before_edge="$(load1)"
say "pre-creating $PAYS payment requests for the pay benchmark"
step node bench/create-requests.mjs "$EDGE" "$SELLER_KEY" "$PAYS" "$WORK/requests.txt"
head -n "$SINGLE_PAYS" "$WORK/requests.txt" >"$WORK/requests-single.txt"
tail -n +"$((SINGLE_PAYS + 1))" "$WORK/requests.txt" >"$WORK/requests-load.txt"

# Runs wrk twice for one endpoint: under load ($WRK_FLAGS) and on one connection, for the
# latency of a request that does not queue behind others.
#   bench_endpoint NAME URL [wrk args...]
bench_endpoint() {
  local name="$1" url="$2"; shift 2
  say "wrk $WRK_FLAGS: $name"
  # shellcheck disable=SC2086
  step wrk $WRK_FLAGS --latency "$@" "$url" >"$OUT/wrk-$name-load.txt"
  say "wrk -t1 -c1 -d5s: $name"
  step wrk -t1 -c1 -d5s --latency "$@" "$url" >"$OUT/wrk-$name-single.txt"
}
bench_endpoint healthz "$EDGE/healthz"
bench_endpoint public "$EDGE/v1/payment_requests/$CARD_ID/public" -H "Authorization: Bearer $CARD_SECRET"
say "wrk $WRK_FLAGS: pay, one fresh request per pay"
# shellcheck disable=SC2086
step wrk $WRK_FLAGS --latency -s bench/pay.lua "$EDGE" -- "$WORK/requests-load.txt" "$WRK_THREADS" >"$OUT/wrk-pay-load.txt"
say "wrk -t1 -c1 -d5s: pay, one fresh request per pay"
step wrk -t1 -c1 -d5s --latency -s bench/pay.lua "$EDGE" -- "$WORK/requests-single.txt" 1 >"$OUT/wrk-pay-single.txt"
# The pays were real: a request from each run now reads back as paid. (Line 2: wrk spends
# thread 0's first request() on checking the script, so line 1 is never sent.)
paid_status=""
for f in "$WORK/requests-load.txt" "$WORK/requests-single.txt"; do
  id="$(sed -n 2p "$f" | cut -d' ' -f1)"
  paid_status+="$(curl -fsS "$EDGE/v1/payment_requests/$id" -H "Authorization: Bearer $SELLER_KEY" | json_field status) "
done

# Live card pays: each is PayPal's create, confirm-payment-source and capture, against the
# stand-in on loopback, one connection.
live_seller="$(curl -fsS "$EDGE/v1/sellers" -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
  -d '{"display_name":"Clayworks Live","country":"US","default_currency":"USD","livemode":true,"paypal_merchant_id":"7DZ9A4T4S9CQL"}')"
LIVE_KEY="$(json_field secret_key <<<"$live_seller")"
say "pre-creating 600 live payment requests"
step node bench/create-requests.mjs "$EDGE" "$LIVE_KEY" 600 "$WORK/requests-live.txt"
say "wrk -t1 -c1 -d5s: live card pay through the PayPal stand-in"
step wrk -t1 -c1 -d5s --latency -s bench/pay.lua "$EDGE" -- "$WORK/requests-live.txt" 1 >"$OUT/wrk-pay-live-single.txt"
say "the stand-in alone: the same three calls from Node, 300 times"
step node bench/standin-time.mjs "$STANDIN" bench-client "$STANDIN_SECRET" 300 >"$OUT/standin-time.json"

wasm="$WORK/edge/build/index_bg.wasm"
edge_wasm_sizes="$(wc -c <"$wasm") $(gzip -9 -c "$wasm" | wc -c) $(brotli -q 11 -c "$wasm" | wc -c)"

# --- report ------------------------------------------------------------------------------------
mem_kb="$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
node bench/report.mjs \
  --commit "$(git rev-parse --short HEAD)$([[ -z "$(git status --porcelain -- core edge widget index.html)" ]] || echo ' + uncommitted changes')" \
  --date "$(date -u +%Y-%m-%dT%H:%MZ)" \
  --cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
  --nproc "$(nproc)" --mem "$((mem_kb / 1024 / 1024)) GiB" --load "$load_before_time / $load_before_edge / $(load1)" \
  --chromium "$("${CHROMIUM:-chromium}" --version 2>/dev/null || echo unknown)" \
  --wrangler "$(wrangler --version 2>/dev/null | tail -1)" --node "$(node --version)" \
  --wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" --wrk-flags="$WRK_FLAGS" --pays "$((PAYS - SINGLE_PAYS)) and $SINGLE_PAYS" --runs "$RUNS" \
  --sandbox-latency "$(sed -n 's/^SANDBOX_LATENCY_MS *= *"\{0,1\}\([0-9]*\)"\{0,1\}.*/\1/p' "$WORK/edge/wrangler.toml" | head -1)" \
  --edge-wasm-sizes "$edge_wasm_sizes" --paid-status "$paid_status" \
  --dir "$OUT" | tee "$OUT/report.md"
{
  echo
  echo "Live card pay (create, confirm, capture against the PayPal stand-in on loopback), wrk -t1 -c1 -d5s:"
  grep -E "Requests/sec|Latency Distribution|^ +(50|75|90|99)%|Non-2xx" "$OUT/wrk-pay-live-single.txt" | sed 's/^/    /'
  echo "The stand-in alone, the same three calls from Node one after another (ms per pay):"
  sed 's/^/    /' "$OUT/standin-time.json"
} | tee -a "$OUT/report.md"
