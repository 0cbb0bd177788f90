// Starts the card: loads the wasm next to this file. The build script fills in the hashed names.
import init from './{{GLUE}}';

// The flows a buyer downloads only once they choose them (widget/src/flows.rs).
const flows = { window: './{{FLOW_WINDOW}}', wallet: './{{FLOW_WALLET}}' };
globalThis.chatpayFlow = (name) => import(flows[name]);

init({ module_or_path: new URL('./{{WASM}}', import.meta.url) }).catch(() => {
  document.body.classList.add('cp-failed');
});
