// The edge's buyer API as the flows call it: same origin, with the client secret, and an
// `Idempotency-Key` on every POST. A call that gets no answer is sent again under the same
// key, twice, after 0.4 s and 1.2 s, as the card's own client does (widget/src/client.rs).
// Resolves with `{status, json}`; `status` 0 means no answer came. The card reads the
// answer itself (widget/src/flows.rs).

const PAUSES = [400, 1200];

export async function call(o, action, body, key) {
  const headers = { Authorization: o.auth };
  if (body) Object.assign(headers, { 'Content-Type': 'application/json', 'Idempotency-Key': key });
  const init = { method: body ? 'POST' : 'GET', headers, body: body && JSON.stringify(body) };
  for (const pause of [...PAUSES, -1]) {
    try {
      const answer = await fetch(`${o.origin}/v1/payment_requests/${o.request_id}/${action}`, init);
      const text = await answer.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        // Not JSON: the card says it could not read the answer.
      }
      return { status: answer.status, json };
    } catch {
      if (pause < 0) return { status: 0, json: null };
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

// A fresh idempotency key, as the card makes them (chatpay_intl::idempotency).
export const newKey = () =>
  crypto.randomUUID?.() ??
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
