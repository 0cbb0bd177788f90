// The card's "wallet" flow: the W3C Payment Request API with the edge's sandbox wallet
// (docs/WALLETS.md). The card imports it only for a test-mode request in a browser that has
// `PaymentRequest`, to ask `offer()` before it shows its button; a live buyer never loads it.
// `o` is `{origin, request_id, auth, client_secret, label, currency, amount, shipping?}`.
import { call, newKey } from './shared/api.js';

function ask(o) {
  return new PaymentRequest(
    [{
      supportedMethods: `${o.origin}/sandbox/wallet/pay`,
      data: { request_id: o.request_id, client_secret: o.client_secret },
    }],
    // No payer name, email, phone or shipping: the browser would show a sheet of its own.
    { total: { label: o.label, amount: { currency: o.currency, value: o.amount } } },
  );
}

// Resolves true only when the browser can pay with the wallet now.
export function offer(o) {
  try {
    return ask(o).canMakePayment().catch(() => false);
  } catch {
    return Promise.resolve(false);
  }
}

// Call it synchronously in the buyer's click: the browser needs the gesture for `show()`.
// The wallet's service worker trades the method's data for a token, and this pays with it,
// with the card's shipping address when the request asks for one. Resolves with the edge's
// answer to pay, `{status, json}`, or with `{code}` when no pay was made: wallet_canceled
// (the buyer closed the sheet), wallet_failed (no token came) or wallet_unavailable.
export function pay(o) {
  return ask(o)
    .show()
    .then(
      async (response) => {
        const token = response.details && response.details.token;
        let answer = { code: 'wallet_failed' };
        if (typeof token === 'string') {
          const method = { type: 'wallet', wallet: 'sandbox', token };
          answer = await call(o, 'pay', o.shipping ? { method, shipping: o.shipping } : { method }, newKey());
        }
        const paid = answer.status === 200 && answer.json && answer.json.status !== 'requested';
        // A failure is "unknown", not "fail": after "fail" Chromium keeps UI of its own open
        // (headless, it takes the keyboard from the card), and the card says what went wrong.
        response.complete(paid ? 'success' : 'unknown').catch(() => {});
        return answer;
      },
      (error) => ({ code: error && error.name === 'AbortError' ? 'wallet_canceled' : 'wallet_unavailable' }),
    );
}
