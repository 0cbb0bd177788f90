// The buyer's side of the browser tests: Chromium flags, a page that records what the cards
// tell it, the demo chat with one more card posted into it, and the card's iframe.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './edge.mjs';

// The browser under test: Debian's chromium, or another build named by CHROMIUM (as the bench
// takes it), e.g. to check a newer Chromium unpacked beside the installed one.
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Records, in the host page, every chatpay DOM event and every message the frames post.
export function recordHostEvents() {
  window.__chatpay = { events: [], messages: [] };
  for (const name of ['chatpay:ready', 'chatpay:paid', 'chatpay:error', 'chatpay:declined', 'chatpay:collected']) {
    document.addEventListener(name, (e) => {
      window.__chatpay.events.push({ name, detail: JSON.parse(JSON.stringify(e.detail)) });
    });
  }
  window.addEventListener('message', (e) => {
    window.__chatpay.messages.push({ origin: e.origin, data: JSON.stringify(e.data) });
  });
}

/**
 * Opens the demo chat and posts one more card into it, the way a chat app adds a message
 * (the loader picks up new elements). A page faked with page.route would not do: Chromium's
 * Local Network Access checks block a synthetic page from loading loopback resources.
 */
export async function chatWithCard(page, edge, request, clientSecret) {
  await page.goto(`${edge.pageOrigin}/`);
  await postCard(page, request, clientSecret);
}

/** Posts one more card into the chat already open in `page`. */
export async function postCard(page, request, clientSecret) {
  await page.evaluate(([r, cs]) => {
    const li = document.createElement('li');
    li.className = 'msg them pay';
    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    const card = document.createElement('chat-pay');
    card.setAttribute('request', r);
    card.setAttribute('client-secret', cs);
    bubble.appendChild(card);
    li.appendChild(bubble);
    document.getElementById('log').appendChild(li);
  }, [request, clientSecret]);
}

/** The card frame hosting `requestId`, once the request has loaded. */
export async function cardFrame(page, requestId) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const frame = page.frames().find((f) => f.url().includes(`/v1/frame/${requestId}`));
    if (frame) {
      await frame.waitForSelector('.cp-amount', { timeout: 20_000 });
      return frame;
    }
    if (Date.now() > deadline) throw new Error(`no frame for ${requestId}`);
    await page.waitForTimeout(100);
  }
}

export async function fillCard(frame, { number, expiry = '12/34', cvc = '123', name = 'Sam Rivera', postal = '94107' }) {
  await frame.fill('#cp-number', '');
  await frame.locator('#cp-number').pressSequentially(number);
  await frame.fill('#cp-expiry', '');
  await frame.locator('#cp-expiry').pressSequentially(expiry);
  await frame.fill('#cp-cvc', '');
  await frame.locator('#cp-cvc').pressSequentially(cvc);
  await frame.fill('#cp-name', name);
  await frame.fill('#cp-postal', postal);
}

export const hostEvents = (page, name) =>
  page.evaluate((n) => window.__chatpay.events.filter((e) => e.name === n), name);

/**
 * Records which of the card's on-demand flows (`/v1/assets/flow-NAME.<hash>.js`) each card's
 * frame downloads in `context`. Call it before the page loads; `flowsOf(requestId)` then
 * lists the names, e.g. `['wallet']`.
 */
export function recordFlows(context) {
  const seen = [];
  context.on('request', (request) => {
    const name = /\/v1\/assets\/flow-([a-z]+)\.[0-9a-f]+\.js$/.exec(request.url())?.[1];
    if (name) seen.push({ name, frame: request.frame().url() });
  });
  return (requestId) => seen.filter((s) => s.frame.includes(`/v1/frame/${requestId}`)).map((s) => s.name);
}

/** Waits until `check()` (run here, in Node) is true, failing with `message` after `ms`. */
export async function eventually(check, message, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Scrolls `card` (`{page, frame, id}`) into view and waits until the chat has sized its
 * iframe to the content, as a buyer sees it. Chromium does not render a frame out of view,
 * so the card reports its height only once seen; until then a button low in the card can
 * sit outside the iframe. Answers the card's host element.
 */
export async function inView(card) {
  const host = card.page.locator(`chat-pay[request="${card.id}"]`);
  await host.scrollIntoViewIfNeeded();
  const content = await card.frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
  await card.page.waitForFunction(([id, want]) => {
    const frame = document.querySelector(`chat-pay[request="${id}"]`).shadowRoot.querySelector('iframe');
    return Math.abs(frame.getBoundingClientRect().height - want) <= 2;
  }, [card.id, content], { timeout: 10_000 });
  return host;
}

/** Saves `card` as the buyer sees it to tests/artifacts/`name`. */
export async function screenshot(card, name) {
  const host = await inView(card);
  mkdirSync(path.join(ROOT, 'tests/artifacts'), { recursive: true });
  await host.screenshot({ path: path.join(ROOT, 'tests/artifacts', name) });
}

/** Pays `card` with the test Visa, as a buyer would, and waits for its receipt. */
export async function payByCard(card) {
  await fillCard(card.frame, { number: '4242 4242 4242 4242' });
  await inView(card);
  await card.frame.click('.cp-pay');
  await card.frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
  assert.match(await card.frame.textContent('.cp-receipt-card'), /Visa •••• 4242/);
}
