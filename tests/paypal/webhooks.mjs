// Webhooks of the PayPal stand-in: events built as the Webhooks v1 document's `event` schema
// lays them out, signed for real the way PayPal signs them (SHA256withRSA over
// `transmission_id|transmission_time|webhook_id|crc32(raw body)`, the CRC in decimal), and the
// verify-webhook-signature check. The "certificate" at cert_url is the PEM of the public key.
import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { PayPalError, rid } from './orders.mjs';

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** CRC-32 (IEEE) of a Buffer, as an unsigned integer. */
export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
export const signedMessage = (id, time, webhookId, raw) => `${id}|${time}|${webhookId}|${crc32(Buffer.from(raw))}`;

const bad = (description) => { throw new PayPalError(400, 'INVALID_PARAMETER_VALUE', description); };
const CAPTURE_EVENTS = {
  'PAYMENT.CAPTURE.COMPLETED': (a) => `Payment completed for ${a}`,
  'PAYMENT.CAPTURE.DENIED': (a) => `Payment denied for ${a}`,
  'PAYMENT.CAPTURE.PENDING': (a) => `Payment pending for ${a}`,
};
const money = (x) => `${x.value} ${x.currency_code}`;
const resourceTypeOf = (type) => (type === 'PAYMENT.CAPTURE.REFUNDED' ? 'refund'
  : type.startsWith('PAYMENT.CAPTURE.') ? 'capture' : type.startsWith('CHECKOUT.ORDER.') ? 'checkout-order'
    : type.startsWith('CUSTOMER.DISPUTE.') ? 'dispute' : type.split('.').slice(0, -1).join('-').toLowerCase());

export class Webhooks {
  constructor(store, cfg, base) {
    Object.assign(this, { store, cfg, base });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.certPem = publicKey.export({ type: 'spki', format: 'pem' });
    this.certPath = `/v1/notifications/certs/CERT-${rid(8).toLowerCase()}-${rid(8).toLowerCase()}-standin`;
    this.sent = new Map(); // transmission id -> {raw, time, webhookId, sig}
  }

  certUrl() {
    return `${this.base()}${this.certPath}`;
  }

  /** The event for `{event_type, resource?, id?, capture_id?, refund_id?, order_id?, ...}`. */
  build(b) {
    const type = b.event_type ?? bad('event_type is required');
    let resource = b.resource;
    const resourceType = b.resource_type;
    let summary = b.summary;
    const s = this.store;
    if (resource === undefined) {
      if (CAPTURE_EVENTS[type] && b.capture_id) {
        resource = s.captureRep(s.findCapture(b.capture_id), true);
        summary ??= CAPTURE_EVENTS[type](money(resource.amount));
      } else if (type === 'PAYMENT.CAPTURE.REFUNDED' && (b.refund_id || b.capture_id)) {
        const c = b.capture_id && s.findCapture(b.capture_id);
        const id = b.refund_id ?? c.refunds.at(-1) ?? bad(`capture ${b.capture_id} has no refund`);
        const r = s.findRefund(id);
        resource = s.refundRep(r, true);
        summary ??= `A ${money(r.amount)} capture payment was refunded`;
      } else if (type === 'CHECKOUT.ORDER.APPROVED' && b.order_id) {
        resource = s.orderRep(s.order(b.order_id), true);
        summary ??= 'An order has been approved by buyer';
      } else if (type === 'CUSTOMER.DISPUTE.CREATED' && b.capture_id) {
        resource = this.dispute(s.findCapture(b.capture_id), b);
        summary ??= `A new dispute opened with Case # ${resource.dispute_id}`;
      } else {
        bad(`give a resource, or the id the helper for ${type} needs`);
      }
    }
    const id = b.id ?? `WH-${rid(17)}-${rid(17)}`;
    const href = `${this.base()}/v1/notifications/webhooks-events/${id}`;
    const event = {
      id, event_version: '1.0', create_time: new Date().toISOString(),
      resource_type: resourceType ?? resourceTypeOf(type),
      resource_version: (resourceType ?? resourceTypeOf(type)) === 'dispute' ? '1.0' : '2.0',
      event_type: type, summary: summary ?? type, resource,
      links: [{ href, rel: 'self', method: 'GET' }, { href: `${href}/resend`, rel: 'resend', method: 'POST' }],
    };
    return event;
  }

  /** A CUSTOMER.DISPUTE.CREATED resource for a capture (Disputes v1 `dispute`). */
  dispute(c, b) {
    this.store.disputed.add(c.id);
    const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const tx = {
      seller_transaction_id: c.id, create_time: c.create_time, transaction_status: c.status,
      gross_amount: { ...c.amount }, seller: { merchant_id: c.payee.merchant_id },
    };
    if (c.custom_id !== undefined) tx.custom = c.custom_id;
    if (c.invoice_id !== undefined) tx.invoice_number = c.invoice_id;
    const id = `PP-D-${rid(5, '0123456789')}`;
    return {
      dispute_id: id, create_time: t, update_time: t, disputed_transactions: [tx],
      reason: b.reason ?? 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', status: 'OPEN',
      dispute_amount: b.dispute_amount ?? { ...c.amount }, dispute_life_cycle_stage: 'INQUIRY', dispute_channel: 'INTERNAL',
      links: [{ href: `${this.base()}/v1/customer/disputes/${id}`, rel: 'self', method: 'GET' }],
    };
  }

  /** Signs `event` and POSTs it to `url`; answers what the target said and what was sent. */
  async send(url, event, webhookId = this.cfg.webhookId) {
    const raw = JSON.stringify(event);
    const id = randomUUID();
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const sig = sign('sha256', Buffer.from(signedMessage(id, time, webhookId, raw)), this.privateKey).toString('base64');
    this.sent.set(id, { raw, time, webhookId, sig });
    const headers = {
      'Content-Type': 'application/json',
      'PAYPAL-TRANSMISSION-ID': id,
      'PAYPAL-TRANSMISSION-TIME': time,
      'PAYPAL-TRANSMISSION-SIG': sig,
      'PAYPAL-CERT-URL': this.certUrl(),
      'PAYPAL-AUTH-ALGO': 'SHA256withRSA',
    };
    return { ...(await deliver(url, headers, raw)), event, headers };
  }

  /** Sends `event` with `headers` exactly (a duplicate delivery or a tampered one). */
  async resend(url, event, headers) {
    return { ...(await deliver(url, headers, typeof event === 'string' ? event : JSON.stringify(event))), event, headers };
  }

  /** verification_status for a verify-webhook-signature body (already schema-checked). */
  verify(v) {
    const rec = this.sent.get(v.transmission_id);
    if (!rec) return 'FAILURE';
    if (v.auth_algo !== 'SHA256withRSA' || v.cert_url !== this.certUrl() || v.transmission_time !== rec.time) return 'FAILURE';
    if (!isDeepStrictEqual(v.webhook_event, JSON.parse(rec.raw))) return 'FAILURE';
    let sig;
    try { sig = Buffer.from(v.transmission_sig, 'base64'); } catch { return 'FAILURE'; }
    const message = Buffer.from(signedMessage(v.transmission_id, v.transmission_time, v.webhook_id, rec.raw));
    return verify('sha256', message, this.publicKey, sig) ? 'SUCCESS' : 'FAILURE';
  }
}

async function deliver(url, headers, raw) {
  try {
    const res = await fetch(url, { method: 'POST', headers, body: raw, signal: AbortSignal.timeout(15000) });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    return { status: 0, body: '', error: String(e?.cause?.message ?? e.message) };
  }
}
