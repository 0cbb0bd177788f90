// Starts a real `wrangler dev` of the built edge for the browser tests, as docs/CONTRACT.md
// describes: fresh persisted state, a random free port, its own env file with random keys
// and `--env demo` (the demo page and seed). Stops it with SIGTERM, then kills its process group.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `vars`: more lines for the edge's env file, such as PayPal's settings a live seller needs. */
export async function startEdge(vars = {}) {
  for (const built of ['edge/build-demo/worker/shim.mjs', 'dist/public/v1/frame.html', 'dist/public/v1/widget.js']) {
    if (!existsSync(path.join(ROOT, built))) {
      throw new Error(`${built} is missing: run scripts/build.sh first`);
    }
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'chatpay-e2e-'));
  const adminKey = randomBytes(24).toString('hex');
  const envFile = path.join(dir, 'test.env');
  writeFileSync(envFile, [
    `PLATFORM_ADMIN_KEY=${adminKey}`,
    `VAULT_KEY=${randomBytes(32).toString('hex')}`,
    `FINGERPRINT_KEY=${randomBytes(32).toString('hex')}`,
    `ID_KEY=${randomBytes(32).toString('hex')}`,
    ...Object.entries(vars).map(([name, value]) => `${name}=${value}`),
    '',
  ].join('\n'), { mode: 0o600 });
  const port = await freePort();
  const inspector = await freePort();
  const logFile = path.join(dir, 'wrangler.log');
  const log = openSync(logFile, 'a');
  const child = spawn(path.join(BIN, 'wrangler'), [
    'dev', '--config', 'edge/wrangler.toml', '--env', 'demo', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspector), '--persist-to', path.join(dir, 'state'),
    '--env-file', envFile, '--show-interactive-dev-session=false',
  ], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      PATH: `${BIN}:${process.env.PATH}`,
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      CI: '1',
    },
  });
  let exited = false;
  child.on('exit', () => { exited = true; });

  const origin = `http://127.0.0.1:${port}`;
  const edge = {
    port,
    origin,
    pageOrigin: `http://localhost:${port}`,
    adminKey,
    dir,
    logs: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (!exited) {
        try { process.kill(child.pid, 'SIGTERM'); } catch { /* already gone */ }
        for (let i = 0; i < 30 && !exited; i++) await sleep(100);
      }
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group already gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`wrangler dev exited early:\n${edge.logs()}`);
    try {
      const r = await fetch(`${origin}/healthz`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await edge.stop();
      throw new Error('wrangler dev did not become ready in 90 s');
    }
    await sleep(300);
  }
  return edge;
}

/** `POST /demo/seed`: the demo seller, its key and two open requests (USD, JPY). */
export async function seed(edge) {
  const r = await fetch(`${edge.origin}/demo/seed`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${edge.adminKey}` },
  });
  if (r.status !== 201) throw new Error(`seed: ${r.status} ${await r.text()}`);
  return r.json();
}

/** A seller API call with the seeded secret key. */
export async function sellerApi(edge, key, method, pathname, body) {
  const r = await fetch(`${edge.origin}${pathname}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json();
  return { status: r.status, json };
}

/** `POST .../pay` from outside the card, as a card tester would: `times` declines of the
 * sandbox's generic-decline card, each asserted to be a 402. */
export async function declineByApi(edge, id, clientSecret, times) {
  for (let i = 0; i < times; i++) {
    const r = await fetch(`${edge.origin}/v1/payment_requests/${id}/pay`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${clientSecret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: { type: 'card', number: '4000000000000002', exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 3, cvc: '123', name: 'Sam Rivera', postal_code: '94107' } }),
    });
    if (r.status !== 402) throw new Error(`decline ${i}: ${r.status} ${await r.text()}`);
  }
}
