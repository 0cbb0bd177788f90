// Starts the dashboard: loads the wasm next to this file. The build script fills in the hashed names.
import init from './{{GLUE}}';

init({ module_or_path: new URL('./{{WASM}}', import.meta.url) }).catch(() => {
  document.body.classList.add('failed');
});
