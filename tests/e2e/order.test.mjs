// The buyer's card follows the order, in headless Chromium against a real `wrangler dev`:
// the buyer declines; the seller ships through the API and the reopened card shows the
// tracking; a claim opened from the card is resolved by refund; an address is required and
// accepted when the request collects shipping.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, seed, sellerApi, startEdge } from './edge.mjs';
import {
  CHROMIUM, CHROMIUM_ARGS, cardFrame, chatWithCard, fillCard, hostEvents, recordHostEvents,
} from './card.page.mjs';

describe('the buyer\'s card follows the order', () => {
  let edge;
  let demo;
  let browser;
  const pageErrors = [];

  async function newPage() {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 1000 } });
    await context.addInitScript(recordHostEvents);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    return page;
  }

  async function createRequest(body) {
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { currency: 'USD', ...body });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    return created.json;
  }

  /** A new request, paid by card from the chat; returns the page and the frame. */
  async function paidInChat(body) {
    const request = await createRequest(body);
    const page = await newPage();
    await chatWithCard(page, edge, request.id, request.client_secret);
    const frame = await cardFrame(page, request.id);
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    return { request, page, frame };
  }

  /** Scrolls the card's chat message into view, waits for the frame to fit, and saves it. */
  async function shootCard(page, frame, requestId, name) {
    // Chromium pauses layout work in cross-origin frames that are off screen, so the card
    // sizes itself once it is seen, as the newest message in a chat is.
    const bubble = page.locator('li.msg.pay').filter({
      has: page.locator(`chat-pay[request="${requestId}"], [data-chatpay-request="${requestId}"]`),
    });
    await bubble.scrollIntoViewIfNeeded();
    const content = await frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
    await page.waitForFunction(([id, want]) => {
      const f = [...document.querySelectorAll('chat-pay, [data-chatpay-request]')]
        .map((c) => c.shadowRoot?.querySelector('iframe') ?? c.querySelector('iframe'))
        .find((x) => x?.src.includes(id));
      return f && Math.abs(f.getBoundingClientRect().height - want) <= 2;
    }, [requestId, content], { timeout: 5000 });
    await page.waitForTimeout(200);
    mkdirSync(path.join(ROOT, 'tests/artifacts'), { recursive: true });
    await bubble.screenshot({ path: path.join(ROOT, `tests/artifacts/${name}.png`) });
  }

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    edge = await startEdge();
    demo = await seed(edge);
  });

  after(async () => {
    await browser?.close();
    await edge?.stop();
    assert.deepEqual(pageErrors, []);
  });

  test('a buyer declines on the demo page', async () => {
    const [usd, jpy] = demo.requests;
    const page = await newPage();
    await page.goto(`${edge.pageOrigin}/`);
    const frame = await cardFrame(page, usd.id);
    assert.equal(await frame.textContent('.cp-decline'), 'Decline');

    // The first press only asks; going back leaves the request open.
    await frame.click('.cp-decline');
    await frame.waitForSelector('.cp-confirm');
    await frame.waitForFunction(() => document.activeElement?.id === 'cp-keep');
    assert.match(await frame.textContent('.cp-confirm'), /Decline this request\?/);
    await frame.click('.cp-keep');
    await frame.waitForSelector('.cp-pay');
    await frame.waitForFunction(() => document.activeElement?.id === 'cp-decline');
    let seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${usd.id}`);
    assert.equal(seller.json.status, 'requested');

    const declines = [];
    await page.context().route(`${edge.origin}/v1/payment_requests/${usd.id}/decline`, async (route) => {
      declines.push(route.request().headers()['idempotency-key']);
      await route.continue();
    });
    await frame.click('.cp-decline');
    await shootCard(page, frame, usd.id, 'order-decline-confirm');
    await frame.click('.cp-danger');
    await frame.waitForSelector('.cp-outcome', { timeout: 20_000 });
    assert.equal(declines.length, 1);
    assert.match(declines[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(await frame.textContent('.cp-outcome-title'), 'You declined this request');
    assert.equal(await frame.textContent('.cp-status'), 'Declined');
    assert.equal(await frame.locator('form').count(), 0);
    await frame.waitForFunction(() => document.activeElement?.id === 'cp-outcome-title');

    // The host page hears it, and only about this card.
    await page.waitForFunction(() => window.__chatpay.events.some((e) => e.name === 'chatpay:declined'));
    const declined = await hostEvents(page, 'chatpay:declined');
    assert.deepEqual(declined.map((e) => e.detail), [{ request_id: usd.id }]);

    seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${usd.id}`);
    assert.equal(seller.json.status, 'declined');
    assert.ok(seller.json.declined_at, 'declined_at is set');
    const jpyFrame = await cardFrame(page, jpy.id);
    assert.equal(await jpyFrame.textContent('.cp-status'), 'Awaiting payment');

    // Reopened, the card still says so.
    await page.reload();
    const again = await cardFrame(page, usd.id);
    await again.waitForSelector('.cp-outcome');
    assert.equal(await again.textContent('.cp-status'), 'Declined');
    await page.context().close();
  });

  test('the seller ships through the API; the reopened card shows carrier and tracking', async () => {
    const { request, page, frame } = await paidInChat(
      { amount: '48.00', description: 'Speckled stoneware mug, pair' });
    assert.equal(await frame.textContent('.cp-status'), 'Paid');
    assert.match(await frame.textContent('.cp-timeline'), /Shipped \(not yet\)/);

    const shipped = await sellerApi(edge, demo.secret_key, 'POST', `/v1/payment_requests/${request.id}/ship`,
      { carrier: 'UPS', tracking_number: '1Z999AA10123456784' });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.json));
    assert.equal(shipped.json.fulfillment_status, 'shipped');

    await chatWithCard(page, edge, request.id, request.client_secret);
    const card = await cardFrame(page, request.id);
    await card.waitForSelector('.cp-tracking');
    assert.equal(await card.textContent('.cp-status'), 'Shipped');
    assert.equal(await card.textContent('.cp-carrier'), 'UPS');
    assert.equal(await card.textContent('.cp-tracking-number'), '1Z999AA10123456784');
    assert.equal(await card.locator('.cp-step-done').count(), 2);
    assert.match(await card.textContent('.cp-timeline'), /Delivered \(not yet\)/);
    assert.match(await card.textContent('.cp-receipt'), /Payment complete/);
    assert.equal(await card.locator('.cp-link').count(), 1, 'Report a problem is offered');

    await shootCard(page, card, request.id, 'order-shipped');
    await page.context().close();
  });

  test('a claim opened from the card and resolved by refund shows on the reopened card', async () => {
    const { request, page, frame } = await paidInChat({ amount: '30.00', description: 'Glazed bowl' });
    await frame.click('.cp-link');
    await frame.waitForSelector('#cp-claim-reason');
    await frame.waitForFunction(() => document.activeElement?.id === 'cp-claim-reason');
    // A reason is required.
    await frame.click('.cp-claim-submit');
    await frame.waitForSelector('#cp-claim-reason-error:not(:empty)');
    assert.equal(await frame.getAttribute('#cp-claim-reason', 'aria-invalid'), 'true');
    await frame.selectOption('#cp-claim-reason', 'damaged');
    await frame.fill('#cp-claim-description', 'The bowl arrived in three pieces.');
    await shootCard(page, frame, request.id, 'order-claim-form');
    await frame.click('.cp-claim-submit');
    await frame.waitForSelector('.cp-claim', { timeout: 20_000 });
    assert.match(await frame.textContent('.cp-claim-title'), /Problem reported — the seller has been notified/);
    assert.match(await frame.textContent('.cp-claim-text'), /arrived damaged/);
    assert.equal(await frame.textContent('.cp-status'), 'Problem reported');
    assert.equal(await frame.locator('.cp-link').count(), 0, 'one claim per request');

    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${request.id}`);
    assert.equal(seller.json.claim.status, 'open');
    assert.equal(seller.json.claim.reason, 'damaged');
    const resolved = await sellerApi(edge, demo.secret_key, 'POST', `/v1/claims/${seller.json.claim.id}/resolve`,
      { outcome: 'refund' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.json));
    assert.equal(resolved.json.status, 'resolved_refund');

    await chatWithCard(page, edge, request.id, request.client_secret);
    const card = await cardFrame(page, request.id);
    await card.waitForSelector('.cp-claim');
    assert.match(await card.textContent('.cp-claim-title'), /Resolved: refunded/);
    assert.equal(await card.textContent('.cp-status'), 'Refunded');
    assert.match(await card.textContent('.cp-refund'), /Refunded in full: \$30\.00/);
    assert.equal(await card.locator('.cp-step').count(), 1, 'a refunded order that never shipped promises no shipping');
    await shootCard(page, card, request.id, 'order-claim-refunded');
    await page.context().close();
  });

  test('a request that collects shipping requires an address and accepts one', async () => {
    const request = await createRequest({ amount: '64.00', description: 'Serving platter', collect_shipping: true });
    const page = await newPage();
    await chatWithCard(page, edge, request.id, request.client_secret);
    const frame = await cardFrame(page, request.id);
    const autocomplete = await frame.evaluate(() =>
      [...document.querySelectorAll('.cp-address input, .cp-address select')].map((i) => i.getAttribute('autocomplete')));
    assert.deepEqual(autocomplete, ['shipping name', 'shipping country', 'shipping address-line1',
      'shipping address-line2', 'shipping address-level2', 'shipping address-level1', 'shipping postal-code']);
    const countries = await frame.evaluate(() => [...document.querySelectorAll('#cp-ship-country option')].map((o) => o.value));
    for (const c of ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'JP', 'AU']) assert.ok(countries.includes(c), c);
    assert.equal(await frame.inputValue('#cp-ship-country'), 'US', 'from the en-US locale');

    // Paying without an address stops at the first missing field.
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('#cp-ship-name-error:not(:empty)');
    await frame.waitForFunction(() => document.activeElement?.id === 'cp-ship-name');
    assert.match(await frame.textContent('#cp-ship-state-error'), /state/i);

    // A postal code the edge refuses for the country shows at that field.
    await frame.fill('#cp-ship-name', 'Sam Rivera');
    await frame.fill('#cp-ship-line1', '500 Market Street');
    await frame.fill('#cp-ship-line2', 'Apt 4');
    await frame.fill('#cp-ship-city', 'San Francisco');
    await frame.fill('#cp-ship-state', 'CA');
    await frame.fill('#cp-ship-postal_code', '9410');
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('#cp-ship-postal_code-error:not(:empty)', { timeout: 20_000 });
    assert.equal(await frame.textContent('#cp-ship-postal_code-error'), 'Enter a valid ZIP code.');
    assert.equal(await frame.getAttribute('#cp-ship-postal_code', 'aria-describedby'), 'cp-ship-postal_code-error');
    await shootCard(page, frame, request.id, 'order-address');

    await frame.fill('#cp-ship-postal_code', '94107');
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${request.id}`);
    assert.equal(seller.json.status, 'paid');
    assert.deepEqual(seller.json.shipping, {
      name: 'Sam Rivera', line1: '500 Market Street', line2: 'Apt 4', city: 'San Francisco',
      postal_code: '94107', state: 'CA', country: 'US',
    });
    await page.context().close();
  });
});
