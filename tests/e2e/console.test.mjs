// The agent console (the dashboard's Conversations view), end to end in real headless
// Chromium against a real `wrangler dev`: an agent signs in with a restricted key, opens a
// conversation, creates a payment request and reads what to paste; a buyer in another
// browser context pays it in the chat, and the console shows "entering details" and then
// "paid" live, from the feed alone. A second request goes out as the hosted link, which the
// console sees viewed and then cancels. Agents get no refund; the seller's key does. With
// agent capture, the agent reveals the collected card (with its countdown) and marks it
// processed, and the console keeps no copy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, seed, sellerApi, startEdge } from './edge.mjs';
import { CHROMIUM, CHROMIUM_ARGS, cardFrame, chatWithCard, fillCard, inView } from './card.page.mjs';

const ARTIFACTS = path.join(ROOT, 'tests/artifacts');
const CONVERSATION = 'conv_console_42';

describe('the agent console', () => {
  let edge;
  let browser;
  let demo;
  let agentKey;
  let console_;
  const errors = [];
  const first = {};

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    edge = await startEdge();
    demo = await seed(edge);
    const agent = await sellerApi(edge, demo.secret_key, 'POST', '/v1/agents', { id: 'maya', name: 'Maya' });
    assert.equal(agent.status, 201, JSON.stringify(agent.json));
    const key = await sellerApi(edge, demo.secret_key, 'POST', '/v1/keys', { agent_id: 'maya' });
    assert.equal(key.status, 201, JSON.stringify(key.json));
    agentKey = key.json.secret_key;
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    if (edge) {
      const logs = edge.logs();
      await edge.stop();
      assert.ok(!logs.includes('4242424242424242'), 'wrangler logs hold a card number');
      for (const secret of [agentKey, demo?.secret_key]) {
        assert.ok(!secret || !logs.includes(secret), 'wrangler logs hold an API key');
      }
    }
    assert.deepEqual(errors, [], 'no page errors');
  });

  async function signIn(key, viewport = { width: 1280, height: 900 }) {
    const context = await browser.newContext({ locale: 'en-US', viewport });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.stack ?? e}`));
    await page.goto(`${edge.origin}/dashboard`);
    await page.fill('#key', key);
    await page.click('button[type=submit]');
    return page;
  }

  async function openConversation(page) {
    await page.fill('#conversation-id', CONVERSATION);
    await page.click('#open-conversation');
    await page.waitForSelector('.live.on', { timeout: 15_000 });
  }

  const step = (page, id, name) => page.locator(`.request-progress[data-id="${id}"] .step[data-step="${name}"]`);

  async function waitStepDone(page, id, name, timeout = 10_000) {
    await step(page, id, name).and(page.locator('.done')).waitFor({ timeout });
  }

  test('an agent creates a request in a conversation and gets the element and the link to paste', async () => {
    console_ = await signIn(agentKey);
    // An agent lands on its conversations, and sees no revenue tab (a seller-only report).
    await console_.waitForSelector('#conversation-id');
    assert.match(await console_.textContent('header.top'), /Agent console/);
    assert.equal(await console_.locator('.tab', { hasText: 'Revenue' }).count(), 0);
    await openConversation(console_);
    assert.match(await console_.textContent('.conversation-requests'), /No payment requests/);

    // The API judges the form: a bad amount is shown on its field.
    await console_.fill('#new-amount', 'twelve');
    await console_.fill('#new-description', 'Stoneware mug');
    await console_.click('#create-request');
    await console_.waitForSelector('#new-amount.invalid');
    assert.ok(await console_.locator('.compose .error').isVisible());

    await console_.fill('#new-amount', '24.00');
    await console_.selectOption('#new-currency', 'EUR');
    await console_.check('#new-shipping');
    await console_.click('#create-request');
    await console_.waitForSelector('.paste');
    const snippet = await console_.inputValue('#paste-snippet');
    const link = await console_.inputValue('#paste-link');
    const m = /^<chat-pay request="(pr_[^"]+)" client-secret="(cs_[^"]+)"><\/chat-pay>$/.exec(snippet);
    assert.ok(m, snippet);
    [, first.id, first.secret] = m;
    assert.equal(link, `${edge.origin}/v1/pay/${first.id}#client_secret=${first.secret}`);
    assert.match(await console_.textContent('.paste'), /Whoever holds the link can pay/);

    const created = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${first.id}`);
    assert.equal(created.json.conversation_id, CONVERSATION);
    assert.equal(created.json.agent_id, 'maya', 'a restricted key creates for its own agent');
    assert.equal(created.json.currency, 'EUR');
    assert.equal(created.json.collect_shipping, true);
    await waitStepDone(console_, first.id, 'requested');
    await console_.screenshot({ path: path.join(ARTIFACTS, 'console-created.png'), fullPage: true });
  });

  test('the console follows the buyer live: viewed, entering details, details complete, paid', async () => {
    const buyer = await (await browser.newContext({ locale: 'en-US' })).newPage();
    buyer.on('pageerror', (e) => errors.push(`${buyer.url()}: ${e.stack ?? e}`));
    await chatWithCard(buyer, edge, first.id, first.secret);
    const frame = await cardFrame(buyer, first.id);
    await waitStepDone(console_, first.id, 'viewed');
    assert.equal(await step(console_, first.id, 'entering_details').getAttribute('class'), 'step');

    await frame.locator('#cp-number').pressSequentially('42');
    await waitStepDone(console_, first.id, 'entering_details');
    assert.equal(await step(console_, first.id, 'paid').getAttribute('class'), 'step');

    await fillCard(frame, { number: '4242 4242 4242 4242' });
    await fillShipping(frame);
    await waitStepDone(console_, first.id, 'details_complete');
    await inView({ page: buyer, frame, id: first.id });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    await waitStepDone(console_, first.id, 'paid');
    await console_.locator(`.request-progress[data-id="${first.id}"] .badge.status-paid`).waitFor();
    await console_.locator(`.conversation-timeline .event[data-type="payment_request.paid"][data-request="${first.id}"]`).waitFor();
    assert.ok(!(await console_.textContent('body')).includes('4242 4242'), 'no card number on the console');
    await console_.screenshot({ path: path.join(ARTIFACTS, 'console-paid.png'), fullPage: true });
    await buyer.context().close();
  });

  test('an agent ships but cannot refund; the seller can refund', async () => {
    await console_.click(`.request-progress[data-id="${first.id}"] .open-order`);
    await console_.waitForSelector('#action-ship');
    assert.equal(await console_.locator('#action-refund').count(), 0, 'no refund for an agent');
    await console_.fill('#ship-carrier', 'UPS');
    await console_.fill('#ship-tracking', '1Z999AA10123456784');
    await console_.click('#action-ship');
    await console_.locator(`.conversation-timeline .event[data-type="payment_request.shipped"]`).waitFor({ state: 'attached' });
    await console_.locator(`.request-progress[data-id="${first.id}"] .badge.fulfillment-shipped`).waitFor();

    const seller = await signIn(demo.secret_key);
    await seller.click('.tab:has-text("Conversations")');
    await openConversation(seller);
    await seller.click(`.request-progress[data-id="${first.id}"] .open-order`);
    await seller.waitForSelector('#action-refund');
    await seller.context().close();
  });

  test('a request sent as the hosted link is seen viewed, then canceled from the console', async () => {
    await console_.fill('#new-amount', '5.00');
    await console_.fill('#new-description', 'Gift wrap');
    await console_.click('#create-request');
    const second = await console_.locator('.paste').getAttribute('data-id');
    assert.ok(second && second !== first.id, second);
    const link = await console_.inputValue('#paste-link');
    const buyer = await (await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 800 } })).newPage();
    await buyer.goto(link);
    await buyer.waitForSelector('#cp-number');
    await waitStepDone(console_, second, 'viewed');

    await console_.click(`.request-progress[data-id="${second}"] .open-order`);
    await console_.click('#action-cancel');
    await console_.locator(`.request-progress[data-id="${second}"] .badge.status-canceled`).waitFor({ state: 'attached' });
    const after = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${second}`);
    assert.equal(after.json.status, 'canceled');
    await buyer.context().close();
  });

  test('agent capture: the agent reveals the collected card with a countdown, then marks it processed', async () => {
    const setting = await sellerApi(edge, demo.secret_key, 'PATCH', '/v1/seller',
      { agent_capture: { enabled: true, window_minutes: 10 } });
    assert.equal(setting.status, 200, JSON.stringify(setting.json));
    await console_.fill('#new-amount', '61.00');
    await console_.fill('#new-description', 'Phone order: espresso machine');
    await console_.check('#new-capture');
    await console_.click('#create-request');
    await console_.waitForSelector('.compose .done');
    const id = await console_.locator('.paste').getAttribute('data-id');
    const request = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${id}`);
    assert.equal(request.json.capture, 'agent');

    const buyer = await (await browser.newContext({ locale: 'en-US' })).newPage();
    buyer.on('pageerror', (e) => errors.push(`${buyer.url()}: ${e.stack ?? e}`));
    await chatWithCard(buyer, edge, id, request.json.client_secret);
    const frame = await cardFrame(buyer, id);
    await fillCard(frame, { number: '4242 4242 4242 4242', cvc: '737' });
    await inView({ page: buyer, frame, id });
    await frame.click('.cp-pay');
    await frame.waitForFunction(() => /sent securely to the seller/.test(document.body.textContent), null, { timeout: 20_000 });

    // Live: the console shows the collected card's window, counting down.
    const collected = console_.locator(`.collected[data-id="${id}"]`);
    await collected.waitFor({ timeout: 10_000 });
    const timer = collected.locator('.countdown');
    const first = await timer.textContent();
    assert.match(first, /^(10:00|9:[0-5]\d)$/, first);
    await console_.waitForFunction(([sel, was]) => document.querySelector(sel)?.textContent !== was,
      [`.collected[data-id="${id}"] .countdown`, first], { timeout: 5_000 });
    assert.equal(await collected.locator('.reveal-number').count(), 0, 'hidden until asked for');

    await collected.locator('.reveal-card').click();
    await collected.locator('.reveal-number').waitFor();
    assert.equal(await collected.locator('.reveal-number').textContent(), '4242 4242 4242 4242');
    assert.equal(await collected.locator('.reveal-cvc').textContent(), '737');
    await console_.screenshot({ path: path.join(ARTIFACTS, 'console-revealed.png'), fullPage: true });
    const kept = await console_.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + location.href);
    assert.ok(!kept.includes('4242424242424242') && !kept.includes('737'), 'the card is never stored by the console');
    await console_.locator(`.conversation-timeline .event[data-type="payment_request.card_revealed"][data-request="${id}"]`).waitFor({ state: 'attached' });

    await collected.locator('.mark-processed').click();
    await console_.locator(`.request-progress[data-id="${id}"] .badge.status-paid`).waitFor();
    assert.equal(await console_.locator(`.collected[data-id="${id}"]`).count(), 0);
    assert.ok(!(await console_.textContent('body')).includes('4242 4242 4242 4242'), 'the card left the page');
    const paid = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${id}`);
    assert.equal(paid.json.status, 'paid');
    assert.equal(paid.json.payment.method.captured_by, 'agent');
    await buyer.context().close();
  });

  test('the console reads well at phone width', async () => {
    const phone = await signIn(agentKey, { width: 375, height: 800 });
    await openConversation(phone);
    await phone.locator(`.request-progress[data-id="${first.id}"] .step.done[data-step="paid"]`).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await phone.screenshot({ path: path.join(ARTIFACTS, 'console-phone.png'), fullPage: true });
    await phone.context().close();
  });
});

/** The shipping address the agent asked for. */
async function fillShipping(frame) {
  await frame.fill('#cp-ship-name', 'Sam Rivera');
  await frame.fill('#cp-ship-line1', '500 Market Street');
  await frame.fill('#cp-ship-city', 'San Francisco');
  await frame.fill('#cp-ship-state', 'CA');
  await frame.fill('#cp-ship-postal_code', '94107');
}
