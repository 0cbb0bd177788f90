// 3-D Secure in the card, end to end: the sandbox's challenge card makes pay answer with a
// next action; "Continue" opens the edge's sandbox challenge page in a window of its own, the
// edge's return page tells the card it ended, and the card finishes the payment. Also the
// other answers pay now gives: a payment held for review, and a processor that did not
// answer. Real headless Chromium against a real `wrangler dev` (test mode).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { seed, sellerApi, startEdge } from './edge.mjs';
import {
  CHROMIUM, CHROMIUM_ARGS, cardFrame, chatWithCard, eventually, fillCard, hostEvents, recordFlows,
  recordHostEvents, inView, screenshot,
} from './card.page.mjs';

// The sandbox card whose bank asks for a challenge.
const CHALLENGE_CARD = '4000002760003184';

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
    assert.ok(!logs.includes(CHALLENGE_CARD), 'wrangler logs hold a card number');
  }
});

async function openCard(description, width = 900) {
  const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
    { amount: '31.00', currency: 'USD', description });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const context = await browser.newContext({ locale: 'en-US', viewport: { width, height: 1000 } });
  await context.addInitScript(recordHostEvents);
  const flowsOf = recordFlows(context);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await chatWithCard(page, edge, created.json.id, created.json.client_secret);
  const frame = await cardFrame(page, created.json.id);
  const flows = () => flowsOf(created.json.id);
  return { id: created.json.id, secret: created.json.client_secret, page, frame, context, problems, flows };
}

/** Pays with the challenge card and waits for the card to ask for the bank's check. */
async function payAndGetChallenged(card) {
  await fillCard(card.frame, { number: CHALLENGE_CARD.replace(/(\d{4})(?=\d)/g, '$1 ') });
  await inView(card);
  await card.frame.click('.cp-pay');
  await card.frame.waitForSelector('text=Your bank wants to confirm it\'s you', { timeout: 20_000 });
}

/** Presses Continue and answers the bank's window. */
async function pressContinue(card) {
  await inView(card);
  const [popup] = await Promise.all([
    card.context.waitForEvent('page', { timeout: 20_000 }),
    card.frame.getByRole('button', { name: 'Continue' }).click(),
  ]);
  await popup.waitForURL(/\/sandbox\/3ds\//, { timeout: 20_000 });
  return popup;
}

const errorCodes = async (page, id) =>
  (await hostEvents(page, 'chatpay:error')).filter((e) => e.detail.request_id === id).map((e) => e.detail.code);

describe('3-D Secure in the card', () => {
  test('a completed challenge pays, also after the buyer reloads the page before it', async () => {
    const card = await openCard('3-D Secure complete', 390);
    await card.frame.waitForSelector('.cp-pay');
    assert.ok(!card.flows().includes('window'), 'the card form alone loads no window flow');
    await payAndGetChallenged(card);
    // The bank's check is the first need of the window flow: the card loads it now.
    await eventually(() => card.flows().includes('window'), 'the challenge loads the window flow');
    assert.equal(await card.frame.locator('#cp-number').count(), 0, 'the card form is gone');
    assert.equal(await card.frame.textContent('.cp-status'), 'Awaiting payment');
    await card.frame.waitForFunction(() => document.activeElement?.id === 'cp-outcome-title');
    assert.deepEqual(await errorCodes(card.page, card.id), ['requires_action']);
    await screenshot(card, 'threeds-continue-390.png');

    // Reloaded, the card picks the challenge up where it was.
    // The chat page loads again and posts the card again, as a chat app shows its history.
    await chatWithCard(card.page, edge, card.id, card.secret);
    card.frame = await cardFrame(card.page, card.id);
    await card.frame.waitForSelector('text=Your bank wants to confirm it\'s you');

    const popup = await pressContinue(card);
    assert.equal(await popup.evaluate(() => window.name), `chatpay_3ds_${card.id}`);
    await Promise.all([
      popup.waitForEvent('close', { timeout: 20_000 }),
      popup.getByRole('button', { name: 'Complete' }).click(),
    ]);
    await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    assert.match(await card.frame.textContent('.cp-receipt-card'), /Visa •••• 3184/);
    assert.equal(await card.frame.textContent('.cp-status'), 'Paid');
    await card.page.waitForFunction((id) =>
      window.__chatpay.events.some((e) => e.name === 'chatpay:paid' && e.detail.request_id === id), card.id);
    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${card.id}`);
    assert.equal(seller.json.status, 'paid');
    assert.deepEqual(card.problems, []);
    await card.context.close();
  });

  test('a failed challenge says so, and the card form is usable again', async () => {
    const card = await openCard('3-D Secure fail');
    await payAndGetChallenged(card);
    const popup = await pressContinue(card);
    await Promise.all([
      popup.waitForEvent('close', { timeout: 20_000 }),
      popup.getByRole('button', { name: 'Fail' }).click(),
    ]);
    await card.frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-alert-text'),
      'Your bank could not confirm it\'s you. Try again or use another card.');
    assert.equal(await card.frame.isEnabled('#cp-number'), true);
    assert.equal(await card.frame.isEnabled('.cp-pay'), true);
    assert.equal(await card.frame.isEnabled('.cp-paypal'), true);
    assert.deepEqual(await errorCodes(card.page, card.id), ['requires_action', 'authentication_failed']);
    assert.equal((await hostEvents(card.page, 'chatpay:paid')).length, 0);

    // Another card pays.
    await fillCard(card.frame, { number: '4242 4242 4242 4242' });
    await inView(card);
    await card.frame.click('.cp-pay');
    await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    await card.context.close();
  });
});

describe('the other answers of pay', () => {
  test('a payment held for review shows as processing until the edge says paid', async () => {
    const card = await openCard('Held for review');
    // The sandbox holds no payment for review: this answer is the real one, held.
    await card.context.route(`${edge.origin}/v1/payment_requests/${card.id}/pay`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), status: 'pending' } });
    });
    await fillCard(card.frame, { number: '4242 4242 4242 4242' });
    await inView(card);
    await card.frame.click('.cp-pay');
    await card.frame.waitForSelector('text=Your payment is being processed.', { timeout: 20_000 });
    assert.equal(await card.frame.textContent('.cp-status'), 'Processing');
    assert.equal(await card.frame.locator('form').count(), 0);
    assert.deepEqual(await errorCodes(card.page, card.id), ['payment_pending']);
    assert.equal((await hostEvents(card.page, 'chatpay:paid')).length, 0);
    // The next read, 5 s later, is the edge's own: paid.
    await card.frame.waitForSelector('.cp-receipt', { timeout: 15_000 });
    await card.page.waitForFunction((id) =>
      window.__chatpay.events.some((e) => e.name === 'chatpay:paid' && e.detail.request_id === id), card.id);
    await card.context.close();
  });

  test('when the processor did not answer, Pay again retries under the same key', async () => {
    const card = await openCard('Processor unavailable');
    const keys = [];
    await card.context.route(`${edge.origin}/v1/payment_requests/${card.id}/pay`, async (route) => {
      keys.push(route.request().headers()['idempotency-key']);
      if (keys.length > 1) return route.continue();
      return route.fulfill({
        status: 502,
        contentType: 'application/json',
        body: JSON.stringify({ error: { type: 'api_error', code: 'processor_unavailable', message: 'The processor did not answer.' } }),
      });
    });
    await fillCard(card.frame, { number: '4242 4242 4242 4242' });
    await inView(card);
    await card.frame.click('.cp-pay');
    await card.frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.match(await card.frame.textContent('.cp-alert-text'), /We couldn't reach the payment processor/);
    assert.equal(await card.frame.inputValue('#cp-cvc'), '123', 'the same attempt, so the CVC stays');
    assert.deepEqual(await errorCodes(card.page, card.id), ['processor_unavailable']);
    await inView(card);
    await card.frame.click('.cp-pay');
    await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1]);
    await card.context.close();
  });
});
