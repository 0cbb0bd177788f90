// The PayPal stand-in's resources: orders (Orders v2), captures and refunds (Payments v2) and
// referenced payout items (Referenced Payouts v1), with their JSON as the documents lay it out.
// Operations change the store or throw a PayPalError.
import { randomBytes } from 'node:crypto';
import { decimals, fromMinor, toMinor } from './validate.mjs';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const rid = (n, abc = ALNUM) => [...randomBytes(n)].map((b) => abc[b % abc.length]).join('');
export const accountId = () => rid(13, '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'); // ^[2-9A-HJ-NP-Z]{13}$
export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const clone = (v) => structuredClone(v);
const link = (href, rel, method = 'GET') => ({ href, rel, method });
const money = (minor, cur) => ({ currency_code: cur, value: fromMinor(minor, cur) });
const fee = (gross, cur) => Math.round((gross * 349) / 10000) + (decimals(cur) ? 49 : 40); // made up

/** The merchant a purchase unit pays when it names no payee (the API caller). */
export const CALLER_MERCHANT_ID = 'PLATFRMSELLR2';

export class PayPalError extends Error {
  /** `violation`: the request broke a rule of the documents, so it is recorded. */
  constructor(status, issue, description, { field, value, location = 'body', violation = false } = {}) {
    super(`${status} ${issue}`);
    Object.assign(this, { status, issue, description, field, value, location, violation });
  }
}
const fail = (...a) => { throw new PayPalError(...a); };
const notFound = (field, value, location = 'path') => fail(404, 'INVALID_RESOURCE_ID',
  'Specified resource ID does not exist. Please check the resource ID and try again.', { field, value, location });

/** Capture outcome by card number (test cards; every other number captures COMPLETED). */
export const CARD_OUTCOMES = {
  '4000000000000002': { status: 'DECLINED', response_code: '0500' }, // do not honor: the generic decline
  '4000000000009995': { status: 'DECLINED', response_code: '5120' }, // insufficient funds
  '4000000000000069': { status: 'DECLINED', response_code: '5400' }, // expired card
  '4000000000000127': { status: 'DECLINED', response_code: '00N7', cvv_code: 'N' }, // CVV check failed
  '4000000000000119': { status: 'FAILED' },
  '4000000000000259': { status: 'PENDING', reason: 'PENDING_REVIEW' },
};
export const THREE_DS_CARD = '4000002760003184';

const BRANDS = [[/^4/, 'VISA'], [/^(5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/, 'MASTERCARD'], [/^3[47]/, 'AMEX'],
  [/^(6011|65|64[4-9])/, 'DISCOVER'], [/^35(2[89]|[3-8])/, 'JCB']];
const brandOf = (n) => BRANDS.find(([re]) => re.test(n))?.[1];

export class Store {
  constructor(base) {
    this.base = base; // () => 'http://127.0.0.1:PORT'
    this.orders = new Map();
    this.captures = new Map();
    this.refunds = new Map();
    this.refundOutcomes = []; // [{status, times}]: what the next refunds are created as
    this.payouts = new Map();
    this.disputed = new Set(); // capture ids a dispute webhook was built for
  }

  order(id) {
    return this.orders.get(id) ?? notFound('id', id);
  }
  findCapture(id) {
    return this.captures.get(id) ?? notFound('capture_id', id);
  }
  findRefund(id) {
    return this.refunds.get(id) ?? notFound('refund_id', id);
  }
  findPayout(id) {
    return this.payouts.get(id) ?? notFound('payouts_item_id', id);
  }

  // --- orders ---------------------------------------------------------------------------------

  create(body) {
    const t = now();
    const o = {
      id: rid(17), intent: body.intent, status: 'CREATED', create_time: t, update_time: t,
      purchase_units: body.purchase_units.map((pu) => {
        const merchant = pu.payee?.merchant_id ?? CALLER_MERCHANT_ID;
        const email = pu.payee?.email_address ?? `seller-${merchant.toLowerCase()}@example.com`;
        return { reference_id: 'default', ...clone(pu), payee: { email_address: email, merchant_id: merchant } };
      }),
      captures: body.purchase_units.map(() => []), // capture ids, by purchase unit
      trackers: body.purchase_units.map(() => []),
      context: { ...body.application_context }, // return_url, cancel_url, shipping_preference...
      source: null, payer: null,
    };
    if (body.payment_source) this.applySource(o, body.payment_source);
    this.orders.set(o.id, o);
    return o;
  }

  applySource(o, ps) {
    if (ps.paypal) {
      Object.assign(o.context, ps.paypal.experience_context);
      o.source = { kind: 'paypal' };
      o.status = 'PAYER_ACTION_REQUIRED';
    } else if (ps.card) {
      const c = ps.card;
      const at = (k) => ({ field: `/payment_source/card/${k}`, value: c[k], violation: true });
      if (c.number === undefined) fail(422, 'CARD_NUMBER_REQUIRED', 'The card number is required.', at('number'));
      if (c.expiry === undefined) fail(422, 'CARD_EXPIRY_REQUIRED', 'The card expiry is required.', at('expiry'));
      const brand = brandOf(c.number) ?? fail(422, 'CARD_TYPE_NOT_SUPPORTED', 'Processing of this card type is not supported.',
        { field: '/payment_source/card/number' });
      if (c.security_code !== undefined && c.security_code.length !== (brand === 'AMEX' ? 4 : 3)) {
        fail(422, 'INVALID_SECURITY_CODE_LENGTH', 'The security_code length is invalid for the card brand.', at('security_code'));
      }
      if (c.expiry < now().slice(0, 7)) fail(422, 'CARD_EXPIRED', 'The card is expired', { ...at('expiry'), violation: false });
      const threeDS = c.number === THREE_DS_CARD;
      o.source = {
        kind: 'card', number: c.number, last_digits: c.number.slice(-4), brand, type: 'CREDIT', expiry: c.expiry,
        name: c.name, experience: c.experience_context ?? {}, threeDS, auth: null,
      };
      o.status = threeDS ? 'PAYER_ACTION_REQUIRED' : 'APPROVED';
    } else {
      const k = Object.keys(ps)[0];
      fail(422, 'NOT_SUPPORTED', `The stand-in takes payment_source.paypal or .card, not ${k}.`,
        { field: `/payment_source/${k}`, violation: true });
    }
    o.update_time = now();
  }

  confirm(o, body) {
    if (o.status === 'COMPLETED') fail(422, 'ORDER_CANNOT_BE_CONFIRMED', "An order with status = 'COMPLETED' cannot be confirmed again.");
    if (o.status === 'APPROVED') fail(422, 'PAYMENT_ALREADY_APPROVED', 'The payment has already been approved.');
    this.applySource(o, body.payment_source);
  }

  /** The buyer approves a PayPal order (the checkout page or the control API); the return URL. */
  approve(o, { payer = {}, shipping, capture_status } = {}) {
    if (o.status === 'COMPLETED') fail(422, 'ORDER_ALREADY_CAPTURED', 'Order already captured.');
    if (o.source?.kind === 'card') fail(422, 'PAYMENT_SOURCE_MISMATCH', 'This order is paid by card, not with PayPal.');
    if (![undefined, 'COMPLETED', 'PENDING', 'DECLINED'].includes(capture_status)) {
      fail(400, 'INVALID_PARAMETER_VALUE', 'capture_status must be COMPLETED, PENDING or DECLINED.');
    }
    o.payer = {
      name: { given_name: 'John', surname: 'Doe' }, email_address: 'sb-buyer@personal.example.com',
      payer_id: accountId(), address: { country_code: 'US' }, ...payer,
    };
    o.source = { kind: 'paypal', approved: true, capture_status };
    if ((o.context.shipping_preference ?? 'GET_FROM_FILE') === 'GET_FROM_FILE') {
      const full = [o.payer.name?.given_name, o.payer.name?.surname].filter(Boolean).join(' ') || 'John Doe';
      for (const pu of o.purchase_units) {
        pu.shipping = clone(shipping ?? { name: { full_name: full }, address: {
          address_line_1: '2211 N First Street', admin_area_2: 'San Jose', admin_area_1: 'CA', postal_code: '95131', country_code: 'US',
        } });
      }
    }
    o.status = 'APPROVED';
    o.update_time = now();
    return withQuery(o.context.return_url, { token: o.id, PayerID: o.payer.payer_id });
  }

  cancelUrl(o) {
    return withQuery(o.context.cancel_url, { token: o.id });
  }

  /** The buyer finishes the 3-D Secure challenge of a card order; the return URL. */
  authenticate(o, liabilityShift) {
    if (!o.source?.threeDS) fail(422, 'NOT_3DS', 'This order has no 3-D Secure challenge.');
    if (o.status !== 'PAYER_ACTION_REQUIRED') fail(422, 'NOT_AWAITING_AUTHENTICATION', `The order is ${o.status}.`);
    const status = { POSSIBLE: 'Y', YES: 'Y', NO: 'N', UNKNOWN: 'U' }[liabilityShift]
      ?? fail(400, 'INVALID_PARAMETER_VALUE', 'liability_shift must be POSSIBLE, NO, YES or UNKNOWN.');
    o.source.auth = { liability_shift: liabilityShift, three_d_secure: { enrollment_status: 'Y', authentication_status: status } };
    o.status = 'APPROVED';
    o.update_time = now();
    return withQuery(o.source.experience.return_url, { token: o.id });
  }

  capture(o, body) {
    if (o.intent !== 'CAPTURE') fail(422, 'ACTION_DOES_NOT_MATCH_INTENT', 'The stand-in captures intent=CAPTURE orders only.');
    if (o.status === 'COMPLETED') {
      fail(422, 'ORDER_ALREADY_CAPTURED', "Order already captured. If 'intent=CAPTURE' only one capture per order is allowed.");
    }
    if (body.payment_source && o.status === 'CREATED') this.applySource(o, body.payment_source);
    if (o.status === 'PAYER_ACTION_REQUIRED' && o.source?.kind === 'card') {
      fail(422, 'PAYER_ACTION_REQUIRED', 'Transaction cannot complete successfully, instruct the buyer to return to PayPal.');
    }
    if (o.status !== 'APPROVED') fail(422, 'ORDER_NOT_APPROVED', 'Payer has not yet approved the Order for payment.');
    const card = o.source.kind === 'card';
    const wallet = o.source.capture_status ?? 'COMPLETED';
    const outcome = card ? (CARD_OUTCOMES[o.source.number] ?? { status: 'COMPLETED' })
      : { status: wallet, reason: wallet === 'PENDING' ? 'ECHECK' : undefined };
    const t = now();
    o.purchase_units.forEach((pu, i) => {
      const cur = pu.amount.currency_code;
      const gross = toMinor(pu.amount.value, cur);
      const fees = pu.payment_instruction?.platform_fees;
      const c = {
        id: rid(17), order_id: o.id, status: outcome.status, amount: clone(pu.amount), final_capture: true,
        disbursement_mode: pu.payment_instruction?.disbursement_mode ?? 'INSTANT',
        seller_protection: card ? { status: 'NOT_ELIGIBLE' }
          : { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
        custom_id: pu.custom_id, invoice_id: pu.invoice_id, payee: pu.payee, refunds: [], create_time: t, update_time: t,
      };
      if (outcome.reason) c.status_details = { reason: outcome.reason };
      if (['COMPLETED', 'PENDING'].includes(c.status)) {
        const platform = (fees ?? []).reduce((s, f) => s + toMinor(f.amount.value, cur), 0);
        c.breakdown = { gross, fee: fee(gross, cur), platform, platform_fees: fees };
      }
      if (card) {
        c.processor_response = { avs_code: 'Y', cvv_code: outcome.cvv_code ?? 'M' };
        if (outcome.status !== 'FAILED') c.processor_response.response_code = outcome.response_code ?? '0000';
        c.network_transaction_reference = { id: rid(15, '0123456789'), network: o.source.brand };
      }
      this.captures.set(c.id, c);
      o.captures[i].push(c.id);
    });
    o.status = 'COMPLETED';
    o.update_time = t;
  }

  track(o, t) {
    const at = { field: '/capture_id', value: t.capture_id };
    const i = o.captures.findIndex((ids) => ids.includes(t.capture_id));
    if (i < 0) fail(422, 'CAPTURE_ID_NOT_FOUND', 'Specified capture ID does not exist.', at);
    if (!['COMPLETED', 'PARTIALLY_REFUNDED'].includes(this.captures.get(t.capture_id).status)) {
      fail(422, 'CAPTURE_STATUS_NOT_VALID', 'Tracker information can only be added to captures in `COMPLETED` state.', at);
    }
    const id = `${t.transaction_id}-${t.tracking_number ?? rid(10)}`;
    const ts = now();
    o.trackers[i] = o.trackers[i].filter((x) => x.id !== id);
    o.trackers[i].push({ id, request: clone(t), status: t.status, items: t.items ?? [], create_time: ts, update_time: ts });
    o.update_time = ts;
  }

  // --- representations ------------------------------------------------------------------------

  orderLinks(o) {
    const self = `${this.base()}/v2/checkout/orders/${o.id}`;
    const links = [link(self, 'self')];
    const buyer = o.source?.kind === 'card' ? `/webapps/helios?action=verify&token=${o.id}` : `/checkoutnow?token=${o.id}`;
    if (o.status === 'CREATED') links.push(link(this.base() + buyer, 'approve'));
    if (o.status === 'PAYER_ACTION_REQUIRED') links.push(link(this.base() + buyer, 'payer-action'));
    if (['CREATED', 'APPROVED'].includes(o.status)) links.push(link(self, 'update', 'PATCH'), link(`${self}/capture`, 'capture', 'POST'));
    return links;
  }

  sourceRep(o) {
    const s = o.source;
    if (s?.kind === 'card') {
      const card = { last_digits: s.last_digits, brand: s.brand, type: s.type, expiry: s.expiry };
      if (s.name !== undefined) card.name = s.name;
      if (s.auth) card.authentication_result = clone(s.auth);
      return { card };
    }
    if (!s?.approved) return s ? { paypal: {} } : undefined;
    const p = o.payer;
    const paypal = { email_address: p.email_address, account_id: p.payer_id, account_status: 'VERIFIED' };
    return { paypal: { ...paypal, name: clone(p.name), address: clone(p.address) } };
  }

  /** The order as PayPal answers it; `full` false is `Prefer: return=minimal`. */
  orderRep(o, full = true) {
    if (!full) return { id: o.id, status: o.status, links: this.orderLinks(o) };
    const rep = { id: o.id, intent: o.intent, status: o.status, payment_source: this.sourceRep(o) };
    if (!rep.payment_source) delete rep.payment_source;
    rep.purchase_units = o.purchase_units.map((pu, i) => {
      const u = clone(pu);
      const caps = o.captures[i].map((id) => this.captures.get(id));
      if (caps.length) {
        u.payments = { captures: caps.map((c) => this.captureRep(c)) };
        const refunds = caps.flatMap((c) => c.refunds.map((id) => this.refundRep(this.refunds.get(id))));
        if (refunds.length) u.payments.refunds = refunds;
      }
      if (o.trackers[i].length) u.shipping = { ...u.shipping, trackers: o.trackers[i].map((t) => this.trackerRep(o, t)) };
      return u;
    });
    if (o.payer) rep.payer = clone(o.payer);
    return Object.assign(rep, { create_time: o.create_time, update_time: o.update_time, links: this.orderLinks(o) });
  }

  trackerRep(o, t) {
    const order = `${this.base()}/v2/checkout/orders/${o.id}`;
    const links = [link(`${order}/trackers/${t.id}`, 'self'), link(`${order}/trackers/${t.id}`, 'replace', 'PATCH'), link(order, 'up')];
    return { id: t.id, status: t.status, items: clone(t.items), links, create_time: t.create_time, update_time: t.update_time };
  }

  /** A capture in the Orders document's shape, or with `payments` the Payments document's
   * (which adds supplementary_data.related_ids and payee). */
  captureRep(c, payments = false) {
    const cur = c.amount.currency_code;
    const r = { id: c.id, status: c.status, status_details: clone(c.status_details), amount: clone(c.amount) };
    r.final_capture = c.final_capture;
    r.disbursement_mode = c.disbursement_mode;
    r.seller_protection = clone(c.seller_protection);
    const b = c.breakdown;
    if (b) {
      r.seller_receivable_breakdown = dropUndefined({
        gross_amount: money(b.gross, cur), paypal_fee: money(b.fee, cur),
        net_amount: money(b.gross - b.fee - b.platform, cur), platform_fees: clone(b.platform_fees),
      });
    }
    for (const k of ['invoice_id', 'custom_id', 'network_transaction_reference', 'processor_response']) r[k] = clone(c[k]);
    const self = `${this.base()}/v2/payments/captures/${c.id}`;
    r.links = [link(self, 'self')];
    if (['COMPLETED', 'PARTIALLY_REFUNDED'].includes(c.status)) r.links.push(link(`${self}/refund`, 'refund', 'POST'));
    r.links.push(link(`${this.base()}/v2/checkout/orders/${c.order_id}`, 'up'));
    if (payments) Object.assign(r, { supplementary_data: { related_ids: { order_id: c.order_id } }, payee: clone(c.payee) });
    return dropUndefined(Object.assign(r, { create_time: c.create_time, update_time: c.update_time }));
  }

  // --- refunds --------------------------------------------------------------------------------

  refunded(c, statuses) {
    return c.refunds.map((id) => this.refunds.get(id)).filter((r) => statuses.includes(r.status))
      .reduce((s, r) => s + toMinor(r.amount.value, r.amount.currency_code), 0);
  }

  syncCapture(c) {
    if (!['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(c.status)) return;
    const done = this.refunded(c, ['COMPLETED']);
    c.status = done === 0 ? 'COMPLETED' : done >= toMinor(c.amount.value, c.amount.currency_code) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    c.update_time = now();
  }

  refund(c, body) {
    if (['DECLINED', 'FAILED'].includes(c.status)) fail(422, 'REFUND_NOT_ALLOWED', 'Capture cannot be refunded.');
    if (c.status === 'PENDING') fail(422, 'PENDING_CAPTURE', 'Cannot initiate a refund as the capture is pending.');
    const cur = c.amount.currency_code;
    const left = toMinor(c.amount.value, cur) - this.refunded(c, ['COMPLETED', 'PENDING']);
    if (left <= 0) fail(422, 'CAPTURE_FULLY_REFUNDED', 'The capture has already been fully refunded');
    let amount = left;
    if (body.amount) {
      const { currency_code: code, value } = body.amount;
      if (code !== cur) {
        fail(422, 'REFUND_CAPTURE_CURRENCY_MISMATCH', 'Refund must be in the same currency as the capture',
          { field: '/amount/currency_code', value: code });
      }
      amount = toMinor(value, cur);
      if (amount > left) {
        fail(422, 'REFUND_AMOUNT_EXCEEDED', 'The refund amount must be less than or equal to the capture amount that has not yet been refunded.',
          { field: '/amount/value', value });
      }
    }
    const marks = `${c.custom_id ?? ''} ${body.custom_id ?? ''}`;
    const status = this.nextRefundOutcome()
      ?? (marks.includes('refund_fail') ? 'FAILED' : marks.includes('refund_pending') ? 'PENDING' : 'COMPLETED');
    const t = now();
    const r = {
      id: rid(17), capture_id: c.id, status, amount: money(amount, cur), custom_id: body.custom_id ?? c.custom_id,
      invoice_id: body.invoice_id, note_to_payer: body.note_to_payer, create_time: t, update_time: t,
    };
    if (status === 'PENDING') r.status_details = { reason: 'ECHECK' };
    this.refunds.set(r.id, r);
    c.refunds.push(r.id);
    this.syncCapture(c);
    return r;
  }

  // The status a queued outcome gives the refund being created, if one is queued.
  nextRefundOutcome() {
    const next = this.refundOutcomes[0];
    if (!next) return undefined;
    if (--next.times === 0) this.refundOutcomes.shift();
    return next.status;
  }

  settleRefund(r, status) {
    if (r.status !== 'PENDING') fail(422, 'REFUND_NOT_PENDING', `The refund is ${r.status}.`);
    if (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(status)) {
      fail(400, 'INVALID_PARAMETER_VALUE', 'status must be COMPLETED, FAILED or CANCELLED.');
    }
    Object.assign(r, { status, status_details: undefined, update_time: now() });
    this.syncCapture(this.captures.get(r.capture_id));
  }

  refundRep(r, full = true) {
    const payments = `${this.base()}/v2/payments`;
    const links = [link(`${payments}/refunds/${r.id}`, 'self'), link(`${payments}/captures/${r.capture_id}`, 'up')];
    if (!full) return { id: r.id, status: r.status, links };
    const cur = r.amount.currency_code;
    const gross = toMinor(r.amount.value, cur);
    const f = Math.round((gross * 349) / 10000);
    const total = this.refunded(this.captures.get(r.capture_id), ['COMPLETED']);
    return dropUndefined({
      id: r.id, amount: clone(r.amount),
      seller_payable_breakdown: {
        gross_amount: money(gross, cur), paypal_fee: money(f, cur), net_amount: money(gross - f, cur),
        total_refunded_amount: money(total, cur),
      },
      invoice_id: r.invoice_id, custom_id: r.custom_id, note_to_payer: r.note_to_payer, status: r.status,
      status_details: clone(r.status_details), create_time: r.create_time, update_time: r.update_time, links,
    });
  }

  // --- referenced payouts ---------------------------------------------------------------------

  /** Releases a DELAYED capture's money to its payee. 200 when the reference was already paid out. */
  payout(body) {
    const paid = [...this.payouts.values()].find((p) => p.reference_id === body.reference_id && p.processing_state.status === 'SUCCESS');
    if (paid) return { status: 200, item: paid };
    const byId = body.reference_type === 'TRANSACTION_ID';
    const c = byId ? this.captures.get(body.reference_id) ?? notFound('/reference_id', body.reference_id, 'body') : undefined;
    const b = c?.breakdown;
    const amount = b ? b.gross - b.fee - b.platform - this.refunded(c, ['COMPLETED', 'PENDING']) : 0;
    const reason = !c ? 'INVALID_PARAMETERS'
      : c.status === 'PENDING' ? 'TRANSACTION_ON_HOLD'
        : ['DECLINED', 'FAILED'].includes(c.status) ? 'TRANSACTION_NOT_VALID'
          : this.disputed.has(c.id) ? 'TRANSACTION_UNDER_DISPUTE'
            : c.disbursement_mode !== 'DELAYED' ? 'PAYOUT_ALREADY_COMPLETED_FOR_REFERENCE'
              : amount <= 0 ? 'NO_AMOUNT_AVAILABLE_TO_DISBURSE' : undefined;
    const p = { item_id: rid(13), reference_id: body.reference_id, reference_type: body.reference_type };
    p.processing_state = reason ? { status: 'FAILED', reason } : { status: 'SUCCESS' };
    if (!reason) {
      Object.assign(p, {
        payout_amount: money(amount, c.amount.currency_code), payout_destination: c.payee.merchant_id,
        payout_transaction_id: rid(17), disbursement_transaction_id: rid(17),
      });
    }
    Object.assign(p, dropUndefined({ invoice_id: body.invoice_id, custom: body.custom }));
    this.payouts.set(p.item_id, p);
    return { status: 201, item: p };
  }

  payoutRep(p) {
    return { ...clone(p), links: [link(`${this.base()}/v1/payments/referenced-payouts-items/${p.item_id}`, 'self')] };
  }
}

function withQuery(url, q) {
  if (!url) return null;
  const u = new URL(url);
  for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
  return u.href;
}

function dropUndefined(o) {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
