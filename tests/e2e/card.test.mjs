// The payment card end to end, in real headless Chromium against a real `wrangler dev`:
// the demo chat page at http://localhost:PORT embeds cards whose iframes come from
// http://127.0.0.1:PORT, two origins as on a seller's site.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, declineByApi, seed, sellerApi, startEdge } from './edge.mjs';
import {
  CHROMIUM, CHROMIUM_ARGS, cardFrame, chatWithCard as openChat, fillCard, hostEvents, recordHostEvents,
} from './card.page.mjs';

const CARD_NUMBERS = ['4242424242424242', '4000000000000002', '4000000000000127', '378282246310005'];
const NBSP = '\u00a0';

let edge;
let demo;
let browser;
const seen = { urls: [], console: [] };

async function newPage(locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 900, height: 1000 } });
  await context.addInitScript(recordHostEvents);
  const page = await context.newPage();
  page.on('request', (r) => seen.urls.push(r.url()));
  page.on('console', (m) => seen.console.push(m.text()));
  page.on('pageerror', (e) => seen.console.push(String(e)));
  return page;
}

const chatWithCard = (page, request, clientSecret) => openChat(page, edge, request, clientSecret);

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
    for (const n of CARD_NUMBERS) assert.ok(!logs.includes(n), 'wrangler logs hold a card number');
  }
});

describe('the demo chat page', () => {
  let page;
  let usd;
  let jpy;

  before(async () => {
    [usd, jpy] = demo.requests;
    page = await newPage('en-US');
    await page.goto(`${edge.pageOrigin}/`);
  });

  test('the host page cannot read the card iframe (another origin)', async () => {
    await cardFrame(page, usd.id);
    const probe = await page.evaluate(() => {
      const frame = document.querySelector('chat-pay').shadowRoot.querySelector('iframe');
      let threw = false;
      try { void frame.contentWindow.document.body; } catch { threw = true; }
      return { src: frame.src, contentDocument: frame.contentDocument === null, threw, allow: frame.allow };
    });
    assert.ok(probe.src.startsWith(`${edge.origin}/v1/frame/${usd.id}#client_secret=`), probe.src);
    assert.ok(!probe.src.includes('?'), 'the secret travels in the fragment only');
    assert.equal(new URL(page.url()).origin, edge.pageOrigin);
    assert.equal(probe.contentDocument, true);
    assert.equal(probe.threw, true);
    assert.equal(probe.allow, 'payment');
    // The frame dropped the client secret from its address once it read it.
    const frame = await cardFrame(page, usd.id);
    assert.equal(await frame.evaluate(() => location.hash), '');
  });

  test('both cards show inside the chat with amounts in the buyer\'s locale', async () => {
    const usdFrame = await cardFrame(page, usd.id);
    const jpyFrame = await cardFrame(page, jpy.id);
    assert.equal(await usdFrame.textContent('.cp-amount'), '$24.00');
    assert.equal(await jpyFrame.textContent('.cp-amount'), '¥1,200');
    assert.match(await usdFrame.textContent('.cp-seller'), /Clayworks/);
    assert.equal(await usdFrame.textContent('.cp-description'), 'Hand-thrown stoneware mug');
    assert.equal(await usdFrame.textContent('.cp-status'), 'Awaiting payment');
    // Inside the chat: each card sits in one of Maya's messages.
    assert.equal(await page.locator('#msg-mug chat-pay iframe').count(), 1);
    assert.equal(await page.locator('#msg-wrap [data-chatpay-request] iframe').count(), 1);
    // Both announced themselves to the host page.
    await page.waitForFunction(() => window.__chatpay.events.filter((e) => e.name === 'chatpay:ready').length >= 2);
    const ready = (await hostEvents(page, 'chatpay:ready')).map((e) => e.detail);
    assert.deepEqual(ready.map((d) => d.request_id).sort(), [usd.id, jpy.id].sort());
    assert.ok(ready.every((d) => d.status === 'requested'));
    // The iframe is sized to its content by postMessage.
    const content = await usdFrame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
    assert.ok(content > 300, `content ${content}px`);
    await page.waitForFunction((want) => {
      const frame = document.querySelector('chat-pay').shadowRoot.querySelector('iframe');
      return Math.abs(frame.getBoundingClientRect().height - want) <= 2;
    }, content, { timeout: 5000 });
  });

  test('fields have labels, autocomplete and inline errors tied with aria-describedby', async () => {
    const frame = await cardFrame(page, usd.id);
    const fields = await frame.evaluate(() => [...document.querySelectorAll('input')].map((i) => ({
      id: i.id,
      autocomplete: i.autocomplete,
      label: document.querySelector(`label[for="${i.id}"]`)?.textContent ?? null,
    })));
    assert.deepEqual(fields.map((f) => f.autocomplete), ['cc-number', 'cc-exp', 'cc-csc', 'cc-name', 'postal-code']);
    assert.ok(fields.every((f) => f.label));
    await frame.locator('#cp-number').pressSequentially('4242424242424241');
    await frame.locator('#cp-expiry').focus();
    await frame.waitForSelector('#cp-number-error:not(:empty)');
    assert.equal(await frame.getAttribute('#cp-number', 'aria-describedby'), 'cp-number-error');
    assert.equal(await frame.getAttribute('#cp-number', 'aria-invalid'), 'true');
    assert.match(await frame.textContent('#cp-number-error'), /not valid/);
    await frame.locator('#cp-expiry').pressSequentially('0120');
    await frame.locator('#cp-cvc').focus();
    assert.match(await frame.textContent('#cp-expiry-error'), /past/);
    await frame.fill('#cp-number', '');
    await frame.fill('#cp-expiry', '');
  });

  test('an Amex number is grouped 4-6-5 as typed, and its CVC takes 4 digits', async () => {
    const frame = await cardFrame(page, usd.id);
    await frame.fill('#cp-number', '');
    await frame.locator('#cp-number').pressSequentially('378282246310005');
    assert.equal(await frame.inputValue('#cp-number'), '3782 822463 10005');
    assert.match(await frame.textContent('.cp-brand'), /AMEX/);
    assert.equal(await frame.getAttribute('#cp-cvc', 'maxlength'), '4');
    await frame.fill('#cp-number', '');
    await frame.locator('#cp-number').pressSequentially('4242424242424242');
    assert.equal(await frame.inputValue('#cp-number'), '4242 4242 4242 4242');
    assert.match(await frame.textContent('.cp-brand'), /VISA/);
    await frame.fill('#cp-number', '');
  });

  test('paying by card shows a receipt and the host page hears chatpay:paid', async () => {
    const frame = await cardFrame(page, usd.id);
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    assert.equal(await frame.inputValue('#cp-expiry'), '12 / 34');
    // Hold the pay call for a moment to see the card while it is in flight.
    const pays = [];
    await page.context().route(`${edge.origin}/v1/payment_requests/${usd.id}/pay`, async (route) => {
      pays.push(route.request().headers()['idempotency-key']);
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-pay:disabled');
    assert.match(await frame.textContent('.cp-pay'), /Processing/);
    assert.equal(await frame.isDisabled('#cp-number'), true);
    await frame.locator('form').evaluate((f) => f.requestSubmit());
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    await page.context().unroute(`${edge.origin}/v1/payment_requests/${usd.id}/pay`);
    assert.equal(pays.length, 1, 'one pay call, no double submit');
    assert.match(pays[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(await frame.textContent('.cp-receipt'), /Payment complete/);
    assert.match(await frame.textContent('.cp-receipt-card'), /Visa •••• 4242/);
    assert.match(await frame.textContent('.cp-receipt-sub'), /\$24\.00/);
    assert.match(await frame.textContent('.cp-payment-id'), /^pay_/);
    assert.equal(await frame.textContent('.cp-status'), 'Paid');
    await frame.waitForFunction(() => document.activeElement?.id === 'cp-receipt-title');

    await page.waitForFunction(() => window.__chatpay.events.some((e) => e.name === 'chatpay:paid'));
    const [paid] = await hostEvents(page, 'chatpay:paid');
    assert.deepEqual(Object.keys(paid.detail).sort(), ['amount', 'currency', 'payment_id', 'request_id']);
    assert.equal(paid.detail.request_id, usd.id);
    assert.equal(paid.detail.amount, '24.00');
    assert.equal(paid.detail.currency, 'USD');
    assert.equal(paid.detail.payment_id, (await frame.textContent('.cp-payment-id')).trim());
    // The chat shows it.
    await page.waitForSelector('text=Payment received');

    // The seller's API agrees.
    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${usd.id}`);
    assert.equal(seller.json.status, 'paid');
    assert.equal(seller.json.payment.id, paid.detail.payment_id);
    // The card told the seller's live view how far the buyer came, once each, in order.
    const events = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${usd.id}/events?limit=100`);
    const progress = ['payment_request.viewed', 'buyer.entering_details', 'buyer.details_complete', 'payment_request.paid'];
    assert.deepEqual(events.json.data.map((e) => e.type).filter((t) => progress.includes(t)), progress);
    assert.ok(events.json.data.filter((e) => e.type.startsWith('buyer.')).every((e) => e.actor === 'buyer'));

    // The other card is untouched.
    const jpyFrame = await cardFrame(page, jpy.id);
    assert.equal(await jpyFrame.textContent('.cp-status'), 'Awaiting payment');

    // A viewport tall enough for the whole chat, so the sticky header and composer sit
    // where a buyer sees them.
    mkdirSync(path.join(ROOT, 'tests/artifacts'), { recursive: true });
    const tall = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 900, height: tall });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ROOT, 'tests/artifacts/demo.png') });
    await page.setViewportSize({ width: 900, height: 1000 });
  });

  test('a declined card shows why, and another card then pays', async () => {
    const frame = await cardFrame(page, jpy.id);
    await fillCard(frame, { number: '4000 0000 0000 0002' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.match(await frame.textContent('.cp-alert-text'), /declined/i);
    assert.equal(await frame.isEnabled('.cp-pay'), true);
    assert.equal(await frame.inputValue('#cp-cvc'), '', 'the CVC is cleared after an attempt');
    const errors = await hostEvents(page, 'chatpay:error');
    assert.ok(errors.some((e) => e.detail.request_id === jpy.id && e.detail.code));

    // A decline that names a field shows at that field.
    await fillCard(frame, { number: '4000 0000 0000 0127' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('#cp-cvc-error:not(:empty)', { timeout: 20_000 });
    assert.match(await frame.textContent('#cp-cvc-error'), /security code is incorrect/);
    assert.equal(await frame.getAttribute('#cp-cvc', 'aria-describedby'), 'cp-cvc-error');

    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    assert.match(await frame.textContent('.cp-receipt-sub'), /¥1,200/);
    await page.waitForFunction((id) =>
      window.__chatpay.events.some((e) => e.name === 'chatpay:paid' && e.detail.request_id === id), jpy.id);
  });

  test('a paid request shows its receipt when the page loads again', async () => {
    await page.reload();
    const frame = await cardFrame(page, usd.id);
    await frame.waitForSelector('.cp-receipt');
    assert.equal(await frame.textContent('.cp-status'), 'Paid');
    assert.equal(await frame.locator('form').count(), 0);
    const ready = await hostEvents(page, 'chatpay:ready');
    assert.ok(ready.some((e) => e.detail.request_id === usd.id && e.detail.status === 'paid'));
  });

  test('the buyer\'s card number typed into the chat is masked', async () => {
    await page.fill('#say', 'my card is 4242-4242-4242-4242, exp 12/34');
    await page.press('#say', 'Enter');
    const last = page.locator('.msg.me .bubble p').last();
    await page.waitForFunction(() => document.querySelector('#say').value === '');
    assert.equal(await last.textContent(), 'my card is ••••-••••-••••-4242, exp 12/34');
    assert.ok(!(await page.content()).includes('4242-4242-4242-4242'));
    // Typed key by key: the run is masked in the input as soon as it ends.
    await page.click('#say');
    await page.keyboard.type('card 5555555555554444 thanks');
    assert.equal(await page.inputValue('#say'), 'card ••••••••••••4444 thanks');
    await page.fill('#say', '');
  });

  test('no card data in any URL, console line or message to the host page', async () => {
    const messages = await page.evaluate(() => window.__chatpay.messages);
    assert.ok(messages.length > 0);
    assert.ok(messages.every((m) => m.origin === edge.origin || !m.data.includes('"chatpay":1')));
    const haystack = [...seen.urls, ...seen.console, ...messages.map((m) => m.data)].join('\n');
    for (const n of CARD_NUMBERS) {
      assert.ok(!haystack.includes(n), `found ${n.slice(-4)}`);
      assert.ok(!haystack.includes(n.replace(/(\d{4})(?=\d)/g, '$1 ')), `found grouped ${n.slice(-4)}`);
    }
  });
});

describe('cards outside the demo page', () => {
  test('EUR in a de-DE browser reads 12,50 €', async () => {
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { amount: '12.50', currency: 'EUR', description: 'Glaze sample set' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const page = await newPage('de-DE');
    await chatWithCard(page, created.json.id, created.json.client_secret);
    const frame = await cardFrame(page, created.json.id);
    assert.equal(await frame.evaluate(() => navigator.language), 'de-DE');
    assert.equal(await frame.textContent('.cp-amount'), `12,50${NBSP}€`);
    await page.context().close();
  });

  test('the card asks for its request once, while its wasm is still downloading', async () => {
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { amount: '4.00', currency: 'USD', description: 'Prefetched' });
    const id = created.json.id;
    const page = await newPage();
    // As on a phone's network, where the wasm takes a while: it arrives 600 ms late here.
    await page.context().route(/\/v1\/assets\/.*\.wasm$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    const order = [];
    page.on('request', (r) => {
      if (r.url().includes(`/v1/payment_requests/${id}/public`)) order.push(`public ${r.method()}`);
    });
    page.on('requestfinished', (r) => {
      if (r.frame()?.url().includes(`/v1/frame/${id}`) && r.url().endsWith('.wasm')) order.push('wasm done');
    });
    await chatWithCard(page, id, created.json.client_secret);
    await cardFrame(page, id);
    // boot.js starts the fetch beside the wasm, not after it; the card takes that answer, so
    // one GET only.
    assert.deepEqual(order.filter((o) => o.startsWith('public')), ['public GET'], order.join(', '));
    assert.ok(order.indexOf('public GET') < order.indexOf('wasm done'), order.join(', '));
    await page.context().close();
  });

  test('an agent-captured card says it went to the seller and the host hears chatpay:collected', async () => {
    const on = await sellerApi(edge, demo.secret_key, 'PATCH', '/v1/seller',
      { agent_capture: { enabled: true, window_minutes: 5 } });
    assert.equal(on.status, 200, JSON.stringify(on.json));
    const agent = await sellerApi(edge, demo.secret_key, 'POST', '/v1/agents', { id: 'gladly-e2e', name: 'Gladly' });
    assert.equal(agent.status, 201, JSON.stringify(agent.json));
    const key = await sellerApi(edge, demo.secret_key, 'POST', '/v1/keys', { agent_id: 'gladly-e2e' });
    assert.equal(key.status, 201, JSON.stringify(key.json));
    const created = await sellerApi(edge, key.json.secret_key, 'POST', '/v1/payment_requests',
      { amount: '9.00', currency: 'USD', description: 'Agent order', capture: 'agent' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const page = await newPage();
    await chatWithCard(page, created.json.id, created.json.client_secret);
    const frame = await cardFrame(page, created.json.id);
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-outcome', { timeout: 20_000 });
    assert.match(await frame.textContent('.cp-outcome-title'), /sent securely to the seller/);
    assert.match(await frame.textContent('.cp-outcome-text'), /Nothing has been charged yet/);
    assert.equal(await frame.textContent('.cp-status'), 'Sent to seller');
    assert.equal(await frame.locator('.cp-receipt').count(), 0);
    await page.waitForFunction(() => window.__chatpay.events.some((e) => e.name === 'chatpay:collected'));
    const [collected] = await hostEvents(page, 'chatpay:collected');
    assert.deepEqual(collected.detail, { request_id: created.json.id });
    assert.equal((await hostEvents(page, 'chatpay:paid')).length, 0);
    const reveal = await sellerApi(edge, key.json.secret_key, 'POST', `/v1/payment_requests/${created.json.id}/reveal`);
    assert.equal(reveal.status, 200, JSON.stringify(reveal.json));
    assert.equal(reveal.json.cvc, '123');
    await page.context().close();
  });

  test('a canceled request says it can no longer be paid', async () => {
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { amount: '5.00', currency: 'USD', description: 'Canceled order' });
    const canceled = await sellerApi(edge, demo.secret_key, 'POST', `/v1/payment_requests/${created.json.id}/cancel`);
    assert.equal(canceled.status, 200);
    const page = await newPage();
    await chatWithCard(page, created.json.id, created.json.client_secret);
    const frame = await cardFrame(page, created.json.id);
    assert.equal(await frame.textContent('.cp-status'), 'Canceled');
    assert.match(await frame.textContent('.cp-notice'), /can no longer be paid/);
    assert.equal(await frame.locator('form').count(), 0);
    await page.context().close();
  });

  test('a request that took too many declines says so, and pays once the seller unlocks it', async () => {
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { amount: '6.00', currency: 'USD', description: 'Locked order' });
    const { id, client_secret: secret } = created.json;
    // Card testing from outside the card: five declines through the API.
    await declineByApi(edge, id, secret, 5);
    const page = await newPage();
    await chatWithCard(page, id, secret);
    const frame = await cardFrame(page, id);
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-alert-text', { timeout: 20_000 });
    assert.match(await frame.textContent('.cp-alert-text'), /can't take more card attempts/);
    await page.waitForFunction((r) => window.__chatpay.events.some((e) =>
      e.name === 'chatpay:error' && e.detail.request_id === r && e.detail.code === 'too_many_attempts'), id);
    const unlocked = await sellerApi(edge, demo.secret_key, 'POST', `/v1/payment_requests/${id}/unlock`);
    assert.equal(unlocked.status, 200);
    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    await page.context().close();
  });

  test('a wrong client secret shows an error card and tells the host page', async () => {
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { amount: '7.00', currency: 'USD', description: 'Forged secret' });
    const id = created.json.id;
    const page = await newPage();
    await chatWithCard(page, id, 'cs_wrong');
    let frame;
    for (let i = 0; i < 100 && !frame; i++) {
      frame = page.frames().find((x) => x.url().includes(`/v1/frame/${id}`));
      if (!frame) await page.waitForTimeout(100);
    }
    assert.ok(frame, 'no frame');
    await frame.waitForSelector('.cp-unavailable');
    await page.waitForFunction((r) =>
      window.__chatpay.events.some((e) => e.name === 'chatpay:error' && e.detail.request_id === r), id);
    const errors = await hostEvents(page, 'chatpay:error');
    assert.equal(errors.find((e) => e.detail.request_id === id).detail.code, 'invalid_credentials');
    await page.context().close();
  });

  test('the raw frame template may not be framed and assets are immutable', async () => {
    const raw = await fetch(`${edge.origin}/v1/frame.html`);
    assert.match(raw.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const frame = await fetch(`${edge.origin}/v1/frame/${demo.requests[0].id}`);
    assert.match(frame.headers.get('content-security-policy'), new RegExp(`frame-ancestors ${edge.pageOrigin}`));
    const html = await frame.text();
    assert.ok(!/<script(?![^>]*\bsrc=)/.test(html), 'no inline script');
    assert.ok(!/<style/.test(html), 'no inline style');
    const asset = html.match(/\/v1\/assets\/[^"]+\.wasm/)[0];
    const wasm = await fetch(`${edge.origin}${asset}`);
    assert.equal(wasm.status, 200);
    assert.match(wasm.headers.get('cache-control') ?? '', /immutable/);
  });
});
