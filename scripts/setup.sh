#!/usr/bin/env bash
# Installs what is missing, at pinned versions: the wasm32 target, wasm-bindgen-cli and
# worker-build (skipped when the right versions are installed), the npm packages (wrangler,
# Node 22, binaryen, playwright-core), schemathesis in the project-local venv
# .venv-schemathesis/ and, with --browser, Debian's chromium and chromedriver, and
# fonts-noto-cjk (without it, screenshots in Chinese or Japanese show boxes).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

if [[ "${1:-}" == "--browser" ]]; then
  browser=()
  command -v chromium >/dev/null 2>&1 || browser+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || browser+=(chromium-driver)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || browser+=(fonts-noto-cjk)
  if ((${#browser[@]})); then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get install -y "${browser[@]}" || { $SUDO apt-get update && $SUDO apt-get install -y "${browser[@]}"; }
  fi
fi
if ! dpkg -s pkg-config libssl-dev >/dev/null 2>&1; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get install -y pkg-config libssl-dev || { $SUDO apt-get update && $SUDO apt-get install -y pkg-config libssl-dev; }
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if ! cargo install --list | grep -qx "worker-build v$WORKER_BUILD_VERSION:"; then
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --force
fi

lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ "$(cat node_modules/.chatpay-lock-sum 2>/dev/null || true)" != "$lock_sum" ]]; then
  npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.chatpay-lock-sum
fi

# schemathesis (scripts/schemathesis.sh): every package pinned and hash-checked, in its own venv.
st_requirements=tests/schemathesis/requirements.txt
st_sum="$(sha256sum "$st_requirements" | cut -d' ' -f1)"
if [[ "$(cat .venv-schemathesis/.chatpay-requirements-sum 2>/dev/null || true)" != "$st_sum" ]]; then
  rm -rf .venv-schemathesis
  python3 -m venv .venv-schemathesis
  .venv-schemathesis/bin/pip install --quiet --disable-pip-version-check --no-input \
    --require-hashes --no-deps --only-binary :all: -r "$st_requirements"
  echo "$st_sum" > .venv-schemathesis/.chatpay-requirements-sum
fi

cargo fetch --locked
