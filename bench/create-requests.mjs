// Pre-creates payment requests for the pay benchmark, through the public API.
//   node bench/create-requests.mjs EDGE_ORIGIN SELLER_KEY COUNT OUT_FILE
// Writes one "request_id client_secret" line per request. A pay succeeds once per request,
// so each of these backs exactly one real, successful payment under wrk.
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const [edge, sellerKey, countArg, out] = process.argv.slice(2);
const count = Number(countArg);
const CONCURRENCY = 8;
const run = randomUUID();
const lines = new Array(count);
let next = 0;

async function createOne(i) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${edge}/v1/payment_requests`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sellerKey}`,
        'content-type': 'application/json',
        // Makes a retry after a dropped connection safe: it replays, never doubles.
        'idempotency-key': `bench-${run}-${i}`,
      },
      body: JSON.stringify({ amount: '24.00', currency: 'USD', description: `Bench mug #${i}` }),
    }).catch((e) => ({ status: 0, text: async () => String(e) }));
    if (response.status === 201) {
      const body = await response.json();
      return `${body.id} ${body.client_secret}`;
    }
    if (attempt >= 5) throw new Error(`create #${i}: ${response.status} ${await response.text()}`);
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

async function worker() {
  while (next < count) {
    const i = next++;
    lines[i] = await createOne(i);
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
writeFileSync(out, lines.join('\n') + '\n');
console.error(`created ${count} payment requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
