#!/usr/bin/env bash
# The demo in one command: installs what is missing, builds, generates local secrets,
# starts the edge under `wrangler dev` (workerd, local Durable Objects), seeds a demo seller
# with open payment requests and prints the URL. PORT changes the port (default 8787).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
PORT="${PORT:-8787}"

scripts/setup.sh
scripts/build.sh
scripts/dev-vars.sh edge/.dev.vars
admin_key="$(grep '^PLATFORM_ADMIN_KEY=' edge/.dev.vars | cut -d= -f2-)"

setsid node_modules/.bin/wrangler dev --config edge/wrangler.toml --env demo --ip 127.0.0.1 --port "$PORT" \
  --persist-to "$ROOT/.wrangler/state" --show-interactive-dev-session=false &
wrangler_pid=$!
stop() { kill -TERM "$wrangler_pid" 2>/dev/null || true; sleep 1; kill -KILL -- "-$wrangler_pid" 2>/dev/null || true; }
trap stop EXIT INT TERM

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$wrangler_pid" 2>/dev/null || { echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
seed="$(curl -fsS -X POST "http://127.0.0.1:$PORT/demo/seed" -H "Authorization: Bearer $admin_key")"
field() { node -e 'const o=JSON.parse(process.argv[1]); console.log(process.argv[2].split(".").reduce((v,k)=>v[k],o))' "$seed" "$1"; }

cat <<MSG

  chatpay demo is running.

  Demo chat page:     http://localhost:$PORT/
  Edge (card iframe): http://127.0.0.1:$PORT
  Demo seller:        $(field seller_id)
  Seller secret key:  $(field secret_key)
  Open requests:      $(field requests.0.id), $(field requests.1.id)

  Try it:  curl http://127.0.0.1:$PORT/v1/payment_requests/$(field requests.0.id) -H "Authorization: Bearer $(field secret_key)"
  Test cards: 4242 4242 4242 4242 (approved), 4000 0000 0000 0002 (declined); see README.md.
  Stop with Ctrl-C.

MSG
wait "$wrangler_pid"
