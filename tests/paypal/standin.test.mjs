// Self-test of the PayPal stand-in: `node --test tests/paypal/standin.test.mjs`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import http from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { start } from './standin.mjs';
import { crc32 } from './webhooks.mjs';

let standin;
let base;
let token;
const RETURN = 'https://shop.example/return';
const CANCEL = 'https://shop.example/cancel';
let n = 0;
const rid = () => `test-${process.pid}-${++n}`;

async function call(method, path, { body, headers = {}, auth = token, raw } = {}) {
  const h = { ...headers };
  if (auth) h.authorization = `Bearer ${auth}`;
  if (body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers: h, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)), redirect: 'manual' });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers };
}
const post = (path, body, headers = {}) => call('POST', path, { body, headers: { 'paypal-request-id': rid(), ...headers } });
const full = { prefer: 'return=representation' };
const ctl = (method, path, body) => call(method, `/__standin${path}`, { body, auth: null });
const violations = async () => (await ctl('GET', '/violations')).json;

async function getToken(id = 'standin-client', secret = 'standin-secret') {
  return fetch(`${base}/v1/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
}
const unit = (extra = {}) => ({ reference_id: 'pu-1', custom_id: 'cp-1', description: 'Mug', amount: { currency_code: 'USD', value: '25.00' }, ...extra });
const card = (number, extra = {}) => ({
  card: {
    number, expiry: '2031-12', security_code: '123', name: 'Ada Lovelace',
    billing_address: { postal_code: '94107', country_code: 'US' },
    experience_context: { return_url: RETURN, cancel_url: CANCEL }, ...extra,
  },
});
async function cardOrder(number, pu = unit()) {
  const o = await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [pu] });
  assert.equal(o.status, 201);
  const c = await post(`/v2/checkout/orders/${o.json.id}/confirm-payment-source`, { payment_source: card(number) }, full);
  assert.equal(c.status, 200, c.text);
  return c.json;
}
const capture = (id, headers = {}) => post(`/v2/checkout/orders/${id}/capture`, {}, { ...full, ...headers });

before(async () => {
  standin = await start({ port: 0 });
  base = standin.url;
  token = (await (await getToken()).json()).access_token;
});
after(() => standin.close());
beforeEach(async () => {
  await ctl('DELETE', '/violations');
  await ctl('DELETE', '/faults');
});

test('token flow: Basic credentials give a Bearer token; revoked and expired tokens get 401', async () => {
  const res = await getToken();
  assert.equal(res.status, 200);
  const t = await res.json();
  assert.deepEqual(Object.keys(t).sort(), ['access_token', 'app_id', 'expires_in', 'nonce', 'scope', 'token_type']);
  assert.equal(t.token_type, 'Bearer');
  assert.equal(t.expires_in, 32400);
  assert.equal((await call('GET', '/v2/checkout/orders/NOSUCHORDER1', { auth: t.access_token })).status, 404);
  assert.equal((await ctl('POST', '/tokens/revoke')).status, 200);
  const revoked = await call('GET', '/v2/checkout/orders/NOSUCHORDER1', { auth: t.access_token });
  assert.equal(revoked.status, 401);
  assert.equal(revoked.json.name, 'AUTHENTICATION_FAILURE');
  assert.ok(revoked.json.debug_id && revoked.json.message && revoked.json.links.length);
  await ctl('POST', '/config', { expires_in: 0 });
  const short = await (await getToken()).json();
  assert.equal(short.expires_in, 0);
  assert.equal((await call('GET', '/v2/checkout/orders/NOSUCHORDER1', { auth: short.access_token })).status, 401);
  await ctl('POST', '/config', { expires_in: 32400 });
  token = (await (await getToken()).json()).access_token;
  assert.deepEqual(await violations(), []);
});

test('bad credentials and missing tokens', async () => {
  const res = await getToken('standin-client', 'wrong');
  assert.equal(res.status, 401);
  const body = await res.json();
  assert.equal(body.error, 'invalid_client');
  assert.ok(body.error_description);
  const none = await call('GET', '/v2/checkout/orders/ABC', { auth: null });
  assert.equal(none.status, 401);
  assert.equal(none.json.name, 'AUTHENTICATION_FAILURE');
});

test('create, confirm a card, capture: COMPLETED, and the card comes back masked', async () => {
  const created = await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit({ payee: { merchant_id: 'PLATFRMSELLR2' } })] });
  assert.equal(created.status, 201);
  assert.match(created.json.id, /^[A-Z0-9]{17}$/);
  assert.equal(created.json.status, 'CREATED');
  assert.deepEqual(Object.keys(created.json), ['id', 'status', 'links']); // return=minimal
  const confirmed = await post(`/v2/checkout/orders/${created.json.id}/confirm-payment-source`, { payment_source: card('4111111111111111') }, full);
  assert.equal(confirmed.json.status, 'APPROVED');
  assert.deepEqual(confirmed.json.payment_source.card, { last_digits: '1111', brand: 'VISA', type: 'CREDIT', expiry: '2031-12', name: 'Ada Lovelace' });
  assert.ok(!confirmed.text.includes('4111111111111111') && !confirmed.text.includes('"123"'));
  const cap = await capture(created.json.id);
  assert.equal(cap.status, 201);
  assert.equal(cap.json.status, 'COMPLETED');
  const c = cap.json.purchase_units[0].payments.captures[0];
  assert.match(c.id, /^[A-Z0-9]{17}$/);
  assert.equal(c.status, 'COMPLETED');
  assert.equal(c.final_capture, true);
  assert.equal(c.custom_id, 'cp-1');
  assert.equal(c.processor_response.response_code, '0000');
  assert.deepEqual(c.amount, { currency_code: 'USD', value: '25.00' });
  assert.ok(c.seller_protection && c.create_time && c.update_time && c.links.some((l) => l.rel === 'refund'));
  const byId = await call('GET', `/v2/payments/captures/${c.id}`);
  assert.equal(byId.json.supplementary_data.related_ids.order_id, created.json.id);
  assert.deepEqual(await violations(), []);
});

test('a declined capture leaves the order COMPLETED; a second capture is ORDER_ALREADY_CAPTURED', async () => {
  const o = await cardOrder('4000000000000002');
  const cap = await capture(o.id);
  assert.equal(cap.status, 201);
  assert.equal(cap.json.status, 'COMPLETED');
  const c = cap.json.purchase_units[0].payments.captures[0];
  assert.equal(c.status, 'DECLINED');
  assert.equal(c.processor_response.response_code, '0500');
  const again = await capture(o.id);
  assert.equal(again.status, 422);
  assert.equal(again.json.name, 'UNPROCESSABLE_ENTITY');
  assert.equal(again.json.details[0].issue, 'ORDER_ALREADY_CAPTURED');
  for (const [number, status, code] of [['4000000000009995', 'DECLINED', '5120'], ['4000000000000259', 'PENDING', '0000'], ['4000000000000119', 'FAILED', undefined]]) {
    const x = (await capture((await cardOrder(number)).id)).json.purchase_units[0].payments.captures[0];
    assert.equal(x.status, status, number);
    assert.equal(x.processor_response.response_code, code, number);
  }
  assert.deepEqual(await violations(), []);
});

test('3-D Secure card: payer-action link, helios page, liability shift in the order', async () => {
  const o = await cardOrder('4000002760003184');
  assert.equal(o.status, 'PAYER_ACTION_REQUIRED');
  const link = o.links.find((l) => l.rel === 'payer-action');
  assert.equal(link.href, `${base}/webapps/helios?action=verify&token=${o.id}`);
  const early = await capture(o.id);
  assert.equal(early.status, 422);
  const page = await call('GET', `/webapps/helios?action=verify&token=${o.id}`, { auth: null });
  assert.match(page.text, /Complete/);
  assert.match(page.text, /Fail/);
  const done = await call('POST', `/webapps/helios?token=${o.id}`, { auth: null, raw: 'choice=POSSIBLE', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), `${RETURN}?token=${o.id}`);
  const got = await call('GET', `/v2/checkout/orders/${o.id}`);
  assert.equal(got.json.status, 'APPROVED');
  assert.equal(got.json.payment_source.card.authentication_result.liability_shift, 'POSSIBLE');
  assert.equal((await capture(o.id)).json.purchase_units[0].payments.captures[0].status, 'COMPLETED');
  const other = await cardOrder('4000002760003184');
  await ctl('POST', `/orders/${other.id}/authenticate`, { liability_shift: 'NO' });
  assert.equal((await call('GET', `/v2/checkout/orders/${other.id}`)).json.payment_source.card.authentication_result.liability_shift, 'NO');
  assert.equal((await capture(other.id)).status, 201);
  assert.deepEqual(await violations(), []);
});

test('PayPal order: payer-action, approve via control, shipping from file, capture', async () => {
  const ps = { paypal: { experience_context: { return_url: RETURN, cancel_url: CANCEL, user_action: 'PAY_NOW', shipping_preference: 'GET_FROM_FILE', locale: 'en-US' } } };
  const o = await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit()], payment_source: ps }, full);
  assert.equal(o.json.status, 'PAYER_ACTION_REQUIRED');
  assert.equal(o.json.links.find((l) => l.rel === 'payer-action').href, `${base}/checkoutnow?token=${o.json.id}`);
  const early = await capture(o.json.id);
  assert.equal(early.json.details[0].issue, 'ORDER_NOT_APPROVED');
  const ok = await ctl('POST', `/orders/${o.json.id}/approve`, {});
  const back = new URL(ok.json.redirect);
  assert.equal(back.searchParams.get('token'), o.json.id);
  assert.match(back.searchParams.get('PayerID'), /^[2-9A-HJ-NP-Z]{13}$/);
  const got = (await call('GET', `/v2/checkout/orders/${o.json.id}`)).json;
  assert.equal(got.status, 'APPROVED');
  assert.equal(got.payer.payer_id, back.searchParams.get('PayerID'));
  assert.ok(got.purchase_units[0].shipping.address.postal_code && got.purchase_units[0].shipping.name.full_name);
  const cap = await capture(o.json.id);
  assert.equal(cap.json.purchase_units[0].payments.captures[0].status, 'COMPLETED');
  assert.equal(cap.json.payment_source.paypal.account_id, got.payer.payer_id);
  assert.ok(cap.json.payment_source.paypal.email_address);
  // The browser page: Approve and Cancel redirect with the token.
  const o2 = await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit()], payment_source: ps });
  const form = { auth: null, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  assert.match((await call('GET', `/checkoutnow?token=${o2.json.id}`, { auth: null })).text, /Approve/);
  const cancel = await call('POST', `/checkoutnow?token=${o2.json.id}`, { ...form, raw: 'choice=cancel' });
  assert.equal(cancel.headers.get('location'), `${CANCEL}?token=${o2.json.id}`);
  const approve = await call('POST', `/checkoutnow?token=${o2.json.id}`, { ...form, raw: 'choice=approve' });
  assert.equal(approve.status, 303);
  assert.match(approve.headers.get('location'), new RegExp(`^${RETURN}\\?token=${o2.json.id}&PayerID=[2-9A-HJ-NP-Z]{13}$`));
  assert.deepEqual(await violations(), []);
});

test('idempotency: a replay answers 200 with the same body; an overlapping one gets 409', async () => {
  const id = rid();
  const body = { intent: 'CAPTURE', purchase_units: [unit()] };
  const first = await post('/v2/checkout/orders', body, { 'paypal-request-id': id, ...full });
  const again = await post('/v2/checkout/orders', body, { 'paypal-request-id': id, ...full });
  assert.equal(first.status, 201);
  assert.equal(again.status, 200);
  assert.deepEqual(again.json, first.json);
  const o = await cardOrder('4111111111111111');
  const capId = rid();
  const c1 = await capture(o.id, { 'paypal-request-id': capId });
  const c2 = await capture(o.id, { 'paypal-request-id': capId });
  assert.deepEqual([c1.status, c2.status], [201, 200]);
  assert.deepEqual(c2.json, c1.json);
  const o2 = await cardOrder('4111111111111111');
  await ctl('POST', '/faults', { op: 'capture', mode: 'delay_ms:300' });
  const same = rid();
  const both = await Promise.all([capture(o2.id, { 'paypal-request-id': same }), capture(o2.id, { 'paypal-request-id': same })]);
  assert.deepEqual(both.map((r) => r.status).sort(), [201, 409]);
  assert.equal(both.find((r) => r.status === 409).json.name, 'RESOURCE_CONFLICT');
  assert.equal((await ctl('GET', `/orders/${o2.id}`)).json._standin.captures, 1);
  assert.deepEqual(await violations(), []);
});

test('a POST without PayPal-Request-Id is answered and recorded as a violation', async () => {
  const res = await call('POST', '/v2/checkout/orders', { body: { intent: 'CAPTURE', purchase_units: [unit()] } });
  assert.equal(res.status, 201);
  const v = await violations();
  assert.equal(v.length, 1);
  assert.equal(v[0].issue, 'PAYPAL_REQUEST_ID_REQUIRED');
  assert.equal(v[0].path, '/v2/checkout/orders');
});

test('JPY with decimals, a bad merchant id and a bad card expiry are refused and recorded', async () => {
  const jpy = await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit({ amount: { currency_code: 'JPY', value: '1500.50' } })] });
  assert.equal(jpy.status, 422);
  assert.equal(jpy.json.name, 'UNPROCESSABLE_ENTITY');
  assert.deepEqual(jpy.json.details[0], { field: '/purchase_units/0/amount/value', value: '1500.50', location: 'body', issue: 'DECIMALS_NOT_SUPPORTED', description: 'JPY does not support decimals.' });
  assert.equal((await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit({ amount: { currency_code: 'JPY', value: '1500' } })] })).status, 201);
  const payee = await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit({ payee: { merchant_id: 'PLATFRMSELLR0' } })] });
  assert.equal(payee.status, 400);
  assert.equal(payee.json.details[0].field, '/purchase_units/0/payee/merchant_id');
  const o = await post('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit()] });
  const exp = await post(`/v2/checkout/orders/${o.json.id}/confirm-payment-source`, { payment_source: card('4111111111111111', { expiry: '2031-13', billing_address: { postal_code: '1', country: 'US' } }) });
  assert.equal(exp.status, 400);
  assert.deepEqual(exp.json.details.map((d) => d.field).sort(), ['/payment_source/card/billing_address/country_code', '/payment_source/card/expiry']);
  const text = await call('POST', '/v2/checkout/orders', { raw: '{}', headers: { 'content-type': 'text/plain', 'paypal-request-id': rid() } });
  assert.equal(text.status, 415);
  assert.deepEqual((await violations()).map((v) => v.issue).sort(),
    ['DECIMALS_NOT_SUPPORTED', 'INVALID_PARAMETER_SYNTAX', 'INVALID_PARAMETER_SYNTAX', 'MISSING_REQUIRED_PARAMETER', 'UNSUPPORTED_MEDIA_TYPE']);
});

test('faults: drop_after really captures, the replay finds it; drop_before, server_error, unauthorized', async () => {
  const o = await cardOrder('4111111111111111');
  const id = rid();
  await ctl('POST', '/faults', { op: 'capture', mode: 'drop_after' });
  await assert.rejects(capture(o.id, { 'paypal-request-id': id }));
  const inside = (await ctl('GET', `/orders/${o.id}`)).json;
  assert.equal(inside.status, 'COMPLETED');
  assert.equal(inside._standin.captures, 1);
  const replay = await capture(o.id, { 'paypal-request-id': id });
  assert.equal(replay.status, 200);
  assert.equal(replay.json.purchase_units[0].payments.captures[0].id, inside.purchase_units[0].payments.captures[0].id);
  const log = (await ctl('GET', '/requests')).json.filter((e) => e.path === `/v2/checkout/orders/${o.id}/capture`);
  assert.deepEqual(log.map((e) => [e.dropped, e.status]), [[true, null], [false, 200]]);
  assert.equal(log[0].headers['paypal-request-id'], id);
  const o2 = await cardOrder('4111111111111111');
  await ctl('POST', '/faults', { op: 'capture', mode: 'drop_before' });
  await assert.rejects(capture(o2.id));
  assert.equal((await ctl('GET', `/orders/${o2.id}`)).json.status, 'APPROVED');
  await ctl('POST', '/faults', { op: 'capture', mode: 'server_error' });
  assert.equal((await capture(o2.id)).json.name, 'INTERNAL_SERVER_ERROR');
  await ctl('POST', '/faults', { op: 'get', mode: 'unauthorized', times: 2 });
  assert.equal((await call('GET', `/v2/checkout/orders/${o2.id}`)).status, 401);
  assert.equal((await call('GET', `/v2/checkout/orders/${o2.id}`)).status, 401);
  assert.equal((await call('GET', `/v2/checkout/orders/${o2.id}`)).status, 200);
  assert.deepEqual(await violations(), []);
});

/** A webhook target that keeps what it receives. */
async function receiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; }).on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { got, url: `http://127.0.0.1:${server.address().port}/hook`, close: () => new Promise((r) => server.close(r)) };
}
const verifyBody = (d, webhookId = 'WHSTANDIN') => ({
  auth_algo: d.headers['paypal-auth-algo'], cert_url: d.headers['paypal-cert-url'], transmission_id: d.headers['paypal-transmission-id'],
  transmission_sig: d.headers['paypal-transmission-sig'], transmission_time: d.headers['paypal-transmission-time'],
  webhook_id: webhookId, webhook_event: JSON.parse(d.body),
});

test('webhook send is signed for real and verifies SUCCESS; a resend verifies too', async () => {
  const hook = await receiver();
  try {
    const o = await cardOrder('4111111111111111');
    const capId = (await capture(o.id)).json.purchase_units[0].payments.captures[0].id;
    const sent = await ctl('POST', '/webhooks/send', { url: hook.url, event_type: 'PAYMENT.CAPTURE.COMPLETED', capture_id: capId });
    assert.equal(sent.json.status, 200);
    assert.equal(sent.json.body, 'ok');
    const d = hook.got[0];
    const event = JSON.parse(d.body);
    assert.match(event.id, /^WH-/);
    assert.equal(event.resource.id, capId);
    assert.equal(event.resource.supplementary_data.related_ids.order_id, o.id);
    assert.equal(event.resource_type, 'capture');
    assert.deepEqual(event, sent.json.event);
    assert.equal(d.headers['paypal-auth-algo'], 'SHA256withRSA');
    assert.equal(d.headers['content-type'], 'application/json');
    // Check the signature ourselves, with the key served at cert_url.
    const pem = await (await fetch(d.headers['paypal-cert-url'])).text();
    const message = `${d.headers['paypal-transmission-id']}|${d.headers['paypal-transmission-time']}|WHSTANDIN|${crc32(Buffer.from(d.body))}`;
    assert.ok(verify('sha256', Buffer.from(message), createPublicKey(pem), Buffer.from(d.headers['paypal-transmission-sig'], 'base64')));
    const v = await post('/v1/notifications/verify-webhook-signature', verifyBody(d));
    assert.deepEqual(v.json, { verification_status: 'SUCCESS' });
    await ctl('POST', '/webhooks/resend', { url: hook.url, event: sent.json.event, headers: sent.json.headers });
    assert.equal(hook.got[1].body, d.body);
    assert.equal((await post('/v1/notifications/verify-webhook-signature', verifyBody(hook.got[1]))).json.verification_status, 'SUCCESS');
    const dispute = await ctl('POST', '/webhooks/send', { url: hook.url, event_type: 'CUSTOMER.DISPUTE.CREATED', capture_id: capId });
    const tx = dispute.json.event.resource.disputed_transactions[0];
    assert.deepEqual([tx.seller_transaction_id, tx.custom], [capId, 'cp-1']);
    assert.deepEqual(await violations(), []);
  } finally {
    await hook.close();
  }
});

test('a tampered event, a wrong webhook id or an unknown transmission verify FAILURE', async () => {
  const hook = await receiver();
  try {
    await ctl('POST', '/webhooks/send', { url: hook.url, event_type: 'CHECKOUT.ORDER.APPROVED', resource: { id: 'X1', status: 'APPROVED' } });
    const good = verifyBody(hook.got[0]);
    const tampered = structuredClone(good);
    tampered.webhook_event.resource.status = 'COMPLETED';
    const fails = [tampered, { ...good, webhook_id: 'OTHERWEBHOOK' }, { ...good, transmission_id: 'a0000000-0000-0000-0000-000000000000' }];
    for (const b of fails) {
      assert.equal((await post('/v1/notifications/verify-webhook-signature', b)).json.verification_status, 'FAILURE');
    }
    const badId = await post('/v1/notifications/verify-webhook-signature', { ...good, webhook_id: 'WH-STANDIN' });
    assert.equal(badId.status, 400);
    assert.deepEqual((await violations()).map((v) => v.field), ['/webhook_id']);
  } finally {
    await hook.close();
  }
});

test('referenced payout of a DELAYED capture: SUCCESS, 200 on a replay, FAILED for INSTANT', async () => {
  const delayed = unit({ payee: { merchant_id: 'SELLERXYZ2345' }, payment_instruction: { disbursement_mode: 'DELAYED' } });
  const capId = (await capture((await cardOrder('4111111111111111', delayed)).id)).json.purchase_units[0].payments.captures[0].id;
  const id = rid();
  const first = await post('/v1/payments/referenced-payouts-items', { reference_id: capId, reference_type: 'TRANSACTION_ID' }, { 'paypal-request-id': id });
  assert.equal(first.status, 201);
  assert.equal(first.json.processing_state.status, 'SUCCESS');
  assert.equal(first.json.reference_id, capId);
  assert.equal(first.json.payout_destination, 'SELLERXYZ2345');
  assert.equal(first.json.payout_amount.currency_code, 'USD');
  assert.ok(Number(first.json.payout_amount.value) > 0 && Number(first.json.payout_amount.value) < 25);
  const replay = await post('/v1/payments/referenced-payouts-items', { reference_id: capId, reference_type: 'TRANSACTION_ID' }, { 'paypal-request-id': id });
  assert.equal(replay.status, 200);
  assert.deepEqual(replay.json, first.json);
  assert.equal((await call('GET', `/v1/payments/referenced-payouts-items/${first.json.item_id}`)).json.item_id, first.json.item_id);
  const instant = (await capture((await cardOrder('4111111111111111')).id)).json.purchase_units[0].payments.captures[0].id;
  const no = await post('/v1/payments/referenced-payouts-items', { reference_id: instant, reference_type: 'TRANSACTION_ID' });
  assert.deepEqual(no.json.processing_state, { status: 'FAILED', reason: 'PAYOUT_ALREADY_COMPLETED_FOR_REFERENCE' });
  assert.deepEqual(await violations(), []);
});

test('refunds: partial, the rest, too much; refund_pending in custom_id; track', async () => {
  const o = await cardOrder('4111111111111111', unit({ custom_id: 'order-7' }));
  const capId = (await capture(o.id)).json.purchase_units[0].payments.captures[0].id;
  const part = await post(`/v2/payments/captures/${capId}/refund`, { amount: { currency_code: 'USD', value: '5.00' }, note_to_payer: 'sorry' }, full);
  assert.equal(part.status, 201);
  assert.equal(part.json.status, 'COMPLETED');
  assert.match(part.json.id, /^[A-Z0-9]{17}$/);
  assert.equal((await call('GET', `/v2/payments/captures/${capId}`)).json.status, 'PARTIALLY_REFUNDED');
  const much = await post(`/v2/payments/captures/${capId}/refund`, { amount: { currency_code: 'USD', value: '30.00' } });
  assert.equal(much.json.details[0].issue, 'REFUND_AMOUNT_EXCEEDED');
  const rest = await post(`/v2/payments/captures/${capId}/refund`, {}, full);
  assert.deepEqual(rest.json.amount, { currency_code: 'USD', value: '20.00' });
  assert.equal((await call('GET', `/v2/payments/refunds/${rest.json.id}`)).json.status, 'COMPLETED');
  assert.equal((await call('GET', `/v2/checkout/orders/${o.id}`)).json.purchase_units[0].payments.captures[0].status, 'REFUNDED');
  const p = await cardOrder('4111111111111111', unit({ custom_id: 'x-refund_pending' }));
  const pCap = (await capture(p.id)).json.purchase_units[0].payments.captures[0].id;
  const pending = await post(`/v2/payments/captures/${pCap}/refund`, {});
  assert.equal(pending.json.status, 'PENDING');
  const tracked = await post(`/v2/checkout/orders/${p.id}/track`, { capture_id: pCap, transaction_id: pCap, status: 'SHIPPED', tracking_number: '1Z999', carrier: 'UPS', notify_payer: true });
  assert.equal(tracked.status, 201);
  assert.equal(tracked.json.purchase_units[0].shipping.trackers[0].id, `${pCap}-1Z999`);
  assert.deepEqual(await violations(), []);
});

test('refunds: a queued outcome is the next refunds\' status, FAILED and CANCELLED included', async () => {
  const o = await cardOrder('4111111111111111', unit({ custom_id: 'order-8' }));
  const capId = (await capture(o.id)).json.purchase_units[0].payments.captures[0].id;
  const refund = (headers = {}) => post(`/v2/payments/captures/${capId}/refund`, { amount: { currency_code: 'USD', value: '5.00' } }, { ...full, ...headers });
  assert.equal((await ctl('POST', '/refunds/outcomes', { status: 'REFUSED' })).status, 400);
  assert.equal((await ctl('POST', '/refunds/outcomes', { status: 'FAILED', times: 0 })).status, 400);
  assert.deepEqual((await ctl('POST', '/refunds/outcomes', { status: 'FAILED' })).json, { status: 'FAILED', times: 1 });
  assert.equal((await ctl('POST', '/refunds/outcomes', { status: 'CANCELLED', times: 2 })).status, 201);
  const failed = await refund({ 'paypal-request-id': 'refund-outcome-1' });
  assert.equal(failed.status, 201);
  assert.equal(failed.json.status, 'FAILED');
  // A replay answers the refund it replays, and takes no queued outcome.
  const replayed = await refund({ 'paypal-request-id': 'refund-outcome-1' });
  assert.deepEqual([replayed.json.id, replayed.json.status], [failed.json.id, 'FAILED']);
  assert.equal((await refund()).json.status, 'CANCELLED');
  const cancelled = await refund();
  assert.equal(cancelled.json.status, 'CANCELLED');
  assert.equal((await call('GET', `/v2/payments/refunds/${cancelled.json.id}`)).json.status, 'CANCELLED');
  // Nothing went back: the capture is whole, and the next refund completes.
  assert.equal((await call('GET', `/v2/payments/captures/${capId}`)).json.status, 'COMPLETED');
  assert.equal((await refund()).json.status, 'COMPLETED');
  await ctl('POST', '/refunds/outcomes', { status: 'PENDING', times: 3 });
  assert.deepEqual((await ctl('DELETE', '/refunds/outcomes')).json, { cleared: 1 });
  assert.equal((await refund()).json.status, 'COMPLETED');
  assert.deepEqual(await violations(), []);
});

test('a pending capture settles with a webhook', async () => {
  const hook = await receiver();
  try {
    const capId = (await capture((await cardOrder('4000000000000259')).id)).json.purchase_units[0].payments.captures[0].id;
    const settled = await ctl('POST', `/captures/${capId}/settle`, { status: 'COMPLETED', notify: hook.url });
    assert.equal(settled.json.capture.status, 'COMPLETED');
    assert.equal(JSON.parse(hook.got[0].body).event_type, 'PAYMENT.CAPTURE.COMPLETED');
    assert.ok((await ctl('GET', '/captures')).json.some((c) => c.id === capId && c.status === 'COMPLETED'));
  } finally {
    await hook.close();
  }
});

test('the command line prints one listening line and exits cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [new URL('./standin.mjs', import.meta.url).pathname, '--port', '0', '--webhook-id', 'WHCLI'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
  const { listening } = JSON.parse(line);
  assert.match(listening, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await (await fetch(`${listening}/__standin/config`)).json()).webhook_id, 'WHCLI');
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
});
