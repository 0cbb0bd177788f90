// A webhook receiver for tests/tests/webhooks.rs. Every delivery to POST /hook/<name> is
// verified with the official `standardwebhooks` library against each secret the test gave
// for <name>, and recorded (webhook-id, webhook-timestamp, which secrets verified, body).
// The test drives it over HTTP:
//   PUT /control/<name>  {"secrets": ["whsec_..."], "answer": 200, "fail_first": 0}
//     answers `answer` to every delivery, except the first `fail_first`, answered 500.
//   GET /control/<name>  -> [{id, timestamp, verified: [bool per secret], status, body}]
// It prints its port on the first line of stdout and exits when stdin closes.
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Webhook } = require("standardwebhooks");

const routes = new Map();
const route = (name) => {
  if (!routes.has(name)) {
    routes.set(name, { secrets: [], answer: 200, fail_first: 0, records: [] });
  }
  return routes.get(name);
};

const read = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

const server = createServer(async (req, res) => {
  const [, kind, name] = req.url.split("/");
  const body = await read(req);
  const r = route(name || "");
  if (kind === "control" && req.method === "PUT") {
    Object.assign(r, JSON.parse(body));
    res.writeHead(204).end();
    return;
  }
  if (kind === "control" && req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(r.records));
    return;
  }
  if (kind !== "hook" || req.method !== "POST") {
    res.writeHead(404).end();
    return;
  }
  const verified = r.secrets.map((secret) => {
    try {
      new Webhook(secret).verify(body, req.headers);
      return true;
    } catch {
      return false;
    }
  });
  const status = r.records.length < r.fail_first ? 500 : r.answer;
  r.records.push({
    id: req.headers["webhook-id"] ?? null,
    timestamp: req.headers["webhook-timestamp"] ?? null,
    signature: req.headers["webhook-signature"] ?? null,
    verified,
    status,
    body,
  });
  res.writeHead(status).end();
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
