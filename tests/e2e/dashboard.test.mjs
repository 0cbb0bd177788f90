// The seller dashboard end to end, in real headless Chromium against a real `wrangler dev`:
// the seller signs in with a key (kept in sessionStorage, never in a URL), filters the
// history, ships, delivers, refunds, cancels and settles a claim from the detail view, reads
// the revenue chart, and the page works at phone width. The API is the judge of every
// action; a buyer who paid in the chat sees the dashboard's shipment on the card.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, declineByApi, seed, sellerApi, startEdge } from './edge.mjs';
import { CHROMIUM, CHROMIUM_ARGS, cardFrame, chatWithCard, fillCard, recordHostEvents } from './card.page.mjs';

const ARTIFACTS = path.join(ROOT, 'tests/artifacts');
const TRACKING = '1Z999AA10123456784';

describe('the seller dashboard', () => {
  let edge;
  let browser;
  let key;
  const orders = {};
  const secrets = {};
  let claimId;
  const seen = { urls: [], errors: [], failed: [] };

  async function payByApi(request, clientSecret, shipping) {
    const r = await fetch(`${edge.origin}/v1/payment_requests/${request}/pay`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${clientSecret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        method: {
          type: 'card', number: '4242424242424242', exp_month: 12, exp_year: 2034,
          cvc: '123', name: 'Sam Rivera', postal_code: '94107',
        },
        receipt_email: 'sam@example.com',
        ...(shipping ? { shipping } : {}),
      }),
    });
    assert.equal(r.status, 200, await r.text());
  }

  async function createRequest(name, body, { pay = false, shipping } = {}) {
    const created = await sellerApi(edge, key, 'POST', '/v1/payment_requests', body);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    if (pay) await payByApi(created.json.id, created.json.client_secret, shipping);
    orders[name] = created.json.id;
    secrets[name] = created.json.client_secret;
  }

  async function newPage(viewport) {
    const context = await browser.newContext({ locale: 'en-US', viewport });
    const page = await context.newPage();
    page.on('request', (r) => seen.urls.push(r.url()));
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('console', (m) => {
      // Failed loads are judged by URL below, from the responses themselves.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) seen.errors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) seen.failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    return page;
  }

  async function signIn(page) {
    const response = await page.goto(`${edge.origin}/dashboard`);
    assert.equal(response.status(), 200);
    await page.fill('#key', key);
    await page.click('button[type=submit]');
    await page.waitForSelector('.order-list .order');
  }

  const orderButtons = (page) => page.locator('.order-list .order');

  /** Waits until the list shows exactly these request ids, in any order. */
  async function expectListed(page, ids) {
    const want = [...ids].sort();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const got = (await orderButtons(page).evaluateAll((els) => els.map((e) => e.dataset.id))).sort();
      if (JSON.stringify(got) === JSON.stringify(want)) return;
      if (Date.now() > deadline) assert.deepEqual(got, want);
      await page.waitForTimeout(100);
    }
  }

  async function openOrder(page, id) {
    await page.click(`.order[data-id="${id}"]`);
    await page.waitForSelector(`.detail[data-id="${id}"] .timeline .event`);
  }

  const noHorizontalScroll = (page) => page.evaluate(
    () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
  );

  before(async () => {
    if (!existsSync(path.join(ROOT, 'dist/public/dashboard/index.html'))) {
      throw new Error('dist/public/dashboard/index.html is missing: run scripts/build.sh first');
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    edge = await startEdge();
    const seller = await fetch(`${edge.origin}/v1/sellers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${edge.adminKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        display_name: 'Clayworks Studio', country: 'US', default_currency: 'USD',
        allowed_origins: [edge.pageOrigin],
      }),
    });
    assert.equal(seller.status, 201);
    key = (await seller.json()).secret_key;
    assert.match(key, /^sk_test_/);

    await createRequest('open', { amount: '12.00', currency: 'USD', description: 'Spare lid', agent_id: 'sam' });
    await createRequest('mug', {
      amount: '24.00', currency: 'USD', description: 'Hand-thrown stoneware mug',
      agent_id: 'maya', conversation_id: 'chat-42',
    }, { pay: true });
    await createRequest('apron', { amount: '38.50', currency: 'USD', description: 'Linen apron', agent_id: 'maya' },
      { pay: true });
    await createRequest('wrap', { amount: '1200', currency: 'JPY', description: 'Gift wrapping', agent_id: 'sam' },
      { pay: true });
    await createRequest('vase', {
      amount: '89.00', currency: 'USD', description: 'Celadon vase', agent_id: 'sam', collect_shipping: true,
    }, {
      pay: true,
      shipping: {
        name: 'Sam Rivera', line1: '500 Howard St', line2: 'Suite 4', city: 'San Francisco',
        postal_code: '94105', state: 'CA', country: 'US',
      },
    });
    await createRequest('bowl', { amount: '30.00', currency: 'USD', description: 'Serving bowl' });
    const canceled = await sellerApi(edge, key, 'POST', `/v1/payment_requests/${orders.bowl}/cancel`);
    assert.equal(canceled.status, 200);
  });

  after(async () => {
    await browser?.close();
    await edge?.stop();
  });

  describe('at desktop width', () => {
    let page;
    before(async () => {
      page = await newPage({ width: 1280, height: 900 });
    });

    test('the page carries the strict CSP and refuses a malformed key', async () => {
      const response = await page.goto(`${edge.origin}/dashboard`);
      const csp = response.headers()['content-security-policy'];
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      await page.fill('#key', 'not-a-key');
      await page.click('button[type=submit]');
      await page.waitForSelector('.signin .error');
      assert.equal(await page.getAttribute('#key', 'aria-invalid'), 'true');
    });

    test('signs in; the key stays in sessionStorage and out of every URL', async () => {
      await signIn(page);
      await expectListed(page, Object.values(orders));
      assert.ok(!page.url().includes(key), 'the key is in the page URL');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('chatpay.seller_key')), key);
      assert.equal(await page.evaluate(() => localStorage.length), 0);
      assert.ok(!seen.urls.some((u) => u.includes(key)), 'a request URL holds the key');
      assert.match(await orderButtons(page).first().innerText(), /\$|¥/);
    });

    test('filters by status, fulfillment, agent, conversation, dates and text', async () => {
      await page.check('input[name=status][value=paid]');
      await page.click('text=Apply filters');
      await expectListed(page, [orders.mug, orders.apron, orders.wrap, orders.vase]);
      await page.check('input[name=status][value=canceled]');
      await page.click('text=Apply filters');
      await expectListed(page, [orders.mug, orders.apron, orders.wrap, orders.vase, orders.bowl]);
      await page.uncheck('input[name=status][value=canceled]');
      await page.selectOption('#f-fulfillment', 'unfulfilled');
      await page.fill('#f-agent', 'sam');
      await page.click('text=Apply filters');
      await expectListed(page, [orders.wrap, orders.vase]);
      await page.click('text=Clear');
      await page.fill('#f-conversation', 'chat-42');
      await page.click('text=Apply filters');
      await expectListed(page, [orders.mug]);
      await page.click('text=Clear');
      // Date inputs are whole UTC days, the "to" day included.
      const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      await page.fill('#f-paid-from', day(0));
      await page.fill('#f-paid-to', day(0));
      await page.click('text=Apply filters');
      await expectListed(page, [orders.mug, orders.apron, orders.wrap, orders.vase]);
      await page.fill('#f-created-from', day(1));
      await page.click('text=Apply filters');
      await page.waitForSelector('.order-list .empty');
      await expectListed(page, []);
      await page.click('text=Clear');
      await page.fill('#f-q', 'mug');
      await page.click('text=Apply filters');
      await expectListed(page, [orders.mug]);
      await page.click('text=Clear');
      await expectListed(page, Object.values(orders));
      // Amounts come out with the currency's own exponent.
      assert.match(await page.innerText(`.order[data-id="${orders.wrap}"] .order-amount`), /^¥1,200$/);
      assert.match(await page.innerText(`.order[data-id="${orders.apron}"] .order-amount`), /^\$38\.50$/);
    });

    test('the seller ships the paid order; the API then shows it shipped with that tracking', async () => {
      await page.check('input[name=status][value=paid]');
      await page.click('text=Apply filters');
      await expectListed(page, [orders.mug, orders.apron, orders.wrap, orders.vase]);
      await openOrder(page, orders.mug);
      const detail = page.locator('.detail');
      assert.match(await detail.innerText(), /sam@example\.com/);
      assert.match(await detail.innerText(), /Visa ···· 4242/);

      // A missing tracking number: the API's message, at the field it names.
      await page.fill('#ship-carrier', 'UPS');
      await page.click('#action-ship');
      await page.waitForSelector('.action .error');
      assert.equal(await page.getAttribute('#ship-tracking', 'aria-invalid'), 'true');
      assert.equal(await page.getAttribute('#ship-carrier', 'aria-invalid'), 'false');

      await page.fill('#ship-tracking', TRACKING);
      await page.click('#action-ship');
      await page.waitForSelector('.actions .done');
      await page.waitForSelector(`.detail .tracking:text("${TRACKING}")`);
      await page.waitForSelector('.detail .event[data-type*="ship"]');

      const after = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${orders.mug}`);
      assert.equal(after.json.fulfillment_status, 'shipped');
      assert.equal(after.json.shipment.carrier, 'UPS');
      assert.equal(after.json.shipment.tracking_number, TRACKING);
      assert.equal(after.json.payout?.status, 'pending');
      // The list read the server again: the row has its shipped badge.
      await page.waitForSelector(`.order[data-id="${orders.mug}"] .fulfillment-shipped`);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    });

    test('marks the shipped order delivered', async () => {
      await page.click('#action-deliver');
      await page.waitForSelector('.detail .fulfillment-delivered');
      const api = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${orders.mug}`);
      assert.equal(api.json.fulfillment_status, 'delivered');
      assert.ok(api.json.shipment.delivered_at);
    });

    test('refunds part, then the rest', async () => {
      await openOrder(page, orders.apron);
      await page.fill('#refund-amount', '10.005');
      await page.click('#action-refund');
      await page.waitForSelector('.action .error');
      assert.equal(await page.getAttribute('#refund-amount', 'aria-invalid'), 'true');

      await page.fill('#refund-amount', '10.00');
      await page.selectOption('#refund-reason', 'duplicate');
      await page.click('#action-refund');
      await page.waitForSelector('.actions .done');
      await page.waitForSelector('.detail .refunds li');
      let api = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${orders.apron}`);
      assert.equal(api.json.refund_status, 'partial');
      assert.equal(api.json.amount_refunded, '10.00');
      assert.equal(api.json.refunds[0].reason, 'duplicate');

      await page.fill('#refund-amount', '');
      await page.click('#action-refund');
      await page.waitForSelector('.detail .refunds li:nth-child(2)');
      api = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${orders.apron}`);
      assert.equal(api.json.refund_status, 'full');
      assert.equal(api.json.amount_refunded, '38.50');
      // Nothing is left to refund, so the form is gone.
      assert.equal(await page.locator('#action-refund').count(), 0);
    });

    test('cancels an open request', async () => {
      await page.click('text=Clear');
      await page.waitForSelector(`.order[data-id="${orders.open}"]`);
      await openOrder(page, orders.open);
      await page.click('#action-cancel');
      await page.waitForSelector(`.detail .badge.status-canceled`);
      const api = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${orders.open}`);
      assert.equal(api.json.status, 'canceled');
    });

    test('answers a claim, then resolves it by refund (test mode)', async () => {
      const opened = await fetch(`${edge.origin}/v1/payment_requests/${orders.wrap}/claims`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secrets.wrap}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ reason: 'item_not_received', description: 'Nothing came yet.' }),
      });
      assert.equal(opened.status, 201);
      claimId = (await opened.json()).id;
      await page.click('text=Clear');
      await page.waitForSelector(`.order[data-id="${orders.wrap}"] .claim-open`);
      await openOrder(page, orders.wrap);
      assert.match(await page.innerText('.detail .claim'), /Item not received[\s\S]*Nothing came yet\./);

      await page.click('#action-respond');
      await page.waitForSelector('.action .error');
      assert.equal(await page.getAttribute('#claim-message', 'aria-invalid'), 'true');
      await page.fill('#claim-message', 'It left our studio on Monday; here is the tracking.');
      await page.click('#action-respond');
      await page.waitForSelector('.detail .badge.claim-seller_responded');
      let api = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${orders.wrap}`);
      assert.equal(api.json.claim.status, 'seller_responded');
      assert.equal(api.json.claim.response, 'It left our studio on Monday; here is the tracking.');

      await page.click('#action-resolve-refund');
      await page.waitForSelector('.detail .badge.claim-resolved_refund');
      api = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${orders.wrap}`);
      assert.equal(api.json.claim.status, 'resolved_refund');
      assert.equal(api.json.refund_status, 'full');
      assert.equal(api.json.amount_refunded, '1200');
    });

    test('the revenue chart draws one SVG per currency, with bars', async () => {
      await page.click('button.tab:text("Revenue")');
      await page.waitForSelector('.currency-report svg.bars rect.bar-gross');
      const currencies = await page.locator('.currency-report').evaluateAll((els) => els.map((e) => e.dataset.currency));
      assert.deepEqual(currencies, ['JPY', 'USD']);
      const jpy = page.locator('.currency-report[data-currency="JPY"] tr', { hasText: 'sam' });
      assert.match(await jpy.innerText(), /¥1,200\s+¥1,200\s+¥0\s+1\s+¥1,200/);
      const usd = page.locator('.currency-report[data-currency="USD"]');
      assert.equal(await usd.locator('svg.bars').count(), 1);
      // Grouped by agent: maya sold both USD orders and refunded 38.50 of them.
      const maya = usd.locator('tr', { hasText: 'maya' });
      assert.match(await maya.innerText(), /\$62\.50\s+\$38\.50\s+\$24\.00\s+2\s+\$31\.25/);
      const heights = await usd.locator('rect.bar-gross').evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
      assert.ok(heights.some((h) => h > 0), 'no USD bar has a height');
      await page.selectOption('#r-group', 'day');
      await page.click('text=Show');
      const today = new Date().toISOString().slice(0, 10);
      await page.waitForSelector(`.currency-report[data-currency="JPY"] .chart-label:text("${today}")`);
      await page.waitForSelector('#revenue-show:not([disabled])');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-revenue.png'), fullPage: true });
    });

    test('sign-out forgets the key', async () => {
      await page.click('text=Sign out');
      await page.waitForSelector('#key');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('chatpay.seller_key')), null);
      await page.close();
    });
  });

  test('at phone width (360 px) nothing scrolls sideways and the actions are reachable', async () => {
    const page = await newPage({ width: 360, height: 740 });
    await signIn(page);
    assert.ok(await noHorizontalScroll(page), 'the list scrolls sideways at 360 px');
    await openOrder(page, orders.vase);
    assert.ok(await noHorizontalScroll(page), 'the detail scrolls sideways at 360 px');
    assert.match(await page.innerText('.detail address'), /Sam Rivera\s+500 Howard St\s+Suite 4\s+San Francisco, CA 94105\s+US/);
    // The list gives way to the detail, and the ship button spans the width: a big target.
    assert.equal(await page.locator('.history').isVisible(), false);
    const ship = await page.locator('#action-ship').boundingBox();
    assert.ok(ship.height >= 44 && ship.width >= 280, `ship button is ${ship.width}x${ship.height}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    await page.click('text=← Orders');
    await page.waitForSelector('.history');
    await page.click('button.tab:text("Revenue")');
    await page.waitForSelector('svg.bars rect.bar-gross');
    assert.ok(await noHorizontalScroll(page), 'the revenue view scrolls sideways at 360 px');
    await page.close();
  });

  test('a buyer pays in the chat, the seller ships from the dashboard, the card shows the tracking', async () => {
    await seed(edge); // the demo chat page needs one
    const created = await sellerApi(edge, key, 'POST', '/v1/payment_requests',
      { amount: '55.00', currency: 'USD', description: 'Ash-glazed teapot', agent_id: 'maya' });
    assert.equal(created.status, 201);
    const request = created.json;

    const buyerContext = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 1000 } });
    await buyerContext.addInitScript(recordHostEvents);
    const chat = await buyerContext.newPage();
    await chatWithCard(chat, edge, request.id, request.client_secret);
    const frame = await cardFrame(chat, request.id);
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });

    const page = await newPage({ width: 1280, height: 900 });
    await signIn(page);
    await page.fill('#f-q', 'teapot');
    await page.click('text=Apply filters');
    await expectListed(page, [request.id]);
    await openOrder(page, request.id);
    await page.fill('#ship-carrier', 'DHL');
    await page.fill('#ship-tracking', 'JD014600006281230704');
    await page.click('#action-ship');
    await page.waitForSelector('.detail .tracking:text("JD014600006281230704")');
    await page.close();

    await chatWithCard(chat, edge, request.id, request.client_secret);
    const card = await cardFrame(chat, request.id);
    await card.waitForSelector('.cp-tracking');
    assert.equal(await card.textContent('.cp-status'), 'Shipped');
    assert.equal(await card.textContent('.cp-carrier'), 'DHL');
    assert.equal(await card.textContent('.cp-tracking-number'), 'JD014600006281230704');
    await buyerContext.close();
  });

  test('the raw dashboard file may not be framed and runs nothing', async () => {
    // /dashboard itself has its CSP; the static file behind it gets one from _headers.
    const response = await fetch(`${edge.origin}/dashboard/index.html`);
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') || '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
  });

  test('pages forward and back through 25 orders, 20 at a time', async () => {
    for (let i = 0; i < 25; i++) {
      const created = await sellerApi(edge, key, 'POST', '/v1/payment_requests',
        { amount: `${i + 1}.00`, currency: 'USD', description: `Sticker ${i}` });
      assert.equal(created.status, 201);
    }
    // The API's own order (newest first, then by id) is what the pages must follow.
    const all = await sellerApi(edge, key, 'GET', '/v1/payment_requests?q=Sticker&limit=100');
    const stickers = all.json.data.map((r) => r.id);
    assert.equal(stickers.length, 25);
    const page = await newPage({ width: 1280, height: 900 });
    await signIn(page);
    await page.fill('#f-q', 'Sticker');
    await page.click('text=Apply filters');
    await expectListed(page, stickers.slice(0, 20));
    const firstPage = await orderButtons(page).evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.deepEqual(firstPage, stickers.slice(0, 20), 'not in the API\'s order');
    assert.equal(await page.isDisabled('text=← Previous'), true);
    await page.click('text=Next →');
    await expectListed(page, stickers.slice(20));
    assert.equal(await page.isDisabled('text=Next →'), true);
    await page.click('text=← Previous');
    await expectListed(page, stickers.slice(0, 20));
    await page.close();
  });

  test('a request locked by declined cards shows why, and the seller unlocks it', async () => {
    const created = await sellerApi(edge, key, 'POST', '/v1/payment_requests',
      { amount: '3.00', currency: 'USD', description: 'Locked mug' });
    const { id, client_secret: secret } = created.json;
    await declineByApi(edge, id, secret, 5);
    const page = await newPage({ width: 1280, height: 900 });
    await signIn(page);
    await page.fill('#f-q', 'Locked mug');
    await page.click('text=Apply filters');
    await expectListed(page, [id]);
    await openOrder(page, id);
    assert.match(await page.textContent('.detail'), /5 declines with one card: the buyer cannot try again/);
    await page.click('#action-unlock');
    await page.waitForSelector('.done:has-text("Card attempts unlocked.")');
    const api = await sellerApi(edge, key, 'GET', `/v1/payment_requests/${id}`);
    assert.deepEqual(api.json.card_attempts, { declined: 0, cards_declined: 0, locked: false });
    assert.ok(api.json.events.some((e) => e.type === 'payment_request.unlocked' && e.actor === 'seller'));
    // The order is read again after the flash; once it is, the action is gone.
    await page.waitForSelector('#action-unlock', { state: 'detached', timeout: 10_000 });
    assert.equal(await page.locator('#action-unlock').count(), 0, 'the action goes once unlocked');
    await page.close();
  });

  test('no page error, console error or failed load along the way but the three refused on purpose', () => {
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.failed, [
      `400 /v1/payment_requests/${orders.mug}/ship`,
      `400 /v1/payment_requests/${orders.apron}/refunds`,
      `400 /v1/claims/${claimId}/respond`,
    ]);
  });
});
