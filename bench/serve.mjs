// The bench's own static server, so measuring needs no change to the edge.
//   node bench/serve.mjs HOST_PORT FLOOR_PORT EDGE_ORIGIN REQUEST_ID CLIENT_SECRET
// Port HOST_PORT (the page is opened as http://localhost:HOST_PORT) serves the chat page twice:
//   /wasm.html   with the real card: widget.js from the edge, which frames /v1/frame/{id}
//   /static.html with the floor: a plain <iframe> of a static HTML card
// Port FLOOR_PORT (opened as http://127.0.0.1:FLOOR_PORT) serves only that static card, so
// the floor's iframe is cross-origin to the page exactly as the edge's is.
// Everything is read once at start and answered from memory with `Cache-Control: no-store`.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const [hostPort, floorPort, edge, requestId, clientSecret] = process.argv.slice(2);
if (!clientSecret) {
  console.error('usage: node bench/serve.mjs HOST_PORT FLOOR_PORT EDGE_ORIGIN REQUEST_ID CLIENT_SECRET');
  process.exit(2);
}
const page = (name) => readFileSync(new URL(`pages/${name}`, import.meta.url), 'utf8');
const escape = (s) => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

const chat = page('chat.html');
const cards = {
  wasm: `<script src="${escape(edge)}/v1/widget.js" async></script>\n` +
    `<chat-pay request="${escape(requestId)}" client-secret="${escape(clientSecret)}"></chat-pay>`,
  static: `<iframe src="http://127.0.0.1:${floorPort}/card.html" title="Secure card payment" ` +
    `style="display:block;width:100%;height:330px;border:0"></iframe>`,
};
const hostRoutes = {
  '/wasm.html': chat.replace('{{CARD}}', cards.wasm),
  '/static.html': chat.replace('{{CARD}}', cards.static),
};
const floorRoutes = { '/card.html': page('static-card.html') };

function serve(port, routes) {
  createServer((req, res) => {
    const body = routes[new URL(req.url, 'http://x').pathname];
    res.writeHead(body === undefined ? 404 : 200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(body ?? 'not found');
  }).listen(+port, '127.0.0.1');
}
serve(hostPort, hostRoutes);
serve(floorPort, floorRoutes);
console.log(`bench pages on http://localhost:${hostPort}/{wasm,static}.html, floor card on http://127.0.0.1:${floorPort}/card.html`);
