// Request checks of the PayPal stand-in, written by hand from PayPal's OpenAPI documents
// (Orders v2 2.13, Payments v2, Referenced Payouts v1.6, Webhooks v1): the fields we send, their
// types, lengths, patterns, enums and `required` lists. Unknown fields are ignored, as the
// documents' own examples carry fields their schemas lack. Nothing here reads the documents.
//
// A check is `(value, pointer, out)`: it pushes problems `{status, issue, field, value?,
// location, description}` onto `out`, 400 for the schema and 422 for the money rules the
// documents give as business validation.

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function push(out, status, issue, field, value, description, location = 'body') {
  const p = { status, issue, field, location, description };
  if (value !== undefined && typeof value !== 'object') p.value = String(value);
  out.push(p);
}

const DATE = '[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])';
const DATE_TIME = new RegExp(`^${DATE}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$`);

function isUri(v) {
  try { return Boolean(new URL(v).protocol); } catch { return false; }
}

/** A string: `min`/`max` length (code points), `enum`, `pattern`, `uri`, `dateTime`. */
export const str = (o = {}) => (v, at, out) => {
  if (typeof v !== 'string') return push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, v, 'must be a string');
  const n = [...v].length;
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    return push(out, 400, 'INVALID_STRING_LENGTH', at, v, `length must be ${o.min ?? 0} to ${o.max ?? 'any'}`);
  }
  if (o.enum && !o.enum.includes(v)) return push(out, 400, 'INVALID_PARAMETER_VALUE', at, v, `must be one of ${o.enum.join(', ')}`);
  if (o.pattern && !o.pattern.test(v)) return push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, v, `must match ${o.pattern.source}`);
  if (o.uri && !isUri(v)) return push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, v, 'must be an absolute URI');
  if (o.dateTime && !DATE_TIME.test(v)) return push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, v, 'must be an RFC 3339 date-time');
};
const bool = (v, at, out) => {
  if (typeof v !== 'boolean') push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, v, 'must be a boolean');
};
const anyObj = (v, at, out) => {
  if (!isObj(v)) push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, v, 'must be an object');
};
/** An object: the checks of its known properties, and its `required` list. */
export const obj = (props, required = [], extra) => (v, at, out) => {
  if (!isObj(v)) return push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, v, 'must be an object');
  for (const k of required) {
    if (v[k] === undefined) push(out, 400, 'MISSING_REQUIRED_PARAMETER', `${at}/${k}`, undefined, 'A required field is missing.');
  }
  for (const [k, check] of Object.entries(props)) if (v[k] !== undefined) check(v[k], `${at}/${k}`, out);
  if (extra) extra(v, at, out);
};
export const arr = (item, { min, max } = {}) => (v, at, out) => {
  if (!Array.isArray(v)) return push(out, 400, 'INVALID_PARAMETER_SYNTAX', at, undefined, 'must be an array');
  if (min !== undefined && v.length < min) push(out, 400, 'INVALID_ARRAY_MIN_ITEMS', at, v.length, `needs at least ${min} items`);
  if (max !== undefined && v.length > max) push(out, 400, 'INVALID_ARRAY_MAX_ITEMS', at, v.length, `takes at most ${max} items`);
  v.forEach((x, i) => item(x, `${at}/${i}`, out));
};

// --- money ------------------------------------------------------------------------------------

/** Currencies PayPal accepts; JPY, HUF and TWD take no decimals (PayPal's currency codes). */
export const CURRENCIES = new Set(['AUD', 'BRL', 'CAD', 'CNY', 'CZK', 'DKK', 'EUR', 'HKD', 'HUF', 'ILS', 'JPY',
  'MYR', 'MXN', 'TWD', 'NZD', 'NOK', 'PHP', 'PLN', 'GBP', 'SGD', 'SEK', 'CHF', 'THB', 'USD']);
const NO_DECIMALS = new Set(['JPY', 'HUF', 'TWD']);
export const decimals = (currency) => (NO_DECIMALS.has(currency) ? 0 : 2);
const VALUE = /^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/;

/** A money value (already checked) in minor units, as a BigInt-free integer. */
export function toMinor(value, currency) {
  const neg = value.startsWith('-');
  const [whole, frac = ''] = value.replace('-', '').split('.');
  const d = decimals(currency);
  const n = Number(whole || '0') * 10 ** d + Number((frac + '00').slice(0, d) || '0');
  return neg ? -n : n;
}
export function fromMinor(n, currency) {
  const d = decimals(currency);
  if (d === 0) return String(n);
  const s = String(Math.abs(n)).padStart(d + 1, '0');
  return `${n < 0 ? '-' : ''}${s.slice(0, -d)}.${s.slice(-d)}`;
}

/** `sign`: 'positive' (> 0), 'non-negative' (>= 0) or undefined. */
export const money = (sign) => obj({
  currency_code: str({ min: 3, max: 3 }),
  value: str({ max: 32, pattern: VALUE }),
}, ['currency_code', 'value'], (m, at, out) => {
  if (out.some((p) => p.field.startsWith(at))) return;
  const cur = m.currency_code;
  if (!CURRENCIES.has(cur)) return push(out, 422, 'INVALID_CURRENCY_CODE', `${at}/currency_code`, cur, 'Currency code is not supported.');
  const no = (issue, description) => push(out, 422, issue, `${at}/value`, m.value, description);
  const frac = m.value.split('.')[1] ?? '';
  const n = Number(m.value);
  if (frac && decimals(cur) === 0) no('DECIMALS_NOT_SUPPORTED', `${cur} does not support decimals.`);
  else if (frac.length > 2) no('DECIMAL_PRECISION', 'If the currency supports decimals, only two decimal place precision is supported.');
  else if (n > 999999999999999.99) no('MAX_VALUE_EXCEEDED', 'Should be less than or equal to 999999999999999.99.');
  else if (sign === 'positive' && !(n > 0)) no('CANNOT_BE_ZERO_OR_NEGATIVE', 'Must be greater than zero.');
  else if (sign === 'non-negative' && n < 0) no('CANNOT_BE_NEGATIVE', 'Must be greater than or equal to 0.');
});

// --- shared parts -----------------------------------------------------------------------------

const EMAIL = /^[^\s@"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const email = str({ min: 3, max: 254, pattern: EMAIL });
const CAPS = /^[0-9A-Z_]+$/;
const country = str({ min: 2, max: 2, pattern: /^([A-Z]{2}|C2)$/ });
const locale = str({ min: 2, max: 10, pattern: /^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$/ });
const SHIPPING_PREFERENCES = ['GET_FROM_FILE', 'NO_SHIPPING', 'SET_PROVIDED_ADDRESS'];
export const BRANDS = ['VISA', 'MASTERCARD', 'DISCOVER', 'AMEX', 'SOLO', 'JCB', 'STAR', 'DELTA', 'SWITCH', 'MAESTRO',
  'CB_NATIONALE', 'CONFIGOGA', 'CONFIDIS', 'ELECTRON', 'CETELEM', 'CHINA_UNION_PAY'];

const address = obj({
  address_line_1: str({ max: 300 }), address_line_2: str({ max: 300 }), address_line_3: str({ max: 100 }),
  admin_area_4: str({ max: 100 }), admin_area_3: str({ max: 100 }), admin_area_2: str({ max: 120 }),
  admin_area_1: str({ max: 300 }), postal_code: str({ max: 60 }), country_code: country,
}, ['country_code']);
const name = obj({
  prefix: str({ max: 140 }), given_name: str({ max: 140 }), surname: str({ max: 140 }),
  middle_name: str({ max: 140 }), suffix: str({ max: 140 }), full_name: str({ max: 300 }),
});
export const merchantId = str({ min: 13, max: 13, pattern: /^[2-9A-HJ-NP-Z]{13}$/ });
const payee = obj({ email_address: email, merchant_id: merchantId });
const platformFee = obj({ amount: money('non-negative'), payee }, ['amount']);
const breakdown = obj(Object.fromEntries(['item_total', 'shipping', 'handling', 'tax_total', 'insurance',
  'shipping_discount', 'discount'].map((k) => [k, money('non-negative')])));
const item = obj({
  name: str({ min: 1, max: 127 }), unit_amount: money('non-negative'), tax: money('non-negative'),
  quantity: str({ max: 10, pattern: /^[1-9][0-9]{0,9}$/ }), description: str({ max: 127 }),
  sku: str({ max: 127 }), category: str({ min: 1, max: 20, enum: ['DIGITAL_GOODS', 'PHYSICAL_GOODS', 'DONATION'] }),
}, ['name', 'unit_amount', 'quantity']);
const amount = obj({ breakdown }, [], money('positive'));

const purchaseUnit = obj({
  reference_id: str({ min: 1, max: 256 }),
  amount,
  payee,
  payment_instruction: obj({
    platform_fees: arr(platformFee, { min: 0, max: 1 }),
    disbursement_mode: str({ min: 1, max: 16, pattern: /^[A-Z_]+$/, enum: ['INSTANT', 'DELAYED'] }),
    payee_pricing_tier_id: str({ min: 1, max: 20 }),
    payee_receivable_fx_rate_id: str({ min: 1, max: 4000 }),
  }),
  description: str({ min: 1, max: 127 }),
  custom_id: str({ min: 1, max: 127 }),
  invoice_id: str({ min: 1, max: 127 }),
  soft_descriptor: str({ min: 1, max: 22 }),
  items: arr(item),
  shipping: obj({
    name,
    type: str({ min: 1, max: 255, pattern: CAPS, enum: ['SHIPPING', 'PICKUP_IN_PERSON', 'PICKUP_IN_STORE', 'PICKUP_FROM_PERSON'] }),
    address,
  }),
}, ['amount']);

const url = str({ uri: true });
const paypalWallet = obj({
  vault_id: str({ min: 1, max: 255, pattern: /^[0-9a-zA-Z_-]+$/ }),
  email_address: email,
  name,
  address,
  billing_agreement_id: str({ min: 2, max: 128, pattern: /^[a-zA-Z0-9-]+$/ }),
  experience_context: obj({
    brand_name: str({ min: 1, max: 127 }),
    locale,
    shipping_preference: str({ min: 1, max: 24, pattern: /^[A-Z_]+$/, enum: SHIPPING_PREFERENCES }),
    return_url: url,
    cancel_url: url,
    landing_page: str({ min: 1, max: 13, pattern: CAPS, enum: ['LOGIN', 'GUEST_CHECKOUT', 'NO_PREFERENCE'] }),
    user_action: str({ min: 1, max: 8, pattern: CAPS, enum: ['CONTINUE', 'PAY_NOW'] }),
    payment_method_preference: str({ min: 1, max: 255, pattern: CAPS, enum: ['UNRESTRICTED', 'IMMEDIATE_PAYMENT_REQUIRED'] }),
  }),
});
const card = obj({
  name: str({ min: 1, max: 300, pattern: /^.{1,300}$/ }),
  number: str({ min: 13, max: 19, pattern: /^[0-9]{13,19}$/ }),
  expiry: str({ min: 7, max: 7, pattern: /^[0-9]{4}-(0[1-9]|1[0-2])$/ }),
  security_code: str({ min: 3, max: 4, pattern: /^[0-9]{3,4}$/ }),
  type: str({ min: 1, max: 255, pattern: /^[A-Z_]+$/, enum: ['CREDIT', 'DEBIT', 'PREPAID', 'STORE', 'UNKNOWN'] }),
  brand: str({ min: 1, max: 255, pattern: /^[A-Z_]+$/, enum: BRANDS }),
  billing_address: address,
  vault_id: str({ min: 1, max: 255, pattern: /^[0-9a-zA-Z_-]+$/ }),
  attributes: anyObj,
  experience_context: obj({ return_url: str({ min: 10, max: 4000, uri: true }), cancel_url: str({ min: 10, max: 4000, uri: true }) }),
});
const SOURCES = ['card', 'token', 'paypal', 'bancontact', 'blik', 'eps', 'giropay', 'ideal', 'mybank', 'p24',
  'sofort', 'trustly', 'apple_pay', 'google_pay', 'venmo'];
const paymentSource = obj({
  ...Object.fromEntries(SOURCES.map((k) => [k, anyObj])), card, paypal: paypalWallet,
}, [], (ps, at, out) => {
  const given = Object.keys(ps).filter((k) => SOURCES.includes(k));
  if (given.length > 1) push(out, 422, 'ONLY_ONE_PAYMENT_SOURCE_ALLOWED', at, undefined, 'Give one payment method in payment_source.');
  if (given.length === 0) push(out, 422, 'NO_PAYMENT_SOURCE_PROVIDED', at, undefined, 'Give a payment method in payment_source.');
});

/** The Orders document's cross-field rules of a create (its 422 list), once the fields are fine. */
function orderRules(o, at, out) {
  if (out.length) return;
  const no = (issue, field, value, description) => push(out, 422, issue, field, value, description);
  const pus = o.purchase_units;
  const refs = pus.map((p) => p.reference_id);
  if (pus.length > 1 && refs.includes(undefined)) no('REFERENCE_ID_REQUIRED', '/purchase_units', undefined, 'Each of several purchase units needs a reference_id.');
  else if (new Set(refs).size !== refs.length) no('DUPLICATE_REFERENCE_ID', '/purchase_units', undefined, 'reference_id must be unique.');
  if (new Set(pus.map((p) => p.amount.currency_code)).size > 1) no('MULTI_CURRENCY_ORDER', '/purchase_units', undefined, 'One currency per order.');
  pus.forEach((pu, i) => {
    const at2 = `/purchase_units/${i}/amount`;
    const cur = pu.amount.currency_code;
    const b = pu.amount.breakdown ?? {};
    const items = pu.items ?? [];
    const minor = (m) => (m ? toMinor(m.value, cur) : 0);
    const moneys = [...Object.values(b), ...items.flatMap((it) => [it.unit_amount, it.tax])].filter(Boolean);
    if (moneys.some((m) => m.currency_code !== cur)) return no('MULTI_CURRENCY_ORDER', `/purchase_units/${i}`, undefined, 'One currency per order.');
    const sum = (k) => items.reduce((s, it) => s + minor(it[k]) * Number(it.quantity), 0);
    if (items.length && !b.item_total) return no('ITEM_TOTAL_REQUIRED', `${at2}/breakdown/item_total`, undefined, 'Items need amount.breakdown.item_total.');
    if (items.length && sum('unit_amount') !== minor(b.item_total)) {
      return no('ITEM_TOTAL_MISMATCH', `${at2}/breakdown/item_total`, b.item_total.value, 'Should equal sum of (unit_amount * quantity) across all items.');
    }
    if (items.some((it) => it.tax) && !b.tax_total) return no('TAX_TOTAL_REQUIRED', `${at2}/breakdown/tax_total`, undefined, 'Item tax needs amount.breakdown.tax_total.');
    if (items.some((it) => it.tax) && sum('tax') !== minor(b.tax_total)) {
      return no('TAX_TOTAL_MISMATCH', `${at2}/breakdown/tax_total`, b.tax_total.value, 'Should equal sum of (tax * quantity) across all items.');
    }
    const total = minor(b.item_total) + minor(b.tax_total) + minor(b.shipping) + minor(b.handling) + minor(b.insurance)
      - minor(b.shipping_discount) - minor(b.discount);
    if (pu.amount.breakdown && total !== minor(pu.amount)) {
      no('AMOUNT_MISMATCH', `${at2}/value`, pu.amount.value, 'Should equal item_total + tax_total + shipping + handling + insurance - shipping_discount - discount.');
    }
  });
}

const CONTEXT = obj({
  brand_name: str({ min: 1, max: 127 }), locale,
  landing_page: str({ min: 1, max: 13, pattern: CAPS, enum: ['LOGIN', 'BILLING', 'NO_PREFERENCE'] }),
  shipping_preference: str({ min: 1, max: 20, pattern: CAPS, enum: SHIPPING_PREFERENCES }),
  user_action: str({ min: 1, max: 8, pattern: CAPS, enum: ['CONTINUE', 'PAY_NOW'] }),
  return_url: url, cancel_url: url,
});

/** The request bodies, by operation. */
export const BODIES = {
  create: obj({
    intent: str({ enum: ['CAPTURE', 'AUTHORIZE'] }),
    payer: anyObj,
    purchase_units: arr(purchaseUnit, { min: 1, max: 10 }),
    payment_source: paymentSource,
    application_context: CONTEXT,
  }, ['intent', 'purchase_units'], orderRules),
  confirm: obj({
    payment_source: paymentSource,
    processing_instruction: str({ min: 1, max: 36, pattern: CAPS, enum: ['ORDER_COMPLETE_ON_PAYMENT_APPROVAL', 'NO_INSTRUCTION'] }),
    application_context: anyObj,
  }, ['payment_source']),
  capture: obj({ payment_source: paymentSource }),
  track: obj({
    transaction_id: str({ min: 1, max: 50, pattern: /^[a-zA-Z0-9]*$/ }),
    tracking_number: str({ min: 1, max: 64 }),
    tracking_number_type: str({ min: 1, max: 64, pattern: CAPS, enum: ['CARRIER_PROVIDED', 'E2E_PARTNER_PROVIDED'] }),
    status: str({ min: 1, max: 64, pattern: CAPS, enum: ['CANCELLED', 'DELIVERED', 'LOCAL_PICKUP', 'ON_HOLD', 'SHIPPED',
      'SHIPMENT_CREATED', 'DROPPED_OFF', 'IN_TRANSIT', 'RETURNED', 'LABEL_PRINTED', 'ERROR', 'UNCONFIRMED',
      'PICKUP_FAILED', 'DELIVERY_DELAYED', 'DELIVERY_SCHEDULED', 'DELIVERY_FAILED', 'INRETURN', 'IN_PROCESS', 'NEW',
      'VOID', 'PROCESSED', 'NOT_SHIPPED', 'COMPLETED'] }),
    shipment_date: str({ min: 10, max: 10, pattern: new RegExp(`^${DATE}$`) }),
    carrier: str({ min: 1, max: 64, pattern: CAPS }),
    carrier_name_other: str({ min: 1, max: 64 }),
    notify_buyer: bool,
    shipment_direction: str({ min: 1, max: 50, pattern: CAPS, enum: ['FORWARD', 'RETURN'] }),
    capture_id: str({ min: 1, max: 50, pattern: /^[a-zA-Z0-9]*$/ }),
    notify_payer: bool,
    items: arr(obj({
      name: str({ min: 1, max: 127 }), quantity: str({ min: 1, max: 10, pattern: /^[1-9][0-9]{0,9}$/ }),
      sku: str({ min: 1, max: 127 }), url: str({ min: 1, max: 2048, uri: true }),
    })),
  }, ['transaction_id', 'status', 'capture_id'], (t, at, out) => {
    if (t.carrier === 'OTHER' && t.carrier_name_other === undefined) {
      push(out, 400, 'MISSING_REQUIRED_PARAMETER', '/carrier_name_other', undefined, 'carrier_name_other is needed when carrier is OTHER.');
    }
  }),
  refund: obj({
    amount: money('positive'),
    custom_id: str({ min: 1, max: 127 }),
    invoice_id: str({ min: 1, max: 127 }),
    note_to_payer: str({ min: 1, max: 255 }),
    payment_instruction: obj({ platform_fees: arr(platformFee, { min: 0, max: 1 }) }),
  }),
  // The document marks no field of referenced_payouts_item required; without these two there is
  // nothing to pay out, so the stand-in requires them.
  payout: obj({
    reference_id: str({ min: 1, max: 255, pattern: /^[a-zA-Z0-9-]*$/ }),
    reference_type: str({ min: 1, max: 255, pattern: /^[A-Z_]+$/, enum: ['TRANSACTION_ID', 'OTHERS'] }),
    payee_email: email,
    payout_amount: money('positive'),
    invoice_id: str({ min: 1, max: 255, pattern: /^[a-zA-Z0-9-]*$/ }),
    custom: str({ min: 1, max: 255, pattern: /^[a-zA-Z0-9-]*$/ }),
    external_merchant_id: str({ min: 1, max: 255, pattern: /^[A-Z_]+$/ }),
    external_reference_id: str({ min: 1, max: 255, pattern: /^[A-Z_]+$/ }),
  }, ['reference_id', 'reference_type']),
  verify: obj({
    auth_algo: str({ max: 100, pattern: /^[a-zA-Z0-9]+$/ }),
    cert_url: str({ max: 500, uri: true }),
    transmission_id: str({ max: 50, pattern: /^(?!\d+$)\w+\S+/ }),
    transmission_sig: str({ max: 500, pattern: /^(?!\d+$)\w+\S+/ }),
    transmission_time: str({ max: 100, dateTime: true }),
    webhook_id: str({ max: 50, pattern: /^[a-zA-Z0-9]+$/ }),
    webhook_event: obj({
      event_version: str({ pattern: /^([0-9]+.[0-9]+)$/ }),
      resource_version: str({ pattern: /^([0-9]+.[0-9]+)$/ }),
      resource: anyObj,
    }),
  }, ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id', 'webhook_event']),
};

// Header parameters, by operation, as each document declares them.
const ORDERS_REQUEST_ID = { min: 1, max: 108 };
const ORDERS_PREFER = { min: 1, max: 25, pattern: /^[a-zA-Z=]*$/ };
const PAYOUTS = { min: 1, max: 255, pattern: /^[a-zA-Z0-9-]*$/ };
const HEADERS = {
  create: { 'paypal-request-id': ORDERS_REQUEST_ID, prefer: ORDERS_PREFER, 'paypal-client-metadata-id': { min: 1, max: 36 } },
  confirm: { prefer: ORDERS_PREFER, 'paypal-client-metadata-id': { min: 1, max: 36 } },
  capture: { 'paypal-request-id': ORDERS_REQUEST_ID, prefer: ORDERS_PREFER, 'paypal-client-metadata-id': { min: 1, max: 36 } },
  track: {},
  refund: { 'paypal-request-id': {}, prefer: {} },
  payout: { 'paypal-request-id': PAYOUTS, prefer: PAYOUTS, 'paypal-partner-attribution-id': PAYOUTS },
  verify: {},
};

/** Problems with the headers of a POST to `op`. Header problems carry no `location` (the
 * documents' error_location enum has only body, path and query). */
export function checkHeaders(op, headers) {
  const out = [];
  for (const [h, rule] of Object.entries(HEADERS[op] ?? {})) {
    if (headers[h] !== undefined) str(rule)(headers[h], h, out);
  }
  for (const p of out) delete p.location;
  if (headers['paypal-request-id'] === undefined) {
    const description = 'Every POST must carry a PayPal-Request-Id (chatpay rule; the stand-in answers it anyway).';
    out.push({ status: 0, issue: 'PAYPAL_REQUEST_ID_REQUIRED', field: 'paypal-request-id', description });
  }
  return out;
}

/** The body problems of `op` for the parsed body `v`. */
export function checkBody(op, v) {
  const out = [];
  BODIES[op](v, '', out);
  return out;
}
