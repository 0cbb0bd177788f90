// Starts the card: loads the wasm next to this file. The build script fills in the hashed names.
import init from './{{GLUE}}';

// The flows a buyer downloads only once they choose them (widget/src/flows.rs).
const flows = { window: './{{FLOW_WINDOW}}', wallet: './{{FLOW_WALLET}}' };
globalThis.chatpayFlow = (name) => import(flows[name]);

// The request's public data, fetched while the wasm downloads rather than after it; the card
// takes this answer once (client::fetch_public) and reads the address itself as before. Only
// the Response promise is kept: the secret stays in this function.
const id = /^\/v1\/(?:frame|pay)\/([A-Za-z0-9_-]{1,255})$/.exec(location.pathname)?.[1];
const secret = new URLSearchParams(location.hash.slice(1)).get('client_secret');
if (id && secret) {
  const answer = fetch(`/v1/payment_requests/${id}/public`, {
    headers: { Authorization: `Bearer ${secret}` },
    credentials: 'omit',
  });
  answer.catch(() => {}); // a failed prefetch is retried by the card itself
  globalThis.chatpayPublic = answer;
}

init({ module_or_path: new URL('./{{WASM}}', import.meta.url) }).catch(() => {
  document.body.classList.add('cp-failed');
});
