#!/usr/bin/env bash
# Every test in one command: installs what is missing (including Debian's chromium and
# chromedriver), builds once, checks the production configuration with a dry-run deploy,
# then runs every crate's unit/property tests, the integration tests against a real
# `wrangler dev`, schemathesis against the served OpenAPI document, and the end-to-end tests
# in headless Chromium.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "install (pinned)";           scripts/setup.sh --browser
step "format";                     cargo fmt --all --check
step "layout (file sizes, import cycles)"; node scripts/check-layout.mjs --self-test; node scripts/check-layout.mjs
step "build widget and edge";      scripts/build.sh
step "production config (wrangler deploy --dry-run)"; scripts/deploy.sh --dry-run --no-build
step "lint";                       cargo clippy -p chatpay-core -p chatpay-edge -p chatpay-intl -p chatpay-tests -p chatpay-mask-wasm --all-targets -- -D warnings
                                   cargo clippy -p chatpay-edge -p chatpay-widget -p chatpay-dashboard -p chatpay-intl -p chatpay-mask-wasm --target wasm32-unknown-unknown -- -D warnings
                                   cargo clippy -p chatpay-edge --features demo --target wasm32-unknown-unknown -- -D warnings
step "unit + property tests (every crate but tests/)"; cargo test --workspace --exclude chatpay-tests
step "PayPal stand-in self-test";        node --test tests/paypal/standin.test.mjs
step "type definitions (TypeScript, React 18)"; node --test tests/types/types.test.mjs
step "integration tests (wrangler dev)"; cargo test -p chatpay-tests -- --test-threads 8
step "API conformance (schemathesis)";   scripts/schemathesis.sh
step "end to end (headless Chromium)";   node --test --test-concurrency=1 'tests/e2e/*.test.mjs'
step "all tests passed"
