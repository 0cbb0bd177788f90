// Times the PayPal stand-in alone: the three calls of one live card pay (create the order,
// confirm-payment-source with the card, capture), sent straight to it from Node on loopback,
// one after another. Subtracted from the live pay through the edge, it leaves the edge's own
// share (and workerd's outbound fetch).
//   node bench/standin-time.mjs STANDIN_ORIGIN CLIENT_ID CLIENT_SECRET COUNT
// Prints one JSON line: {runs, p50, p90, p99} in milliseconds per three-call sequence.
import { randomUUID } from 'node:crypto';

const [base, clientId, clientSecret, countArg] = process.argv.slice(2);
const count = Number(countArg);

const auth = await fetch(`${base}/v1/oauth2/token`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: 'grant_type=client_credentials',
});
const { access_token: token } = await auth.json();

async function post(path, body) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      prefer: 'return=representation',
      'paypal-request-id': randomUUID(),
    },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const times = [];
for (let i = 0; i < count; i++) {
  const id = `pr_bench${i}`;
  const started = performance.now();
  const order = await post('/v2/checkout/orders', {
    intent: 'CAPTURE',
    purchase_units: [{
      reference_id: id, custom_id: id, description: 'Bench mug',
      amount: { currency_code: 'USD', value: '24.00' },
      payee: { merchant_id: '7DZ9A4T4S9CQL' },
      payment_instruction: { disbursement_mode: 'DELAYED' },
    }],
  });
  await post(`/v2/checkout/orders/${order.id}/confirm-payment-source`, {
    payment_source: {
      card: {
        number: '4242424242424242', expiry: '2034-12', security_code: '123', name: 'Sam Rivera',
        billing_address: { postal_code: '94107', country_code: 'US' },
        experience_context: { return_url: 'https://example.com/r', cancel_url: 'https://example.com/c' },
      },
    },
  });
  await post(`/v2/checkout/orders/${order.id}/capture`, {});
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const at = (q) => Number(times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2));
console.log(JSON.stringify({ runs: times.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) }));
