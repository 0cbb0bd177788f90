// The stand-in's control API under /__standin/ (no auth, not logged): the request log, the
// violations, faults, token revocation, the buyer's actions without a browser, settling pending
// money, and webhooks. Answers `{status, json}`; README.md lists every call.
import { PayPalError } from './orders.mjs';

export const FAULT_OPS = ['token', 'create', 'confirm', 'capture', 'get', 'track', 'refund', 'payout', 'verify'];
// The refund status enum of the Payments document.
const REFUND_STATUSES = ['COMPLETED', 'PENDING', 'FAILED', 'CANCELLED'];
const FAULT_MODES = /^(unauthorized|server_error|drop_before|drop_after|delay_ms:\d+)$/;
const ok = (json, status = 200) => ({ status, json });
const bad = (description, status = 400) => { throw new PayPalError(status, 'INVALID_CONTROL_REQUEST', description); };

function internal(s, o) {
  const rep = s.store.orderRep(o, true);
  const src = o.source;
  rep._standin = {
    source: src && (src.kind === 'card'
      ? { kind: 'card', last_digits: src.last_digits, brand: src.brand, three_ds: src.threeDS, authentication: src.auth, experience_context: src.experience }
      : { kind: 'paypal', approved: Boolean(src.approved) }),
    context: o.context,
    captures: o.captures.flat().length,
    trackers: o.trackers.flat().map((t) => t.request),
  };
  return rep;
}

async function notify(s, url, eventType, extra) {
  if (!url) return undefined;
  return s.hooks.send(url, s.hooks.build({ event_type: eventType, ...extra }));
}

const ROUTES = [
  ['GET', '/requests', (s) => ok(s.log)],
  ['DELETE', '/requests', (s) => ok({ cleared: s.log.splice(0).length })],
  ['GET', '/violations', (s) => ok(s.violations)],
  ['DELETE', '/violations', (s) => ok({ cleared: s.violations.splice(0).length })],
  ['GET', '/faults', (s) => ok(s.faults)],
  ['POST', '/faults', (s, b) => {
    if (!FAULT_OPS.includes(b.op)) bad(`op must be one of ${FAULT_OPS.join(', ')}`);
    if (typeof b.mode !== 'string' || !FAULT_MODES.test(b.mode)) bad('mode must be unauthorized, server_error, drop_before, drop_after or delay_ms:N');
    const times = b.times ?? 1;
    if (!Number.isInteger(times) || times < 1) bad('times must be a positive integer');
    const f = { op: b.op, mode: b.mode, times };
    s.faults.push(f);
    return ok(f, 201);
  }],
  ['DELETE', '/faults', (s) => ok({ cleared: s.faults.splice(0).length })],
  ['POST', '/tokens/revoke', (s) => {
    for (const t of s.tokens.values()) t.revoked = true;
    return ok({ revoked: s.tokens.size });
  }],
  ['GET', '/config', (s) => ok({ expires_in: s.cfg.expiresIn, client_id: s.cfg.clientId, webhook_id: s.cfg.webhookId, cert_url: s.hooks.certUrl() })],
  ['POST', '/config', (s, b) => {
    if (b.expires_in !== undefined) {
      if (!Number.isInteger(b.expires_in) || b.expires_in < 0) bad('expires_in must be a whole number of seconds');
      s.cfg.expiresIn = b.expires_in;
    }
    return ok({ expires_in: s.cfg.expiresIn });
  }],
  ['GET', '/orders/([^/]+)', (s, b, id) => ok(internal(s, s.store.order(id)))],
  ['POST', '/orders/([^/]+)/approve', (s, b, id) => {
    const o = s.store.order(id);
    const redirect = s.store.approve(o, b);
    return ok({ redirect, order: s.store.orderRep(o, true) });
  }],
  ['POST', '/orders/([^/]+)/authenticate', (s, b, id) => {
    const o = s.store.order(id);
    const redirect = s.store.authenticate(o, b.liability_shift ?? 'POSSIBLE');
    return ok({ redirect, order: s.store.orderRep(o, true) });
  }],
  ['GET', '/captures', (s) => ok([...s.store.captures.values()].map((c) => s.store.captureRep(c, true)))],
  ['POST', '/captures/([^/]+)/settle', async (s, b, id) => {
    const c = s.store.findCapture(id);
    if (c.status !== 'PENDING') bad(`capture ${id} is ${c.status}, not PENDING`, 422);
    if (!['COMPLETED', 'DECLINED'].includes(b.status)) bad('status must be COMPLETED or DECLINED');
    c.status = b.status;
    delete c.status_details;
    if (b.status === 'DECLINED') delete c.breakdown;
    c.update_time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const type = b.status === 'COMPLETED' ? 'PAYMENT.CAPTURE.COMPLETED' : 'PAYMENT.CAPTURE.DENIED';
    const webhook = await notify(s, b.notify, type, { capture_id: id });
    return ok({ capture: s.store.captureRep(c, true), webhook });
  }],
  ['POST', '/refunds/outcomes', (s, b) => {
    if (!REFUND_STATUSES.includes(b.status)) bad(`status must be one of ${REFUND_STATUSES.join(', ')}`);
    const times = b.times ?? 1;
    if (!Number.isInteger(times) || times < 1) bad('times must be a positive integer');
    const outcome = { status: b.status, times };
    s.store.refundOutcomes.push(outcome);
    return ok({ ...outcome }, 201);
  }],
  ['DELETE', '/refunds/outcomes', (s) => ok({ cleared: s.store.refundOutcomes.splice(0).length })],
  ['POST', '/refunds/([^/]+)/settle', async (s, b, id) => {
    const r = s.store.findRefund(id);
    s.store.settleRefund(r, b.status);
    const webhook = b.status === 'COMPLETED' ? await notify(s, b.notify, 'PAYMENT.CAPTURE.REFUNDED', { refund_id: id }) : undefined;
    return ok({ refund: s.store.refundRep(r, true), webhook });
  }],
  ['POST', '/webhooks/send', async (s, b) => {
    if (typeof b.url !== 'string') bad('url is required');
    const event = s.hooks.build(b);
    return ok(await s.hooks.send(b.url, event, b.webhook_id ?? s.cfg.webhookId));
  }],
  ['POST', '/webhooks/resend', async (s, b) => {
    if (typeof b.url !== 'string' || b.event === undefined || typeof b.headers !== 'object') bad('url, event and headers are required');
    return ok(await s.hooks.resend(b.url, b.event, b.headers));
  }],
].map(([method, path, fn]) => ({ method, re: new RegExp(`^${path}$`), fn }));

export async function control(s, method, u, raw) {
  const path = u.pathname.slice('/__standin'.length);
  const route = ROUTES.find((r) => r.method === method && r.re.test(path));
  if (!route) return ok({ error: 'NOT_FOUND', description: `no control call ${method} /__standin${path}` }, 404);
  let body = {};
  try {
    if (raw.trim() !== '') body = JSON.parse(raw);
  } catch {
    return ok({ error: 'INVALID_CONTROL_REQUEST', description: 'the body is not JSON' }, 400);
  }
  try {
    return await route.fn(s, body ?? {}, ...path.match(route.re).slice(1).map(decodeURIComponent));
  } catch (e) {
    if (!(e instanceof PayPalError)) throw e;
    return ok({ error: e.issue, description: e.description }, e.status);
  }
}
