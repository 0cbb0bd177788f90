// The loader a chat page embeds, in headless Chromium against a real `wrangler dev`: chat
// messages holding markup that clobbers DOM names (no script, only HTML a sanitizer lets
// through) cannot redirect the cards or stop them, and a chat UI that reuses an element for
// another request (as React does) gets the new card, once, never with a mismatched pair.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, seed, sellerApi, startEdge } from './edge.mjs';
import { CHROMIUM, CHROMIUM_ARGS, cardFrame, fillCard, hostEvents, recordHostEvents } from './card.page.mjs';

const EVIL = 'https://evil.example';
const FORGER = 'https://forger.example';

// Runs in the host page before any of its scripts: records every src given to an iframe,
// through the property or the attribute, so a frame that lived for a moment is seen too.
function recordFrameSrcs() {
  const srcs = [];
  Object.defineProperty(window, '__frameSrcs', { value: srcs });
  const src = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'src');
  Object.defineProperty(HTMLIFrameElement.prototype, 'src', {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set(value) { srcs.push(String(value)); src.set.call(this, value); },
  });
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLIFrameElement && String(name).toLowerCase() === 'src') srcs.push(String(value));
    return setAttribute.call(this, name, value);
  };
}

// A page from an origin that is not the edge, posting a forged `paid` to its parent: the
// evil frame (request id from its path) or a link-preview frame in a message (from `?pr=`).
const FORGING_PAGE = `<!doctype html><title>preview</title><script>
  var id = new URLSearchParams(location.search).get('pr') ||
    decodeURIComponent(location.pathname.split('/').pop());
  var n = 0;
  var t = setInterval(function () {
    parent.postMessage({ chatpay: 1, type: 'paid', request_id: id, payment_id: 'pay_forged',
      amount: '0.01', currency: 'USD' }, '*');
    parent.postMessage({ chatpay: 1, type: 'ready', request_id: id, status: 'paid' }, '*');
    if (++n >= 40) clearInterval(t);
  }, 100);
</script>`;

// Markup of one chat message with names that collide with document and window properties.
// `document.<name>` answers with the <img>/<form>/<embed>/<object> named so; `window.<id>`
// with the element of that id.
const CLOBBERING_MESSAGE = `
  <div class="bubble"><p>Here is the photo of the mug I saw!</p>
    <img name="currentScript" src="${EVIL}/v1/widget.js" alt="" width="1" height="1">
    <a id="__chatpayLoader" href="#">link</a>
    <img name="createElement" alt=""><img name="readyState" alt=""><img name="documentElement" alt="">
    <img name="querySelector" alt=""><form name="querySelectorAll"></form>
    <embed name="getElementsByTagName"><img name="body" alt="">
    <form name="head"><input name="getAttribute"><input name="nodeType"></form>
  </div>`;

describe('the loader a chat page embeds', () => {
  let edge;
  let demo;
  let browser;
  const pageErrors = [];

  async function newPage() {
    // A real chat page shows users' images and link previews; the demo page's strict CSP
    // would stop them loading, and with them the attacks under test. So these pages ignore it.
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 1000 }, bypassCSP: true });
    await context.addInitScript(recordHostEvents);
    await context.addInitScript(recordFrameSrcs);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.frameLoads = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'document' && r.url().includes('/v1/frame/')) page.frameLoads.push(r.url());
    });
    return page;
  }

  async function createRequest(amount, description) {
    const created = await sellerApi(edge, demo.secret_key, 'POST', '/v1/payment_requests',
      { amount, currency: 'USD', description });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    return created.json;
  }

  /** The demo chat with one more message from Maya holding `html` (a card host). */
  async function chatWith(page, html) {
    await page.goto(`${edge.pageOrigin}/`);
    await page.evaluate((inner) => {
      const li = document.createElement('li');
      li.className = 'msg them pay';
      li.id = 'msg-test';
      li.innerHTML = `<div class="bubble">${inner}</div>`;
      document.getElementById('log').appendChild(li);
    }, html);
  }

  /** (request id, client secret) of every frame src the page ever assigned, in order. */
  const assignedPairs = (page) => page.evaluate(() => window.__frameSrcs
    .filter((s) => s.includes('/v1/frame/'))
    .map((s) => {
      const url = new URL(s);
      const hash = new URLSearchParams(url.hash.slice(1));
      return { origin: url.origin, id: decodeURIComponent(url.pathname.split('/').pop()), cs: hash.get('client_secret') };
    }));

  /** The srcs of the iframes inside a host (its shadow root, or itself). */
  const hostFrames = (page, selector) => page.evaluate((sel) => {
    const host = document.querySelector(sel);
    if (!host) return null;
    return [...(host.shadowRoot ?? host).querySelectorAll('iframe')].map((f) => f.src);
  }, selector);

  const frameFor = (page, id) => page.frames().find((f) => f.url().includes(`/v1/frame/${id}`));

  async function waitUntil(what, check, ms = 10_000) {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Every pair assigned is a real (id, secret) pair, the demo page's own cards included:
   * never one request's id with another's secret.
   */
  function assertNoMismatch(pairs, requests) {
    const valid = new Map([...demo.requests, ...requests].map((r) => [r.id, r.client_secret]));
    for (const p of pairs) {
      assert.equal(p.origin, edge.origin, `a frame outside the edge: ${p.origin}`);
      assert.equal(p.cs, valid.get(p.id), `a frame for ${p.id} with another request's secret`);
    }
  }

  /**
   * Opens the demo chat with the loader held back, posts `message` (clobbering markup) into
   * the conversation, then lets the page's own `<script src=EDGE/v1/widget.js async>` run.
   * Requests to the evil and forger origins are answered here and recorded.
   */
  async function clobberedChat(message, extra = '') {
    const page = await newPage();
    const foreign = [];
    await page.context().route(/^https:\/\/(evil|forger)\.example\//, (route) => {
      const r = route.request();
      foreign.push({ url: r.url(), type: r.resourceType() });
      if (r.resourceType() === 'document') {
        return route.fulfill({ status: 200, contentType: 'text/html', body: FORGING_PAGE });
      }
      return route.fulfill({ status: 404, body: '' });
    });
    let release;
    const held = new Promise((r) => { release = r; });
    const loaderUrl = `${edge.origin}/v1/widget.js`;
    let loaderRequests = 0;
    await page.route(loaderUrl, async (route) => {
      loaderRequests += 1;
      await held;
      await route.continue();
    });
    await page.goto(`${edge.pageOrigin}/`, { waitUntil: 'domcontentloaded' });
    // Posted with prototype methods: the markup shadows document.createElement and friends.
    await page.evaluate(([html, more]) => {
      const make = (tag) => Document.prototype.createElement.call(document, tag);
      const li = make('li');
      li.className = 'msg me';
      li.id = 'msg-clobber';
      li.innerHTML = html;
      const log = Document.prototype.getElementById.call(document, 'log');
      // Before both cards: the markup is in the document when the loader first looks.
      Node.prototype.insertBefore.call(log, li, Document.prototype.getElementById.call(document, 'msg-mug'));
      if (more) {
        const preview = make('li');
        preview.className = 'msg me';
        preview.innerHTML = more;
        Node.prototype.appendChild.call(log, preview);
      }
    }, [message, extra]);
    await waitUntil('the page asks for the loader', () => loaderRequests > 0);
    release();
    return { page, foreign };
  }

  /** The src of every card host's iframe on a page whose document names are clobbered. */
  const cardSrcs = (page) => page.evaluate(() => {
    const hosts = Document.prototype.querySelectorAll.call(document, 'chat-pay, [data-chatpay-request]');
    const shadow = Object.getOwnPropertyDescriptor(Element.prototype, 'shadowRoot').get;
    return Array.from(hosts, (h) => {
      const frame = (shadow.call(h) ?? h).querySelector('iframe');
      return frame ? frame.src : null;
    });
  });

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

  test('the Worker serves the loader with its own origin written in, and the loader headers', async () => {
    const r = await fetch(`${edge.origin}/v1/widget.js`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'public, max-age=300, stale-while-revalidate=3600');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    const script = await r.text();
    assert.ok(script.includes(JSON.stringify(edge.origin)), 'the edge origin is inlined as a JS string');
    assert.ok(!script.includes('__CHATPAY_EDGE_ORIGIN__'), 'no placeholder left');
    assert.ok(!script.includes('currentScript'), 'the loader does not look for its own tag');

    // Asked for under another host name, the same Worker writes that origin in.
    const other = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: edge.port, path: '/v1/widget.js', headers: { host: `localhost:${edge.port}` } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
    });
    assert.equal(other.status, 200);
    assert.ok(other.body.includes(JSON.stringify(edge.pageOrigin)), 'localhost origin inlined');
    assert.ok(!other.body.includes(JSON.stringify(edge.origin)));
  });

  test('a clobbered document.currentScript cannot send the cards (or their secrets) elsewhere', async () => {
    const [usd, jpy] = demo.requests;
    const message = `<div class="bubble"><p>Look at this!</p>
      <img name="currentScript" src="${EVIL}/v1/widget.js" alt="" width="1" height="1">
      <img name="querySelector" alt=""></div>`;
    const preview = `<div class="bubble"><iframe title="link preview" src="${FORGER}/embed?pr=${usd.id}"
      width="200" height="40"></iframe></div>`;
    const { page, foreign } = await clobberedChat(message, preview);
    await waitUntil('both cards have a frame', async () => (await cardSrcs(page)).every(Boolean));
    const srcs = await cardSrcs(page);
    assert.equal(srcs.length, 2);
    for (const src of srcs) assert.ok(src.startsWith(`${edge.origin}/v1/frame/`), src);
    assert.equal(await (await cardFrame(page, usd.id)).textContent('.cp-amount'), '$24.00');
    assert.equal(await (await cardFrame(page, jpy.id)).textContent('.cp-amount'), '¥1,200');

    // The preview frame posts forged `paid` and `ready` messages for a real request id.
    await page.waitForFunction((o) => window.__chatpay.messages.filter((m) => m.origin === o).length >= 20, FORGER);
    assert.deepEqual(await hostEvents(page, 'chatpay:paid'), []);
    const ready = await hostEvents(page, 'chatpay:ready');
    assert.ok(ready.every((e) => e.detail.status === 'requested'), JSON.stringify(ready));
    // The only request to the evil origin is the <img>'s own picture: no frame, no secret.
    assert.deepEqual(foreign.filter((f) => f.url.startsWith(EVIL)),
      foreign.filter((f) => f.url === `${EVIL}/v1/widget.js` && f.type === 'image'));
    assert.ok(foreign.length >= 1, 'the clobbering <img> did load');
    assertNoMismatch(await assignedPairs(page), []);
    await page.context().close();
  });

  test('markup cannot stop the loader or break its DOM calls', async () => {
    const [usd, jpy] = demo.requests;
    const { page, foreign } = await clobberedChat(CLOBBERING_MESSAGE);
    // The clobbering worked: these names now answer with the chat's elements.
    const clobbered = await page.evaluate(() => [
      document.currentScript?.tagName, window.__chatpayLoader?.tagName, document.createElement?.tagName,
      document.querySelectorAll?.tagName, document.readyState?.tagName, document.documentElement?.tagName,
    ]);
    assert.deepEqual(clobbered, ['IMG', 'A', 'IMG', 'FORM', 'IMG', 'IMG']);
    const usdFrame = await cardFrame(page, usd.id);
    const jpyFrame = await cardFrame(page, jpy.id);
    assert.equal(await usdFrame.textContent('.cp-amount'), '$24.00');
    assert.equal(await jpyFrame.textContent('.cp-amount'), '¥1,200');
    for (const src of await cardSrcs(page)) assert.ok(src?.startsWith(`${edge.origin}/v1/frame/`), src);

    // A card posted later still mounts, next to a form whose controls shadow Node and
    // Element members (nodeType, matches, querySelectorAll, getAttribute).
    const later = await createRequest('9.00', 'Glaze sample');
    await page.evaluate(([id, cs]) => {
      const make = (tag) => Document.prototype.createElement.call(document, tag);
      const li = make('li');
      li.className = 'msg them pay';
      li.innerHTML = '<div class="bubble"><form name="order"><input name="nodeType"><input name="matches">' +
        '<input name="querySelectorAll"><input name="getAttribute"></form>' +
        `<div data-chatpay-request="${id}" data-chatpay-client-secret="${cs}"></div></div>`;
      Node.prototype.appendChild.call(Document.prototype.getElementById.call(document, 'log'), li);
    }, [later.id, later.client_secret]);
    assert.equal(await (await cardFrame(page, later.id)).textContent('.cp-amount'), '$9.00');
    await page.waitForFunction(() => window.__chatpay.events.filter((e) => e.name === 'chatpay:ready').length >= 3);
    assert.deepEqual(foreign.filter((f) => f.type !== 'image'), []);
    assertNoMismatch(await assignedPairs(page), [later]);

    // What a buyer sees: the whole chat, both cards mounted despite the markup.
    await page.evaluate(() => Document.prototype.getElementById.call(document, 'msg-wrap').scrollIntoView());
    await page.waitForTimeout(300);
    const tall = await page.evaluate(() =>
      Object.getOwnPropertyDescriptor(Document.prototype, 'documentElement').get.call(document).scrollHeight);
    await page.setViewportSize({ width: 900, height: tall });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    mkdirSync(path.join(ROOT, 'tests/artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'tests/artifacts/loader-clobbered.png') });
    await page.context().close();
  });

  for (const form of ['div', 'chat-pay']) {
    const host = form === 'div'
      ? { selector: '#msg-test .host', request: 'data-chatpay-request', secret: 'data-chatpay-client-secret' }
      : { selector: '#msg-test .host', request: 'request', secret: 'client-secret' };
    const markup = (r) => (form === 'div'
      ? `<div class="host" data-chatpay-request="${r.id}" data-chatpay-client-secret="${r.client_secret}"></div>`
      : `<chat-pay class="host" request="${r.id}" client-secret="${r.client_secret}"></chat-pay>`);
    /** Sets both attributes in one task, request first, as React commits a reused element. */
    const switchTo = (page, r) => page.evaluate(([h, id, cs]) => {
      const el = document.querySelector(h.selector);
      el.setAttribute(h.request, id);
      el.setAttribute(h.secret, cs);
    }, [host, r.id, r.client_secret]);

    test(`a reused ${form} switched from request A to B shows B, mounted once, never a mismatched pair`, async () => {
      const a = await createRequest('31.00', 'Lidded jar');
      const b = await createRequest('57.50', 'Serving bowl');
      const page = await newPage();
      await chatWith(page, markup(a));
      assert.equal(await (await cardFrame(page, a.id)).textContent('.cp-amount'), '$31.00');
      const assignedBefore = (await assignedPairs(page)).length;

      await switchTo(page, b);
      const frameB = await cardFrame(page, b.id);
      assert.equal(await frameB.textContent('.cp-amount'), '$57.50');
      assert.equal(await frameB.textContent('.cp-description'), 'Serving bowl');
      await page.waitForTimeout(500); // room for any extra frame to show up
      const inHost = await hostFrames(page, host.selector);
      assert.equal(inHost.length, 1);
      assert.ok(inHost[0].startsWith(`${edge.origin}/v1/frame/${b.id}`), inHost[0]);
      assert.equal(frameFor(page, a.id), undefined, 'A\'s frame is gone');

      const pairs = await assignedPairs(page);
      assertNoMismatch(pairs, [a, b]);
      assert.deepEqual(pairs.slice(assignedBefore).map((p) => p.id), [b.id], 'one frame for B');
      assert.equal(page.frameLoads.filter((u) => u.includes(`/v1/frame/${b.id}`)).length, 1, 'one load of B');

      // The frame now in the host speaks for B only: a message about A from it is ignored.
      await frameB.evaluate(([id, parentOrigin]) => parent.postMessage({ chatpay: 1, type: 'paid',
        request_id: id, payment_id: 'pay_forged', amount: '31.00', currency: 'USD' }, parentOrigin), [a.id, edge.pageOrigin]);
      await page.waitForFunction(() => window.__chatpay.messages.some((m) => m.data.includes('pay_forged')));
      assert.deepEqual(await hostEvents(page, 'chatpay:paid'), []);
      const ready = (await hostEvents(page, 'chatpay:ready')).map((e) => e.detail.request_id);
      assert.ok(ready.includes(b.id), 'B announced itself');
      await page.context().close();
    });

    test(`a reused ${form}: removing an attribute unmounts, removing the element unmounts, re-adding remounts`, async () => {
      const a = await createRequest('12.00', 'Coaster');
      const page = await newPage();
      await chatWith(page, markup(a));
      await cardFrame(page, a.id);
      const framesNow = () => hostFrames(page, host.selector);

      for (const attribute of [host.secret, host.request]) {
        await page.evaluate(([sel, name]) => document.querySelector(sel).removeAttribute(name), [host.selector, attribute]);
        await waitUntil(`unmounted without ${attribute}`, async () => (await framesNow()).length === 0);
        assert.equal(frameFor(page, a.id), undefined);
        await page.evaluate(([sel, name, value]) => document.querySelector(sel).setAttribute(name, value),
          [host.selector, attribute, attribute === host.secret ? a.client_secret : a.id]);
        assert.equal(await (await cardFrame(page, a.id)).textContent('.cp-amount'), '$12.00');
      }

      await page.evaluate(() => { window.__detached = document.getElementById('msg-test'); window.__detached.remove(); });
      await waitUntil('unmounted when removed', () => frameFor(page, a.id) === undefined);
      assert.equal(await page.evaluate(() => {
        const h = window.__detached.querySelector('.host');
        return (h.shadowRoot ?? h).querySelectorAll('iframe').length;
      }), 0);
      await page.evaluate(() => document.getElementById('log').appendChild(window.__detached));
      assert.equal(await (await cardFrame(page, a.id)).textContent('.cp-amount'), '$12.00');
      assert.equal((await framesNow()).length, 1);
      assertNoMismatch(await assignedPairs(page), [a]);
      await page.context().close();
    });
  }

  test('paying after a switch reports B in chatpay:paid', async () => {
    const a = await createRequest('31.00', 'Lidded jar');
    const b = await createRequest('57.50', 'Serving bowl');
    const page = await newPage();
    await chatWith(page, `<div data-chatpay-request="${a.id}" data-chatpay-client-secret="${a.client_secret}"></div>`);
    await cardFrame(page, a.id);
    await page.evaluate(([id, cs]) => {
      const el = document.querySelector('#msg-test [data-chatpay-request]');
      el.setAttribute('data-chatpay-request', id);
      el.setAttribute('data-chatpay-client-secret', cs);
    }, [b.id, b.client_secret]);
    const frame = await cardFrame(page, b.id);
    await fillCard(frame, { number: '4242424242424242' });
    await frame.click('.cp-pay');
    await frame.waitForSelector('.cp-receipt', { timeout: 20_000 });
    await page.waitForFunction(() => window.__chatpay.events.some((e) => e.name === 'chatpay:paid'));
    const paid = (await hostEvents(page, 'chatpay:paid')).map((e) => e.detail);
    assert.equal(paid.length, 1);
    assert.equal(paid[0].request_id, b.id);
    assert.equal(paid[0].amount, '57.50');
    const seller = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${b.id}`);
    assert.equal(seller.json.status, 'paid');
    assert.equal(seller.json.payment.id, paid[0].payment_id);
    const untouched = await sellerApi(edge, demo.secret_key, 'GET', `/v1/payment_requests/${a.id}`);
    assert.equal(untouched.json.status, 'requested');
    await page.context().close();
  });
});
