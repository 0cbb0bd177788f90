#!/usr/bin/env node
// A stand-in for PayPal's REST API in chatpay's tests (the real PayPal cannot be reached from CI).
// It follows PayPal's OpenAPI documents field by field (see README.md), logs every call, records
// every request that breaks the documents as a violation, and takes faults and scripts on a
// control API under /__standin/.
//
//   node tests/paypal/standin.mjs [--port N] [--client-id ID] [--client-secret S] [--webhook-id W]
//
// prints one line {"listening":"http://127.0.0.1:PORT"} when ready; SIGTERM exits cleanly, and
// so does the end of stdin when STANDIN_EXIT_WITH_STDIN=1.
// From Node: `const { url, close } = await start({ port, clientId, clientSecret, webhookId })`.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { control } from './control.mjs';
import { PayPalError, Store } from './orders.mjs';
import { checkBody, checkHeaders } from './validate.mjs';
import { Webhooks } from './webhooks.mjs';

export const DEFAULTS = { port: 0, clientId: 'standin-client', clientSecret: 'standin-secret', webhookId: 'WHSTANDIN' };
const MESSAGES = {
  400: ['INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.'],
  401: ['AUTHENTICATION_FAILURE', 'Authentication failed due to missing authorization header, or invalid authentication credentials.'],
  404: ['RESOURCE_NOT_FOUND', 'The specified resource does not exist.'],
  409: ['RESOURCE_CONFLICT', 'The server has detected a conflict while processing this request.'],
  415: ['UNSUPPORTED_MEDIA_TYPE', "The server does not support the request payload's media type."],
  422: ['UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.'],
  500: ['INTERNAL_SERVER_ERROR', 'An internal server error occurred.'],
};
const SCOPES = ['https://uri.paypal.com/services/payments/payment', 'https://uri.paypal.com/services/payments/refund',
  'https://uri.paypal.com/services/payments/referenced-payouts-items/readwrite', 'https://uri.paypal.com/services/applications/webhooks',
  'https://uri.paypal.com/services/payments/realtimepayment', 'openid'].join(' ');
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client Authentication failed' };
const debugId = () => randomBytes(7).toString('hex').slice(0, 13);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const isJson = (ct) => /^application\/json\s*(;|$)/i.test(ct ?? '');
const wantsFull = (req) => /return=representation/.test(req.headers.prefer ?? '');

/** PayPal's error body for `status`, with `details` `{field, value, location, issue, description}`. */
export function errorBody(status, details = []) {
  const [name, message] = MESSAGES[status] ?? MESSAGES[500];
  const body = { name, message, debug_id: debugId() };
  if (details.length) {
    body.details = details.map((d) => Object.fromEntries(['field', 'value', 'location', 'issue', 'description']
      .filter((k) => d[k] !== undefined).map((k) => [k, d[k]])));
  }
  const href = `https://developer.paypal.com/docs/api/orders/v2/#error-${details[0]?.issue ?? name}`;
  body.links = [{ href, rel: 'information_link', method: 'GET' }];
  return body;
}
const err = (status, details) => ({ status, json: errorBody(status, details) });
const html = (status, title, inner) => ({
  status,
  html: `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escape(title)}</title>`
    + `<body style="font-family:sans-serif"><h1>${escape(title)}</h1>${inner}</body></html>`,
});
const redirect = (to) => ({ status: 303, location: to, html: `<a href="${escape(to)}">${escape(to)}</a>` });

const ORDER = '/v2/checkout/orders/([^/]+)';
const ROUTES = [
  ['POST', '/v1/oauth2/token', 'token', 'token'],
  ['POST', '/v2/checkout/orders', 'create', 'create'],
  ['GET', ORDER, 'get', 'getOrder'],
  ['POST', `${ORDER}/confirm-payment-source`, 'confirm', 'confirm'],
  ['POST', `${ORDER}/capture`, 'capture', 'capture'],
  ['POST', `${ORDER}/track`, 'track', 'track'],
  ['POST', '/v2/payments/captures/([^/]+)/refund', 'refund', 'refund'],
  ['GET', '/v2/payments/captures/([^/]+)', 'get', 'getCapture'],
  ['GET', '/v2/payments/refunds/([^/]+)', 'get', 'getRefund'],
  ['POST', '/v1/payments/referenced-payouts-items', 'payout', 'payout'],
  ['GET', '/v1/payments/referenced-payouts-items/([^/]+)', 'get', 'getPayout'],
  ['POST', '/v1/notifications/verify-webhook-signature', 'verify', 'verify'],
].map(([method, path, op, fn]) => ({ method, re: new RegExp(`^${path}$`), op, fn }));

export class StandIn {
  constructor({ clientId, clientSecret, webhookId }) {
    this.cfg = { clientId, clientSecret, webhookId, expiresIn: 32400 };
    this.url = null;
    const base = () => this.url;
    this.store = new Store(base);
    this.hooks = new Webhooks(this.store, this.cfg, base);
    this.tokens = new Map();
    this.log = [];
    this.violations = [];
    this.faults = [];
    this.idem = new Map(); // `${path}\n${PayPal-Request-Id}` -> {running} | {replay(ctx)}
    this.busy = new Set(); // payout references being processed
    this.seq = 0;
  }

  async handle(req, res) {
    const u = new URL(req.url, this.url);
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (u.pathname.startsWith('/__standin/')) return this.send({ req, res }, await control(this, req.method, u, raw));
    const entry = {
      seq: ++this.seq, method: req.method, path: u.pathname, query: Object.fromEntries(u.searchParams),
      headers: { ...req.headers }, body: raw, status: null, dropped: false,
    };
    this.log.push(entry);
    const ctx = { req, res, u, raw, entry };
    let r;
    try {
      r = await this.dispatch(ctx);
    } catch (e) {
      console.error(e);
      r = err(500);
    }
    this.send(ctx, r);
  }

  send({ req, res, entry }, r) {
    if (r.drop) {
      entry.dropped = true;
      req.socket.destroy();
      return;
    }
    if (entry) entry.status = r.status;
    const headers = { 'paypal-debug-id': r.json?.debug_id ?? debugId() };
    let payload = '';
    if (r.json !== undefined) [headers['content-type'], payload] = ['application/json', JSON.stringify(r.json)];
    else if (r.html !== undefined) [headers['content-type'], payload] = ['text/html; charset=utf-8', r.html];
    else if (r.text !== undefined) [headers['content-type'], payload] = [r.type ?? 'text/plain', r.text];
    if (r.location) headers.location = r.location;
    res.writeHead(r.status, headers);
    res.end(payload);
  }

  violate(entry, problems) {
    for (const p of problems) {
      const v = { seq: entry.seq, method: entry.method, path: entry.path, field: p.field, issue: p.issue, description: p.description };
      if (p.value !== undefined) v.value = p.value;
      if (p.location !== undefined) v.location = p.location;
      this.violations.push(v);
    }
  }

  fromError(entry, e) {
    if (!(e instanceof PayPalError)) throw e;
    if (e.violation) this.violate(entry, [e]);
    return err(e.status, [e]);
  }

  takeFault(op) {
    const i = this.faults.findIndex((f) => f.op === op);
    if (i < 0) return null;
    const f = this.faults[i];
    if (--f.times <= 0) this.faults.splice(i, 1);
    const delay = /^delay_ms:(\d+)$/.exec(f.mode);
    return { mode: delay ? 'delay' : f.mode, delay: delay ? Number(delay[1]) : 0 };
  }

  authorized(req) {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const t = m && this.tokens.get(m[1]);
    return Boolean(t && !t.revoked && Date.now() < t.expiresAt);
  }

  async dispatch(ctx) {
    const { req, u, entry } = ctx;
    const page = this.page(ctx);
    if (page) return page;
    const route = ROUTES.find((r) => r.method === req.method && r.re.test(u.pathname));
    if (!route) {
      const description = `The stand-in has no ${req.method} ${u.pathname}.`;
      const p = { issue: 'INVALID_RESOURCE_ID', field: u.pathname, location: 'path', description };
      this.violate(entry, [p]);
      return err(404, [p]);
    }
    const params = u.pathname.match(route.re).slice(1).map(decodeURIComponent);
    const fault = this.takeFault(route.op);
    if (fault?.mode === 'drop_before') return { drop: true };
    if (fault?.mode === 'server_error') return err(500);
    if (fault?.mode === 'unauthorized') {
      return route.op === 'token' ? { status: 401, json: INVALID_CLIENT } : err(401);
    }
    const delay = fault?.delay ?? 0;
    let r;
    if (route.op === 'token') {
      await sleep(delay);
      r = this.token(ctx);
    } else if (!this.authorized(req)) {
      return err(401);
    } else if (req.method === 'GET') {
      await sleep(delay);
      try { r = this[route.fn](ctx, ...params); } catch (e) { r = this.fromError(entry, e); }
    } else {
      r = await this.post(ctx, route, params, delay);
    }
    return fault?.mode === 'drop_after' ? { drop: true } : r;
  }

  async post(ctx, route, params, delay) {
    const { req, u, raw, entry } = ctx;
    const { op } = route;
    const hp = checkHeaders(op, req.headers);
    const ct = req.headers['content-type'];
    if (!isJson(ct)) {
      hp.push({ status: 415, issue: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type', value: ct ?? '', description: 'Content-Type must be application/json.' });
    }
    this.violate(entry, hp);
    if (!isJson(ct)) return err(415, hp.filter((p) => p.status === 415));
    if (hp.some((p) => p.status === 400)) return err(400, hp.filter((p) => p.status === 400));
    let body = {};
    if (raw.trim() !== '') {
      try { body = JSON.parse(raw); } catch {
        const p = { status: 400, issue: 'MALFORMED_REQUEST_JSON', field: '', location: 'body', description: 'The request JSON is not well formed.' };
        this.violate(entry, [p]);
        return err(400, [p]);
      }
    }
    const bp = checkBody(op, body);
    if (bp.length) {
      this.violate(entry, bp);
      const b400 = bp.filter((p) => p.status === 400);
      return b400.length ? err(400, b400) : err(422, bp);
    }
    const requestId = req.headers['paypal-request-id'];
    if (op === 'create' && body.payment_source && requestId === undefined) {
      const description = 'A PayPal-Request-Id is required if you are trying to process payment for an Order.';
      return err(400, [{ issue: 'PAYPAL_REQUEST_ID_REQUIRED', field: 'paypal-request-id', description }]);
    }
    const key = requestId !== undefined && op !== 'verify' ? `${u.pathname}\n${requestId}` : null;
    const prev = key && this.idem.get(key);
    const conflict = (issue) => err(409, [{ issue, description: 'A previous request on this resource is currently in progress.' }]);
    if (prev?.running) return conflict(op === 'payout' ? 'ONGOING_ACTIVITY_ON_REFERENCE' : 'PREVIOUS_REQUEST_IN_PROGRESS');
    if (prev) return prev.replay(ctx);
    const ref = op === 'payout' ? body.reference_id : null;
    if (ref && this.busy.has(ref)) return conflict('ONGOING_ACTIVITY_ON_REFERENCE');
    if (key) this.idem.set(key, { running: true });
    if (ref) this.busy.add(ref);
    try {
      await sleep(delay);
      const r = this[route.fn](ctx, body, ...params);
      if (key) this.idem.set(key, { replay: r.replay });
      return r;
    } catch (e) {
      if (key) this.idem.delete(key);
      return this.fromError(entry, e);
    } finally {
      if (ref) this.busy.delete(ref);
    }
  }

  // --- PayPal operations: `{status, json, replay(ctx)}` -------------------------------------------

  token({ req, raw, entry }) {
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const [id, ...secret] = m ? Buffer.from(m[1], 'base64').toString('utf8').split(':') : [];
    if (id !== this.cfg.clientId || secret.join(':') !== this.cfg.clientSecret) return { status: 401, json: INVALID_CLIENT };
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      const description = 'The token request is a form: application/x-www-form-urlencoded.';
      this.violate(entry, [{ issue: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type', value: req.headers['content-type'] ?? '', description }]);
    }
    const grant = new URLSearchParams(raw).get('grant_type');
    if (grant !== 'client_credentials') {
      const description = 'grant_type must be client_credentials.';
      this.violate(entry, [{ issue: 'INVALID_PARAMETER_VALUE', field: 'grant_type', value: grant ?? '', location: 'body', description }]);
      const error_description = grant ? `Grant Type ${grant} is not supported` : 'Grant Type is NULL';
      return { status: 400, json: { error: 'unsupported_grant_type', error_description } };
    }
    const token = `A21AA${randomBytes(48).toString('base64url')}`;
    const expiresIn = this.cfg.expiresIn;
    this.tokens.set(token, { expiresAt: Date.now() + expiresIn * 1000, revoked: false });
    const nonce = `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}${randomBytes(32).toString('base64url')}`;
    const app = 'APP-80W284485P519543T';
    return { status: 200, json: { scope: SCOPES, access_token: token, token_type: 'Bearer', app_id: app, expires_in: expiresIn, nonce } };
  }

  orderById(entry, id) {
    if (!/^[A-Z0-9]{1,36}$/.test(id)) {
      throw new PayPalError(404, 'INVALID_RESOURCE_ID', 'An order id is 1 to 36 of ^[A-Z0-9]+$.',
        { field: 'id', value: id, location: 'path', violation: true });
    }
    return this.store.order(id);
  }

  orderAnswer(o, first) {
    const answer = (c, status) => ({ status, json: this.store.orderRep(o, wantsFull(c.req)) });
    return { ...answer(first.ctx, first.status), replay: (c) => answer(c, 200) };
  }

  create(ctx, body) {
    return this.orderAnswer(this.store.create(body), { ctx, status: 201 });
  }

  confirm(ctx, body, id) {
    const o = this.orderById(ctx.entry, id);
    this.store.confirm(o, body);
    return this.orderAnswer(o, { ctx, status: 200 });
  }

  capture(ctx, body, id) {
    const o = this.orderById(ctx.entry, id);
    this.store.capture(o, body);
    return this.orderAnswer(o, { ctx, status: 201 });
  }

  track(ctx, body, id) {
    const o = this.orderById(ctx.entry, id);
    this.store.track(o, body);
    const answer = (status) => ({ status, json: this.store.orderRep(o, true) });
    return { ...answer(201), replay: () => answer(200) };
  }

  refund(ctx, body, id) {
    const r = this.store.refund(this.store.findCapture(id), body);
    // The Payments document gives the refund only a 201, replays included.
    const answer = (c) => ({ status: 201, json: this.store.refundRep(r, wantsFull(c.req)) });
    return { ...answer(ctx), replay: answer };
  }

  payout(ctx, body) {
    const { status, item } = this.store.payout(body);
    return { status, json: this.store.payoutRep(item), replay: () => ({ status: 200, json: this.store.payoutRep(item) }) };
  }

  verify(ctx, body) {
    return { status: 200, json: { verification_status: this.hooks.verify(body) } };
  }

  getOrder({ u, entry }, id) {
    const fields = u.searchParams.get('fields');
    if (fields !== null && !/^[a-z_]*$/.test(fields)) {
      throw new PayPalError(400, 'INVALID_PARAMETER_SYNTAX', 'fields must match ^[a-z_]*$.',
        { field: 'fields', value: fields, location: 'query', violation: true });
    }
    return { status: 200, json: this.store.orderRep(this.orderById(entry, id), true) };
  }

  getCapture(ctx, id) {
    return { status: 200, json: this.store.captureRep(this.store.findCapture(id), true) };
  }

  getRefund(ctx, id) {
    return { status: 200, json: this.store.refundRep(this.store.findRefund(id), true) };
  }

  getPayout(ctx, id) {
    return { status: 200, json: this.store.payoutRep(this.store.findPayout(id)) };
  }

  // --- the buyer's pages ----------------------------------------------------------------------

  page({ req, u, raw }) {
    if (u.pathname === this.hooks.certPath && req.method === 'GET') {
      return { status: 200, text: this.hooks.certPem, type: 'application/x-pem-file' };
    }
    if (u.pathname === '/favicon.ico') return { status: 204 };
    const pages = { '/checkoutnow': 'checkout', '/webapps/helios': 'helios' };
    const kind = pages[u.pathname];
    if (!kind || !['GET', 'POST'].includes(req.method)) return null;
    const form = new URLSearchParams(raw);
    const id = u.searchParams.get('token') ?? form.get('token') ?? '';
    const o = this.store.orders.get(id);
    if (!o) return html(404, 'No such order', `<p>No order ${escape(id)}.</p>`);
    const pu = o.purchase_units[0];
    const about = `${pu.amount.value} ${pu.amount.currency_code}${pu.description ? ` - ${pu.description}` : ''}`;
    const what = `<p id="order">Order <b>${escape(o.id)}</b>: ${escape(about)}</p>`;
    const action = `${kind === 'checkout' ? '/checkoutnow' : '/webapps/helios'}?token=${encodeURIComponent(o.id)}`;
    const button = ([v, label]) => `<button type="submit" name="choice" value="${v}" id="${label.toLowerCase()}">${label}</button>`;
    const buttons = (list) => `<form method="post" action="${escape(action)}">${list.map(button).join(' ')}</form>`;
    try {
      if (kind === 'checkout') {
        if (req.method === 'GET') {
          return html(200, 'PayPal stand-in: log in and pay', what + buttons([['approve', 'Approve'], ['cancel', 'Cancel']]));
        }
        if (form.get('choice') === 'cancel') {
          const to = this.store.cancelUrl(o);
          return to ? redirect(to) : html(200, 'Cancelled', what);
        }
        const to = this.store.approve(o);
        return to ? redirect(to) : html(200, 'Approved', what);
      }
      if (req.method === 'GET') return html(200, 'PayPal stand-in: 3-D Secure', what + buttons([['POSSIBLE', 'Complete'], ['NO', 'Fail']]));
      const to = this.store.authenticate(o, form.get('choice') === 'POSSIBLE' ? 'POSSIBLE' : 'NO');
      return to ? redirect(to) : html(200, 'Authentication done', what);
    } catch (e) {
      if (!(e instanceof PayPalError)) throw e;
      return html(e.status, 'Cannot do that', `<p>${escape(e.issue)}: ${escape(e.description)}</p>`);
    }
  }
}

export async function start(options = {}) {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const standin = new StandIn(o);
  const server = http.createServer((req, res) => {
    standin.handle(req, res).catch((e) => {
      console.error(e);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody(500)));
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  standin.url = `http://127.0.0.1:${server.address().port}`;
  const close = () => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return { url: standin.url, close, standin };
}

export function parseArgs(argv, env = process.env) {
  const o = {
    port: env.STANDIN_PORT !== undefined ? Number(env.STANDIN_PORT) : undefined,
    clientId: env.STANDIN_CLIENT_ID, clientSecret: env.STANDIN_CLIENT_SECRET, webhookId: env.STANDIN_WEBHOOK_ID,
  };
  const names = { '--port': 'port', '--client-id': 'clientId', '--client-secret': 'clientSecret', '--webhook-id': 'webhookId' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const key = names[flag];
    if (!key) throw new Error(`unknown option ${flag}; options: ${Object.keys(names).join(' ')}`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    o[key] = key === 'port' ? Number(v) : v;
  }
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port < 65536)) throw new Error('--port must be 0 to 65535');
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const { url, close } = await start(options);
  process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
  const stop = () => close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // A parent that may never stop it (a test binary's static) holds its stdin instead: the
  // stand-in goes when that pipe closes, which the operating system does when the parent exits.
  if (process.env.STANDIN_EXIT_WITH_STDIN === '1') {
    process.stdin.once('end', stop);
    process.stdin.once('error', stop);
    process.stdin.resume();
  }
}
