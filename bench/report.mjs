// Turns the raw bench outputs in target/bench/ into the Markdown report scripts/bench.sh
// prints: the same tables docs/PERFORMANCE.md records.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const names = ['commit', 'date', 'cpu', 'nproc', 'mem', 'load', 'chromium', 'wrangler', 'node',
  'wrk', 'wrk-flags', 'sandbox-latency', 'pays', 'runs', 'edge-wasm-sizes', 'paid-status', 'dir', 'assets'];
const { values: a } = parseArgs({ options: Object.fromEntries(names.map((n) => [n, { type: 'string' }])) });
const file = (name) => readFileSync(`${a.dir}/${name}`, 'utf8');

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (x) => (x == null ? 'n/a' : `${x.toFixed(1)} ms`);
const row = (cells) => `| ${cells.join(' | ')} |`;
const out = [];

out.push(`Measured ${a.date} at commit ${a.commit}.`);
out.push('');
out.push(`Machine: ${a.nproc} vCPU (${a.cpu}), ${a.mem} RAM ` +
  `(1-minute load average before the browser runs / before the edge runs / at the end: ${a.load}; the cores are shared). ${a.chromium}; wrangler ${a.wrangler}; Node ${a.node}; ${a.wrk}.`);
out.push('');

let t;
try { t = JSON.parse(file('card-time.json')); } catch { t = { error: 'the browser run printed no result' }; }

// 1. Buyer download
const lines = file('download.tsv').trim().split('\n').slice(1).map((l) => {
  const [kind, path, raw, gz, br, wire, encoding] = l.split('\t');
  return { kind, path, raw: +raw, gz: +gz, br: +br, wire: wire ? +wire : null, encoding };
});
out.push('### Buyer download for one card');
out.push('');
out.push(row(['what', 'path', 'raw', 'gzip -9', 'brotli -q 11', 'as wrangler dev sent it']));
out.push(row(['---', '---', '---:', '---:', '---:', '---:']));
const sum = (xs, k) => xs.reduce((s, x) => s + x[k], 0);
const code = lines.filter((l) => l.kind !== 'API JSON');
const data = lines.filter((l) => l.kind === 'API JSON');
const wire = (l) => (l.wire == null ? 'n/a' : `${kb(l.wire)} ${l.encoding}`);
const line = (l) => row([l.kind, `\`${l.path}\``, kb(l.raw), kb(l.gz), kb(l.br), wire(l)]);
const wireTotal = code.every((l) => l.wire != null) ? `**${kb(sum(code, 'wire'))}**` : 'n/a';
for (const l of code) out.push(line(l));
out.push(row(['**total code and markup**', '', `**${kb(sum(code, 'raw'))}**`, `**${kb(sum(code, 'gz'))}**`,
  `**${kb(sum(code, 'br'))}**`, wireTotal]));
for (const l of data) out.push(line(l));
out.push('');
out.push('KB = 1024 bytes. "As wrangler dev sent it" is the response body the browser received ' +
  '(Playwright\'s responseBodySize) with its Content-Encoding.');
if (t.typed != null) out.push(`After timing, typing 4242424242424242 into the measured input gave \`${t.typed}\`.`);
out.push('');

// 2. Time to a usable card
out.push(`### Time to a usable card (headless Chromium, median of ${a.runs} runs)`);
out.push('');
out.push(row(['card', 'median', 'min', 'max', 'runs (ms)']));
out.push(row(['---', '---:', '---:', '---:', '---']));
for (const [name, label] of [['wasm', 'chatpay card (Leptos/wasm)'], ['static', 'static HTML card (floor)']]) {
  const v = t[name] ?? { error: t.error };
  if (v.error) out.push(row([label, 'not measured', '', '', v.error]));
  else out.push(row([label, ms(v.median), ms(v.min), ms(v.max), v.runs.map((x) => x.toFixed(0)).join(', ')]));
}
out.push('');
if (t.ratio) {
  out.push(`Ratio, chatpay card to floor (medians): **${t.ratio.toFixed(2)}x**.`);
  out.push('');
}
if (t.wasm?.milestones) {
  const m = t.wasm.milestones;
  out.push('Where the chatpay card\'s time goes (medians, ms after the chat page\'s navigation start):');
  out.push('');
  out.push(row(['loader loaded', 'iframe starts', 'iframe HTML loaded', 'wasm loaded', 'request data loaded', 'input usable']));
  out.push(row(['---:', '---:', '---:', '---:', '---:', '---:']));
  out.push(row([m.loaderLoaded, m.frameStart, m.frameHtmlLoaded, m.wasmLoaded, m.requestLoaded, m.usable]
    .map((x) => (x == null ? 'n/a' : x.toFixed(1)))));
  out.push('');
}

// 3. Edge
const wrk = (name) => {
  const text = file(name);
  const num = (re) => { const x = text.match(re); return x ? x[1] : null; };
  const dur = (s) => {
    if (s == null) return null;
    const x = s.match(/^([\d.]+)(us|ms|s)$/);
    return x ? +x[1] * { us: 0.001, ms: 1, s: 1000 }[x[2]] : null;
  };
  return {
    p50: dur(num(/^\s*50%\s+(\S+)/m)),
    p99: dur(num(/^\s*99%\s+(\S+)/m)),
    rps: +num(/^Requests\/sec:\s+(\S+)/m),
    total: +num(/^\s*(\d+) requests in/m),
    non2xx: +(num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0),
    socketErrors: num(/Socket errors:\s+(.*)$/m),
    statuses: num(/^statuses:\s+(.*)$/m),
    exhausted: num(/^exhausted:\s+(\d+)/m),
  };
};
const [wasmRaw, wasmGz, wasmBr] = a['edge-wasm-sizes'].split(' ').map(Number);
out.push('### Edge');
out.push('');
out.push(`Worker wasm (\`edge/build/index_bg.wasm\`): ${kb(wasmRaw)} raw, ${kb(wasmGz)} gzip -9, ${kb(wasmBr)} brotli -q 11.`);
out.push('');
out.push(`\`wrk ${a['wrk-flags']} --latency\` on loopback against \`wrangler dev\` (workerd, local Durable Objects, one seller):`);
out.push('');
out.push(row(['endpoint', 'p50', 'p99', 'requests/s', 'requests', 'non-2xx', 'p50, 1 conn', 'p99, 1 conn', 'requests/s, 1 conn']));
out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
const endpoints = [
  ['healthz', '`GET /healthz` (baseline: no Durable Object)'],
  ['public', '`GET /v1/payment_requests/{id}/public`'],
  ['pay', '`POST /v1/payment_requests/{id}/pay`'],
];
const runs = {};
for (const [name, label] of endpoints) {
  const load = wrk(`wrk-${name}-load.txt`);
  const single = wrk(`wrk-${name}-single.txt`);
  runs[name] = { load, single };
  out.push(row([label, ms(load.p50), ms(load.p99), load.rps.toFixed(0), load.total, load.non2xx,
    ms(single.p50), ms(single.p99), single.rps.toFixed(0)]));
}
out.push('');
const { load: payLoad, single: paySingle } = runs.pay;
out.push(`Pay answers by status: ${payLoad.statuses ?? 'n/a'} under load, ${paySingle.statuses ?? 'n/a'} on one connection; ` +
  `pays past the pre-created requests (${a.pays}): ${payLoad.exhausted ?? 'n/a'} and ${paySingle.exhausted ?? 'n/a'}; ` +
  `a request from each set reads back as: ${a['paid-status'].trim()}.`);
out.push(a['sandbox-latency']
  ? `Each pay includes the sandbox processor's simulated round trip, SANDBOX_LATENCY_MS = ${a['sandbox-latency']} ms (edge/wrangler.toml).`
  : 'SANDBOX_LATENCY_MS is not set in edge/wrangler.toml: see the edge for the sandbox\'s default delay.');
for (const [name, { load, single }] of Object.entries(runs)) {
  if (load.socketErrors) out.push(`Socket errors (${name}, under load): ${load.socketErrors}.`);
  if (single.socketErrors) out.push(`Socket errors (${name}, one connection): ${single.socketErrors}.`);
}
console.log(out.join('\n'));
