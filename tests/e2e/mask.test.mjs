// The card-number mask module (`/v1/mask/chatpay-mask.<hash>.wasm`, core::mask alone) in
// real headless Chromium: fetched from the demo page's origin, another than the edge's, it
// masks every case of the table the Rust tests share (tests/data/mask-cases.json).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, seed, startEdge } from './edge.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from './card.page.mjs';

const { cases } = JSON.parse(readFileSync(path.join(ROOT, 'tests/data/mask-cases.json'), 'utf8'));
const [moduleFile] = readdirSync(path.join(ROOT, 'dist/public/v1/mask')).filter((f) => f.endsWith('.wasm'));

let edge;
let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  edge = await startEdge();
  await seed(edge);
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

/** A demo chat page whose `chatpay:error` events are recorded in `window.__errors`. */
async function chatPage(route) {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.__errors = [];
    document.addEventListener('chatpay:error', (e) => window.__errors.push(e.detail));
  });
  const modules = [];
  await context.route('**/v1/mask/**', async (r) => {
    modules.push(r.request().url());
    await route(r);
  });
  const page = await context.newPage();
  return { context, page, modules };
}

test('ChatPay is the page\'s own fixed property and masks the table as the edge does', async () => {
  const { context, page, modules } = await chatPage((r) => r.continue());
  await page.goto(`${edge.pageOrigin}/`);
  const property = await page.evaluate(() => {
    const d = Object.getOwnPropertyDescriptor(window, 'ChatPay');
    try { window.ChatPay = { maskCardNumbers: (t) => Promise.resolve(t) }; } catch { /* strict */ }
    return { writable: d.writable, configurable: d.configurable, same: window.ChatPay === d.value };
  });
  assert.deepEqual(property, { writable: false, configurable: false, same: true });
  const results = await page.evaluate((inputs) => Promise.all(inputs.map((t) => ChatPay.maskCardNumbers(t))),
    cases.map((c) => c.input));
  assert.deepEqual(cases.filter((c, i) => results[i] !== c.expected), []);
  assert.equal(modules.length, 1, 'the module is fetched once');
  await context.close();
});

test('a page that never calls ChatPay never fetches the module', async () => {
  const { context, page, modules } = await chatPage((r) => r.continue());
  await page.setContent(`<script src="${edge.origin}/v1/widget.js"></script><p>no ChatPay here</p>`);
  await page.waitForFunction(() => typeof window.ChatPay === 'object');
  await page.waitForTimeout(500);
  assert.deepEqual(modules, []);
  await context.close();
});

test('guardInput holds Enter until the module has loaded, and never sends the number', async () => {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const { context, page } = await chatPage(async (r) => { await gate; await r.continue(); });
  await page.goto(`${edge.pageOrigin}/`);
  const before = await page.locator('.msg.me').count();
  await page.fill('#say', 'paying with 4242 4242 4242 4242 ok');
  await page.press('#say', 'Enter');
  await page.waitForTimeout(500);
  assert.equal(await page.locator('.msg.me').count(), before, 'nothing was sent before the module loaded');
  assert.equal(await page.inputValue('#say'), 'paying with 4242 4242 4242 4242 ok');
  release();
  await page.waitForFunction((n) => document.querySelectorAll('.msg.me').length === n + 1, before);
  assert.equal(await page.locator('.msg.me .bubble p').last().textContent(), 'paying with •••• •••• •••• 4242 ok');
  assert.ok(!(await page.content()).includes('4242 4242 4242 4242'));
  await context.close();
});

test('when the module cannot load, ChatPay rejects, fires mask_unavailable and sends nothing', async () => {
  const { context, page } = await chatPage((r) => r.abort());
  await page.goto(`${edge.pageOrigin}/`);
  const before = await page.locator('.msg.me').count();
  await page.fill('#say', 'my card 4242424242424242');
  await page.press('#say', 'Enter');
  await page.waitForFunction(() => window.__errors.some((e) => e.code === 'mask_unavailable'));
  const rejected = await page.evaluate(() => ChatPay.maskCardNumbers('x').then(() => 'resolved', (e) => String(e)));
  assert.match(rejected, /mask_unavailable/);
  assert.equal(await page.locator('.msg.me').count(), before, 'unchecked text was sent');
  assert.equal(await page.inputValue('#say'), 'my card 4242424242424242', 'the text stays with the buyer');
  await context.close();
});

test('the README\'s ChatPay page works when pasted', async () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = readme.split('```html\n').map((b) => b.split('```')[0])
    .find((b) => b.includes('ChatPay') && b.includes('id="composer"'));
  assert.ok(block, 'the README has the ChatPay example');
  const { context, page } = await chatPage((r) => r.continue());
  await page.setContent(block.replaceAll('https://EDGE', edge.origin));
  await page.click('#message');
  await page.keyboard.type('my card 4242 4242 4242 4242, thanks');
  assert.equal(await page.inputValue('#message'), 'my card •••• •••• •••• 4242, thanks');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#log li');
  assert.equal(await page.textContent('#log li'), 'my card •••• •••• •••• 4242, thanks');
  await context.close();
});
