// The hosted payment page (`GET /v1/pay/{id}#client_secret=...`), for chats that cannot run
// scripts: the same card, top level in its own tab, that nobody may frame. Real headless
// Chromium against a real `wrangler dev`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, seed, sellerApi, startEdge } from './edge.mjs';
import { CHROMIUM, CHROMIUM_ARGS, fillCard } from './card.page.mjs';

let edge;
let demo;
let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  edge = await startEdge();
  demo = await seed(edge);
});

after(async () => {
  await browser?.close();
  if (edge) {
    const logs = edge.logs();
    await edge.stop();
    assert.ok(!logs.includes('4242424242424242'), 'wrangler logs hold a card number');
  }
});

test('a buyer pays on the hosted page, at phone width, and the secret leaves the address bar', async () => {
  const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests', {
    amount: '18.00', currency: 'EUR', description: 'Linen napkins', conversation_id: 'conv_hosted',
  });
  assert.equal(created.status, 201);
  const { id, client_secret: secret } = created.json;
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  const response = await page.goto(`${edge.origin}/v1/pay/${id}#client_secret=${secret}`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /frame-ancestors 'none'/);
  await page.waitForSelector('#cp-number');
  assert.ok(!page.url().includes(secret), 'the client secret stays in the address bar');
  assert.match(await page.textContent('body'), /Linen napkins/);
  mkdirSync(path.join(ROOT, 'tests/artifacts'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'tests/artifacts/hosted-page.png'), fullPage: true });

  await fillCard(page, { number: '4242 4242 4242 4242' });
  await page.click('.cp-pay');
  await page.waitForSelector('.cp-receipt', { timeout: 20_000 });
  assert.match(await page.textContent('.cp-receipt-card'), /Visa •••• 4242/);
  await page.screenshot({ path: path.join(ROOT, 'tests/artifacts/hosted-receipt.png'), fullPage: true });
  const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${id}`);
  assert.equal(seller.json.status, 'paid');
  await context.close();
});

test('the hosted page may not be framed, and a forged id is 404', async () => {
  const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests', {
    amount: '3.00', currency: 'EUR', description: 'Tea',
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${edge.pageOrigin}/`);
  const src = `${edge.origin}/v1/pay/${created.json.id}#client_secret=${created.json.client_secret}`;
  await page.evaluate((url) => {
    const frame = document.createElement('iframe');
    frame.src = url;
    document.body.append(frame);
  }, src);
  await page.waitForTimeout(1500);
  // Playwright reaches into cross-origin frames: the blocked one holds no card.
  // (The demo page's own cards are iframes of /v1/frame/: they are not this one.)
  const others = page.frames().filter((f) => f !== page.mainFrame() && !f.url().includes('/v1/frame/'));
  assert.ok(others.length >= 1, 'the iframe was added');
  for (const frame of others) {
    assert.equal(await frame.$('#cp-number'), null, `a card rendered in a frame (${frame.url()})`);
  }
  // The same card in its own frame route would render: the check can fail.
  const frameRoute = await fetch(`${edge.origin}/v1/frame/${created.json.id}`);
  assert.doesNotMatch(frameRoute.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  const forged = await fetch(`${edge.origin}/v1/pay/pr_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`);
  assert.equal(forged.status, 404);
  await context.close();
});
