// The card-number mask module (`/v1/mask/chatpay-mask.<hash>.wasm`, core::mask alone) in
// real headless Chromium: fetched from the demo page's origin, another than the edge's, it
// masks every case of the table the Rust tests share (tests/data/mask-cases.json).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, startEdge } from './edge.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from './card.page.mjs';

const { cases } = JSON.parse(readFileSync(path.join(ROOT, 'tests/data/mask-cases.json'), 'utf8'));
const [moduleFile] = readdirSync(path.join(ROOT, 'dist/public/v1/mask')).filter((f) => f.endsWith('.wasm'));

let edge;
let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  edge = await startEdge();
});

after(async () => {
  await browser?.close();
  await edge?.stop();
});

test('the mask module masks the shared table in Chromium, fetched cross-origin', async () => {
  assert.ok(cases.length >= 100, `only ${cases.length} cases`);
  const masked = cases.filter((c) => c.input !== c.expected).length;
  assert.ok(masked >= cases.length * 0.4 && masked <= cases.length * 0.6, `${masked} of ${cases.length} are masked`);
  const url = `${edge.origin}/v1/mask/${moduleFile}`;
  const head = await fetch(url);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('access-control-allow-origin'), '*');
  assert.equal(head.headers.get('cross-origin-resource-policy'), 'cross-origin');
  assert.match(head.headers.get('cache-control'), /immutable/);

  const page = await (await browser.newContext()).newPage();
  await page.goto(`${edge.pageOrigin}/`);
  assert.notEqual(new URL(page.url()).origin, edge.origin, 'the page is on another origin');
  const results = await page.evaluate(async ({ url, inputs }) => {
    const { instance } = await WebAssembly.instantiateStreaming(fetch(url));
    const { memory, input, mask, output } = instance.exports;
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    return inputs.map((text) => {
      const bytes = encoder.encode(text);
      const at = input(bytes.length);
      new Uint8Array(memory.buffer, at, bytes.length).set(bytes);
      const length = mask(bytes.length);
      return decoder.decode(new Uint8Array(memory.buffer, output(), length));
    });
  }, { url, inputs: cases.map((c) => c.input) });
  const wrong = cases.filter((c, i) => results[i] !== c.expected)
    .map((c) => `${JSON.stringify(c.input)} gave ${JSON.stringify(results[cases.indexOf(c)])}, not ${JSON.stringify(c.expected)}`);
  assert.deepEqual(wrong, []);
});
