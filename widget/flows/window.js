// The card's "window" flow, imported only once a buyer chooses PayPal or their bank asks for
// its 3-D Secure check (docs/CONTRACT.md, "What loads when"). The card opens the window
// inside the buyer's click and hands it here; each flow resolves with the edge's answer to
// its last call, `{status, json}` (see ./shared/api.js), plus `said`, what the edge's return
// page posted in the window (`{outcome, code}`), or null.
import { call, newKey } from './shared/api.js';

// PayPal: creates the order in the buyer's language, sends the window to PayPal's approval
// page and waits, then reads the request as the edge's return page left it.
// `o`: `{origin, request_id, auth}`.
export async function paypal(popup, o) {
  try {
    // A tag the edge would refuse is left out rather than failing the order.
    const locale = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(navigator.language) ? navigator.language : undefined;
    const made = await call(o, 'paypal', { locale }, newKey());
    const url = made.json && made.json.approve_url;
    if (made.status < 200 || made.status > 299) return { ...made, said: null };
    // Only a web page on HTTPS or on the edge itself, never a `javascript:` one.
    if (typeof url !== 'string' || !(url.startsWith('https://') || url.startsWith(`${o.origin}/`))) {
      return { status: 200, json: null, said: null };
    }
    const said = await watch(popup, { ...o, url, type: 'paypal', poll: true });
    popup.close();
    return { ...(await call(o, 'public')), said };
  } finally {
    popup.close();
  }
}

// The bank's check: waits for the bank's window (when `popup` is not null), then asks the
// edge to finish the payment of `o.attempt` under `o.key`; the edge asks the bank how it went.
export async function bank(popup, o) {
  let said = null;
  if (popup) {
    said = await watch(popup, { ...o, type: '3ds' });
    popup.close();
  }
  const body = { method: { type: 'card_action', attempt: o.attempt } };
  return { ...(await call(o, 'pay', body, o.key)), said };
}

// Sends `popup` to `o.url` (when given) and resolves with what the edge's return page posted
// there, or with null once the window is closed. The message counts only from that window,
// from the edge's own origin, and naming this request, this flow (`o.type`) and, for the
// bank, `o.attempt`. With `o.poll` the request is also read every 2 s, and the wait ends
// (null) once it no longer waits for payment: a window that went through another site may
// be cut off from the card.
function watch(popup, o) {
  if (o.url) popup.location.href = o.url;
  return new Promise((resolve) => {
    let ticks = 0;
    let reading = false;
    const done = (said) => {
      removeEventListener('message', heard);
      clearInterval(timer);
      resolve(said);
    };
    const heard = (event) => {
      const d = event.data;
      if (
        event.origin === o.origin &&
        event.source === popup &&
        d && d.chatpay === 1 &&
        d.type === o.type &&
        d.request_id === o.request_id &&
        (!o.attempt || d.attempt === o.attempt) &&
        typeof d.outcome === 'string'
      ) {
        done({ outcome: d.outcome, code: typeof d.code === 'string' ? d.code : null });
      }
    };
    const read = async () => {
      reading = true;
      const latest = await call(o, 'public');
      if (latest.status === 200 && latest.json && latest.json.status !== 'requested') done(null);
      reading = false;
    };
    addEventListener('message', heard);
    const timer = setInterval(() => {
      if (popup.closed) return done(null);
      if (o.poll && ++ticks % 4 === 0 && !reading) read();
    }, 500);
  });
}
