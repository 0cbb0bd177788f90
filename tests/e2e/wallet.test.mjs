// The sandbox wallet in the card, end to end, through the real W3C Payment Request API: the
// card asks Chromium whether it can pay with the edge's web payment app
// (`/sandbox/wallet/pay`), Chromium installs the app's service worker on `show()`, the worker
// trades the request's client secret for a token, and the card pays with it. Real headless
// Chromium against a real `wrangler dev`, with the card in a cross-origin iframe (the chat on
// localhost, the card on 127.0.0.1). No part of the Payment Request API is faked, except
// where a test says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { seed, sellerApi, startEdge } from './edge.mjs';
import {
  CHROMIUM, CHROMIUM_ARGS, cardFrame, chatWithCard, hostEvents, recordFlows,
  recordHostEvents, inView, payByCard, postCard, screenshot,
} from './card.page.mjs';

let edge;
let demo;
let browser;

// A live seller needs PayPal's four settings; nothing here calls PayPal (this address answers
// nothing), since the live card is only looked at.
const PAYPAL_SETTINGS = {
  PAYPAL_API_BASE: 'http://127.0.0.1:9',
  PAYPAL_CLIENT_ID: 'e2e-client',
  PAYPAL_CLIENT_SECRET: 'e2e-secret',
  PAYPAL_WEBHOOK_ID: 'e2e-webhook',
};

before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  edge = await startEdge(PAYPAL_SETTINGS);
  demo = await seed(edge);
});

after(async () => {
  await browser?.close();
  await edge?.stop();
});

async function newRequest(key, description, more = {}) {
  const created = await sellerApi(edge, key, 'POST', '/v1/payment_requests',
    { amount: '18.00', currency: 'USD', description, ...more });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return created.json;
}

/** A fresh test-mode request in the demo chat, in a context of its own. */
async function openCard(description, { width = 900, init, request = {} } = {}) {
  const created = await newRequest(demo.secret_key, description, request);
  const context = await browser.newContext({ locale: 'en-US', viewport: { width, height: 1000 } });
  await context.addInitScript(recordHostEvents);
  if (init) await context.addInitScript(init);
  const flowsOf = recordFlows(context);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await chatWithCard(page, edge, created.id, created.client_secret);
  const frame = await cardFrame(page, created.id);
  return { id: created.id, clientSecret: created.client_secret, page, frame, context, problems, flowsOf };
}

const walletButton = (card) => card.frame.getByRole('button', { name: 'Pay with wallet' });

async function clickWallet(card) {
  const button = walletButton(card);
  await button.waitFor({ timeout: 20_000 });
  await inView(card);
  await button.click();
}

const errorCodes = async (page, id) =>
  (await hostEvents(page, 'chatpay:error')).filter((e) => e.detail.request_id === id).map((e) => e.detail.code);

async function publicView(id, clientSecret) {
  const r = await fetch(`${edge.origin}/v1/payment_requests/${id}/public`, {
    headers: { Authorization: `Bearer ${clientSecret}` },
  });
  assert.equal(r.status, 200);
  return r.json();
}

describe('the sandbox wallet in the card (test mode)', () => {
  test('the wallet button sits beside PayPal\'s, also at phone width', async () => {
    const card = await openCard('Phone-width wallet', { width: 390 });
    const wallet = walletButton(card);
    await wallet.waitFor({ timeout: 20_000 });
    assert.equal(await wallet.isEnabled(), true);
    const paypal = card.frame.getByRole('button', { name: 'Pay with PayPal' });
    const [p, w, number] = await Promise.all([
      paypal.boundingBox(), wallet.boundingBox(), card.frame.locator('#cp-number').boundingBox(),
    ]);
    // One row, PayPal first, together as wide as the card's fields, both above them.
    assert.ok(Math.abs(p.y - w.y) <= 1 && Math.abs(p.height - w.height) <= 1, `${JSON.stringify(p)} ${JSON.stringify(w)}`);
    assert.ok(p.x < w.x, 'PayPal first');
    assert.ok(Math.abs(p.x - number.x) <= 2 && Math.abs(w.x + w.width - (number.x + number.width)) <= 2,
      `${JSON.stringify(p)} ${JSON.stringify(w)} ${JSON.stringify(number)}`);
    assert.ok(w.y + w.height <= number.y, 'above the card number');
    assert.ok(await wallet.evaluate((b) => b.scrollWidth <= b.clientWidth), 'the label fits on one line');
    assert.equal(await card.frame.textContent('.cp-or'), 'or pay by card');
    await screenshot(card, 'wallet-card-390.png');
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });

  test('paying with the wallet runs the sandbox web payment app and shows the receipt', async () => {
    const card = await openCard('Wallet pay');
    const posts = [];
    card.context.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    await clickWallet(card);
    await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    assert.match(await card.frame.textContent('.cp-receipt'), /Payment complete/);
    assert.equal(await card.frame.textContent('.cp-receipt-rows dt'), 'Paid with');
    assert.equal(await card.frame.textContent('.cp-receipt-card'), 'Wallet (sandbox)');
    assert.equal(await card.frame.textContent('.cp-status'), 'Paid');
    await card.frame.waitForFunction(() => document.activeElement?.id === 'cp-receipt-title');
    await screenshot(card, 'wallet-receipt.png');

    // Chromium installed the wallet's service worker: the payment went through the app.
    const workers = card.context.serviceWorkers().map((w) => w.url());
    assert.ok(workers.includes(`${edge.origin}/sandbox/wallet/sw.js`), JSON.stringify(workers));
    // The worker asked the edge for the token (Playwright sees the worker's requests), and
    // the card paid with it.
    const token = posts.indexOf(`/v1/payment_requests/${card.id}/wallet_token`);
    assert.ok(token >= 0 && posts.indexOf(`/v1/payment_requests/${card.id}/pay`) > token, JSON.stringify(posts));

    await card.page.waitForFunction((id) =>
      window.__chatpay.events.some((e) => e.name === 'chatpay:paid' && e.detail.request_id === id), card.id);
    const paid = (await hostEvents(card.page, 'chatpay:paid')).filter((e) => e.detail.request_id === card.id);
    assert.equal(paid.length, 1, 'chatpay:paid once');
    assert.equal(paid[0].detail.payment_id, (await card.frame.textContent('.cp-payment-id')).trim());
    assert.deepEqual(await errorCodes(card.page, card.id), []);

    const pub = await publicView(card.id, card.clientSecret);
    assert.equal(pub.status, 'paid');
    assert.equal(pub.payment.method_type, 'wallet');
    assert.equal(pub.payment.brand, null);
    assert.equal(pub.payment.last4, null);
    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${card.id}`);
    assert.equal(seller.json.status, 'paid');
    assert.deepEqual(seller.json.payment.method, { type: 'wallet', wallet: 'sandbox', brand: null, last4: null });
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });

  test('a wallet closed before it pays leaves the card usable, and the wallet then pays', async () => {
    // The buyer closing the sheet, as near as headless Chromium comes: the first show() is
    // aborted at once, so Chromium itself rejects it with an AbortError.
    const card = await openCard('Wallet closed', {
      init: () => {
        if (!window.PaymentRequest) return;
        const show = PaymentRequest.prototype.show;
        PaymentRequest.prototype.show = function () {
          PaymentRequest.prototype.show = show;
          const shown = show.call(this);
          this.abort().catch(() => {});
          return shown;
        };
      },
    });
    await clickWallet(card);
    await card.frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-alert-text'), 'You closed the wallet. Choose a way to pay.');
    assert.deepEqual(await errorCodes(card.page, card.id), ['wallet_canceled']);
    assert.equal(await card.frame.isEnabled('#cp-number'), true);
    assert.equal(await card.frame.isEnabled('.cp-pay'), true);
    assert.equal(await card.frame.isEnabled('.cp-paypal'), true);
    assert.equal(await walletButton(card).isEnabled(), true);
    assert.equal((await publicView(card.id, card.clientSecret)).status, 'requested');
    await screenshot(card, 'wallet-closed.png');

    await clickWallet(card);
    await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-receipt-card'), 'Wallet (sandbox)');
    assert.equal((await publicView(card.id, card.clientSecret)).payment.method_type, 'wallet');
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });

  test('a refused pay is shown like a card error, and a card then pays', async () => {
    const card = await openCard('Wallet refused');
    // The edge refuses the token (as it would a replayed one); the card says why. The card
    // then ends the wallet with complete("unknown"): after complete("fail") Chromium keeps UI
    // of its own open, which takes the keyboard from the card (the typing below then fails).
    await card.context.route(`${edge.origin}/v1/payment_requests/${card.id}/pay`, (route) => route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: { type: 'invalid_request_error', code: 'parameter_invalid',
        message: 'This wallet token is not valid for this payment request.', param: 'method.token' } }),
    }));
    await clickWallet(card);
    await card.frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-alert-text'), 'This wallet token is not valid for this payment request.');
    assert.deepEqual(await errorCodes(card.page, card.id), ['parameter_invalid']);
    assert.equal(await walletButton(card).isEnabled(), true);
    await card.context.unroute(`${edge.origin}/v1/payment_requests/${card.id}/pay`);

    await payByCard(card);
    await card.context.close();
  });

  test('a request that collects shipping takes the card\'s address with the wallet, refusals at the field', async () => {
    const card = await openCard('Wallet with shipping', { request: { collect_shipping: true } });
    const posts = [];
    card.context.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    // No address yet: the wallet does not open, and the first missing field says so.
    await clickWallet(card);
    await card.frame.waitForSelector('#cp-ship-name-error:not(:empty)');
    await card.frame.waitForFunction(() => document.activeElement?.id === 'cp-ship-name');
    assert.deepEqual(posts, []);

    // A postal code the edge refuses for the country shows at that field, the address kept.
    await card.frame.fill('#cp-ship-name', 'Sam Rivera');
    await card.frame.fill('#cp-ship-line1', '500 Market Street');
    await card.frame.fill('#cp-ship-city', 'San Francisco');
    await card.frame.fill('#cp-ship-state', 'CA');
    await card.frame.fill('#cp-ship-postal_code', '9410');
    await clickWallet(card);
    await card.frame.waitForSelector('#cp-ship-postal_code-error:not(:empty)', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('#cp-ship-postal_code-error'), 'Enter a valid ZIP code.');
    await card.frame.waitForFunction(() => document.activeElement?.id === 'cp-ship-postal_code');
    assert.equal(await card.frame.inputValue('#cp-ship-line1'), '500 Market Street');
    assert.ok(posts.includes(`/v1/payment_requests/${card.id}/wallet_token`), JSON.stringify(posts));

    await card.frame.fill('#cp-ship-postal_code', '94107');
    await clickWallet(card);
    await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-receipt-card'), 'Wallet (sandbox)');
    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${card.id}`);
    assert.equal(seller.json.payment.method.type, 'wallet');
    assert.deepEqual(seller.json.shipping, {
      name: 'Sam Rivera', line1: '500 Market Street', line2: null, city: 'San Francisco',
      postal_code: '94107', state: 'CA', country: 'US',
    });
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });

  test('without the Payment Request API the card offers no wallet', async () => {
    const card = await openCard('No Payment Request API', { init: () => { delete window.PaymentRequest; } });
    assert.equal(await card.frame.evaluate(() => 'PaymentRequest' in window), false);
    await card.frame.getByRole('button', { name: 'Pay with PayPal' }).waitFor();
    await card.page.waitForTimeout(1500);
    assert.equal(await walletButton(card).count(), 0);
    assert.equal(await card.frame.locator('.cp-wallet:not([hidden])').count(), 0);
    assert.deepEqual(card.flowsOf(card.id), [], 'nothing to ask, so no wallet flow to load');
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });
});

describe('the wallet in live mode', () => {
  test('a live-mode card has no wallet button, where a test-mode one beside it has', async () => {
    const created = await fetch(`${edge.origin}/v1/sellers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${edge.adminKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ display_name: 'Clayworks Live', country: 'US', default_currency: 'USD',
        allowed_origins: [edge.pageOrigin], livemode: true, paypal_merchant_id: '7DZ9A4T4S9CQL' }),
    });
    const seller = await created.json();
    assert.equal(created.status, 201, JSON.stringify(seller));
    assert.match(seller.secret_key, /^sk_live_/);
    const live = await newRequest(seller.secret_key, 'Live mug');
    assert.equal(live.livemode, true);

    const card = await openCard('Test beside live');
    await postCard(card.page, live.id, live.client_secret);
    const liveFrame = await cardFrame(card.page, live.id);
    assert.equal((await publicView(live.id, live.client_secret)).livemode, true);
    // The test card's wallet is offered; by then the live card has long made up its mind.
    await walletButton(card).waitFor({ timeout: 20_000 });
    await liveFrame.getByRole('button', { name: 'Pay with PayPal' }).waitFor();
    await card.page.waitForTimeout(1000);
    // The card keeps the button hidden, out of the accessibility tree, until the browser
    // says yes; in live mode it never asks.
    assert.equal(await liveFrame.getByRole('button', { name: 'Pay with wallet' }).count(), 0);
    assert.equal(await liveFrame.locator('.cp-wallet').isVisible(), false);
    assert.equal(await liveFrame.locator('.cp-wallet:not([hidden])').count(), 0);
    assert.equal(await liveFrame.locator('.cp-test').count(), 0, 'no Test mode badge on the live card');
    // The test card loaded the wallet's flow to ask the browser; the live card loaded none.
    assert.deepEqual(card.flowsOf(card.id), ['wallet']);
    assert.deepEqual(card.flowsOf(live.id), []);
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });
});
