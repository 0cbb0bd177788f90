// PayPal in the card, end to end: the card opens PayPal's window in the click, the edge's
// sandbox approval page stands in for PayPal, and the edge's return page tells the card how
// it ended. Real headless Chromium against a real `wrangler dev` (test mode).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { seed, sellerApi, startEdge } from './edge.mjs';
import {
  CHROMIUM, CHROMIUM_ARGS, cardFrame, chatWithCard, eventually, hostEvents, recordFlows,
  recordHostEvents, inView, payByCard, postCard, screenshot,
} from './card.page.mjs';

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
  await edge?.stop();
});

/** A fresh request in the demo chat, in a page of its own; `width` is the viewport's. */
async function openCard(description, width = 900) {
  const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
    { amount: '18.00', currency: 'USD', description });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const context = await browser.newContext({ locale: 'en-US', viewport: { width, height: 1000 } });
  await context.addInitScript(recordHostEvents);
  const flowsOf = recordFlows(context);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await chatWithCard(page, edge, created.json.id, created.json.client_secret);
  const frame = await cardFrame(page, created.json.id);
  return { id: created.json.id, page, frame, context, problems, flows: () => flowsOf(created.json.id) };
}

/** Clicks the card's PayPal button and answers the window it opens. */
async function clickPayPal(card) {
  await inView(card);
  const [popup] = await Promise.all([
    card.context.waitForEvent('page', { timeout: 20_000 }),
    card.frame.getByRole('button', { name: 'Pay with PayPal' }).click(),
  ]);
  return popup;
}

const errorCodes = async (page, id) =>
  (await hostEvents(page, 'chatpay:error')).filter((e) => e.detail.request_id === id).map((e) => e.detail.code);

describe('PayPal in the card', () => {
  test('the card shows a PayPal button above the card fields, at phone width too', async () => {
    const card = await openCard('Phone-width PayPal', 390);
    const button = card.frame.getByRole('button', { name: 'Pay with PayPal' });
    assert.equal(await button.isEnabled(), true);
    assert.match(await button.textContent(), /PayPal/);
    assert.equal(await card.frame.textContent('.cp-or'), 'or pay by card');
    // Above the card number, first in a row as wide as the card's fields (the test-mode
    // wallet's button may share it: tests/e2e/wallet.test.mjs).
    const [paypal, row, number] = await Promise.all([
      button.boundingBox(), card.frame.locator('.cp-quick').boundingBox(), card.frame.locator('#cp-number').boundingBox(),
    ]);
    assert.ok(paypal.y + paypal.height <= number.y, 'PayPal comes first');
    assert.ok(Math.abs(paypal.x - number.x) <= 2, `${paypal.x} vs ${number.x}`);
    assert.ok(Math.abs(row.width - number.width) <= 2, `${row.width} vs ${number.width}`);
    await screenshot(card, 'paypal-card-390.png');
    await card.context.close();
  });

  test('approving on PayPal shows the receipt with PayPal, and the host hears chatpay:paid', async () => {
    const card = await openCard('PayPal approve');
    await card.frame.waitForSelector('.cp-paypal');
    assert.ok(!card.flows().includes('window'), 'PayPal\'s flow waits until PayPal is chosen');
    const asked = card.page.waitForRequest((r) => r.url().endsWith(`/v1/payment_requests/${card.id}/paypal`));
    const popup = await clickPayPal(card);
    await eventually(() => card.flows().includes('window'), 'choosing PayPal loads its flow');
    // The order is made in the buyer's language (the context's locale), under a key of its own.
    const order = await asked;
    assert.deepEqual(order.postDataJSON(), { locale: 'en-US' });
    assert.match(order.headers()['idempotency-key'], /^[0-9a-f-]{36}$/);
    assert.equal(await popup.evaluate(() => window.name), `chatpay_paypal_${card.id}`);
    await popup.waitForURL(/\/sandbox\/paypal\/approve\//, { timeout: 20_000 });
    // While PayPal is open the card waits: no card payment meanwhile.
    await card.frame.waitForSelector('.cp-pay:disabled');
    assert.match(await card.frame.textContent('.cp-or'), /Finish in the PayPal window/);
    await Promise.all([
      popup.waitForEvent('close', { timeout: 20_000 }),
      popup.getByRole('button', { name: 'Approve' }).click(),
    ]);
    await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    assert.match(await card.frame.textContent('.cp-receipt'), /Payment complete/);
    assert.match(await card.frame.textContent('.cp-receipt-rows'), /Paid with/);
    assert.match(await card.frame.textContent('.cp-receipt-card'), /^PayPal( · \S+@\S+)?$/);
    assert.equal(await card.frame.textContent('.cp-status'), 'Paid');
    await card.frame.waitForFunction(() => document.activeElement?.id === 'cp-receipt-title');
    await screenshot(card, 'paypal-receipt.png');

    await card.page.waitForFunction((id) =>
      window.__chatpay.events.some((e) => e.name === 'chatpay:paid' && e.detail.request_id === id), card.id);
    const paid = (await hostEvents(card.page, 'chatpay:paid')).filter((e) => e.detail.request_id === card.id);
    assert.equal(paid.length, 1, 'chatpay:paid once');
    assert.equal(paid[0].detail.payment_id, (await card.frame.textContent('.cp-payment-id')).trim());
    assert.equal(paid[0].detail.amount, '18.00');
    assert.deepEqual(await errorCodes(card.page, card.id), []);

    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${card.id}`);
    assert.equal(seller.json.status, 'paid');
    assert.equal(seller.json.payment.method.type, 'paypal');
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });

  test('canceling on PayPal leaves the card usable, and a card then pays', async () => {
    const card = await openCard('PayPal cancel');
    const popup = await clickPayPal(card);
    await popup.waitForURL(/\/sandbox\/paypal\/approve\//, { timeout: 20_000 });
    await Promise.all([
      popup.waitForEvent('close', { timeout: 20_000 }),
      popup.getByRole('button', { name: 'Cancel' }).click(),
    ]);
    await card.frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-alert-text'), 'You canceled PayPal. Choose a way to pay.');
    await screenshot(card, 'paypal-canceled.png');
    assert.equal(await card.frame.isEnabled('.cp-pay'), true);
    assert.equal(await card.frame.isEnabled('#cp-number'), true);
    assert.equal(await card.frame.textContent('.cp-status'), 'Awaiting payment');
    assert.deepEqual(await errorCodes(card.page, card.id), ['paypal_canceled']);

    await payByCard(card);
    await card.context.close();
  });

  test('closing PayPal\'s window before approving leaves the card usable', async () => {
    const card = await openCard('PayPal closed');
    const popup = await clickPayPal(card);
    await popup.waitForURL(/\/sandbox\/paypal\/approve\//, { timeout: 20_000 });
    await popup.close();
    await card.frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-alert-text'), 'PayPal was closed before the payment finished.');
    assert.equal(await card.frame.isEnabled('.cp-pay'), true);
    assert.equal(await card.frame.isEnabled('.cp-paypal'), true);
    assert.equal(await card.frame.textContent('.cp-or'), 'or pay by card');
    assert.deepEqual(await errorCodes(card.page, card.id), ['paypal_canceled']);
    assert.equal((await hostEvents(card.page, 'chatpay:paid')).length, 0);
    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${card.id}`);
    assert.equal(seller.json.status, 'requested');
    await card.context.close();
  });

  test('when the order cannot be made, PayPal\'s window closes and the card says why', async () => {
    const card = await openCard('PayPal unavailable');
    // Held a moment, as a processor that does not answer would be.
    await card.context.route(`${edge.origin}/v1/payment_requests/${card.id}/paypal`, async (route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.fulfill({
      status: 502,
      contentType: 'application/json',
      body: JSON.stringify({ error: { type: 'api_error', code: 'processor_unavailable', message: 'The processor did not answer.' } }),
      });
    });
    const popup = await clickPayPal(card);
    await popup.waitForEvent('close', { timeout: 20_000 });
    await card.frame.waitForSelector('.cp-alert-text');
    assert.match(await card.frame.textContent('.cp-alert-text'), /We couldn't reach the payment processor/);
    assert.equal(await card.frame.isEnabled('.cp-paypal'), true);
    assert.deepEqual(await errorCodes(card.page, card.id), ['processor_unavailable']);
    await card.context.close();
  });

  test('two cards in one chat each get a PayPal window of their own, and each pays once', async () => {
    const first = await openCard('PayPal first of two');
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { amount: '7.00', currency: 'USD', description: 'PayPal second of two' });
    await postCard(first.page, created.json.id, created.json.client_secret);
    const second = { ...first, id: created.json.id, frame: await cardFrame(first.page, created.json.id) };
    const one = await clickPayPal(first);
    const two = await clickPayPal(second);
    assert.notEqual(one, two, 'the second card opened a window of its own');
    await one.waitForURL(/\/sandbox\/paypal\/approve\//, { timeout: 20_000 });
    await two.waitForURL(/\/sandbox\/paypal\/approve\//, { timeout: 20_000 });
    assert.notEqual(one.url(), two.url(), 'each window approves its own order');
    for (const [card, popup] of [[second, two], [first, one]]) {
      await Promise.all([
        popup.waitForEvent('close', { timeout: 20_000 }),
        popup.getByRole('button', { name: 'Approve' }).click(),
      ]);
      await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
      const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${card.id}`);
      assert.equal(seller.json.status, 'paid');
    }
    const paid = (await hostEvents(first.page, 'chatpay:paid')).map((e) => e.detail.request_id).sort();
    assert.deepEqual(paid, [first.id, second.id].sort());
    assert.deepEqual(first.problems, []);
    await first.context.close();
  });
});
