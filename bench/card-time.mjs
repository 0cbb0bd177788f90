// Time to a usable card, in headless Chromium: from the chat page's navigation start until
// the card-number input inside the card's cross-origin iframe exists, is visible and is
// enabled. After one untimed warm-up load of each, runs the real card (wasm.html) and the
// static floor (static.html) alternately, each run in a fresh browser context (empty cache),
// and prints one JSON object.
//   node bench/card-time.mjs HOST_ORIGIN RUNS
// Both stamps come from the page clocks (performance.timeOrigin + performance.now()), so the
// figure holds no Playwright round trip: the check runs inside the frame on every animation
// frame and reports the moment it first held.
import { chromium } from 'playwright-core';

const [hostOrigin, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 7);
const variants = {
  wasm: { url: `${hostOrigin}/wasm.html`, frame: /\/v1\/frame\/pr_/ },
  static: { url: `${hostOrigin}/static.html`, frame: /\/card\.html$/ },
};
const CARD_INPUT = 'input[autocomplete="cc-number"]';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function findFrame(page, pattern, deadline) {
  for (;;) {
    const frame = page.frames().find((f) => pattern.test(f.url()));
    if (frame) return frame;
    if (Date.now() > deadline) throw new Error(`no frame matching ${pattern}`);
    await sleep(2);
  }
}

// Runs inside the card's frame: the wall-clock moment the number input is usable, or false.
function usableAt(selector) {
  const input = document.querySelector(selector);
  if (!input || input.matches(':disabled') || input.readOnly) return false;
  const box = input.getBoundingClientRect();
  const style = getComputedStyle(input);
  if (box.width === 0 || box.height === 0 || style.visibility !== 'visible') return false;
  return performance.timeOrigin + performance.now();
}

// Runs inside the card's frame after the fact: when its own loads finished, as wall-clock.
function frameTimeline() {
  const at = (t) => performance.timeOrigin + t;
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    frameStart: performance.timeOrigin,
    frameHtmlEnd: nav ? at(nav.responseEnd) : null,
    resources: performance.getEntriesByType('resource').map((e) => ({
      name: e.name, start: at(e.startTime), end: at(e.responseEnd),
      transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize,
    })),
  };
}

// One timed page load. With `responses`, also records every response the page gets there
// (kept even when the card never becomes usable).
async function once(name, responses) {
  const record = Boolean(responses);
  const variant = variants[name];
  const context = await browser.newContext();
  const page = await context.newPage();
  // A fresh context already starts with an empty cache; this also keeps the page from
  // reusing anything within the run. It applies to the top frame's target only; the card's
  // frame is out of process (another site) and starts cold anyway.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (record) {
    page.on('response', async (response) => {
      const request = response.request();
      const entry = { url: request.url(), method: request.method(), status: response.status(),
        type: request.resourceType(), encoding: response.headers()['content-encoding'] || null };
      responses.push(entry);
      try { entry.bodyBytes = (await request.sizes()).responseBodySize; } catch { /* gone */ }
    });
  }
  try {
    return await measure(page, variant, record);
  } finally {
    // Let late responses (none expected) land in the record before the context goes.
    if (record) await sleep(300);
    await context.close();
  }
}

async function measure(page, variant, record) {
  const deadline = Date.now() + 30_000;
  await page.goto(variant.url, { waitUntil: 'commit' });
  const frame = await findFrame(page, variant.frame, deadline);
  const stamp = await frame.waitForFunction(usableAt, CARD_INPUT, { polling: 'raf', timeout: 30_000 });
  const usable = await stamp.jsonValue();
  const host = await page.evaluate(() => {
    const loader = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/v1/widget.js'));
    return { origin: performance.timeOrigin, loaderEnd: loader ? performance.timeOrigin + loader.responseEnd : null };
  });
  const inFrame = await frame.evaluate(frameTimeline);
  // Once per bench, outside the timing: the measured input really takes a card number.
  let typed;
  if (record) {
    const input = frame.locator(CARD_INPUT);
    await input.pressSequentially('4242424242424242');
    typed = await input.inputValue();
  }
  const rel = (t) => (t == null ? null : t - host.origin);
  const find = (re) => inFrame.resources.find((r) => re.test(r.name));
  return {
    usableMs: rel(usable),
    milestones: {
      loaderLoaded: rel(host.loaderEnd),
      frameStart: rel(inFrame.frameStart),
      frameHtmlLoaded: rel(inFrame.frameHtmlEnd),
      wasmLoaded: rel(find(/\.wasm$/)?.end),
      requestLoaded: rel(find(/\/public$/)?.end),
      usable: rel(usable),
    },
    frameResources: inFrame.resources,
    typed,
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const summary = {};
const responses = [];
let typed;
try {
  for (const name of Object.keys(variants)) {
    // One untimed warm-up load first, so no timed run pays for starting the browser's
    // processes or the servers' first request. The real card's warm-up also records what
    // the card downloads.
    try {
      const warm = await once(name, name === 'wasm' ? responses : null);
      if (name === 'wasm') typed = warm.typed;
      summary[name] = { runs: [] };
    } catch (e) {
      summary[name] = { error: `${name}: ${e.message.split('\n')[0]}` };
    }
  }
  // Alternate which variant goes first, so drift in the machine's load hits both alike.
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? ['static', 'wasm'] : ['wasm', 'static'];
    for (const name of order) if (summary[name].runs) summary[name].runs.push(await once(name, null));
  }
  for (const v of Object.values(summary)) {
    if (!v.runs) continue;
    const list = v.runs;
    const times = list.map((r) => r.usableMs);
    const milestones = {};
    for (const key of Object.keys(list[0].milestones)) milestones[key] = median(list.map((r) => r.milestones[key]));
    Object.assign(v, { runs: times, median: median(times), min: Math.min(...times), max: Math.max(...times), milestones });
  }
  if (summary.wasm.median && summary.static.median) summary.ratio = summary.wasm.median / summary.static.median;
  summary.chromium = browser.version();
} catch (e) {
  summary.error = e.message.split('\n')[0];
} finally {
  await browser.close();
}
summary.responses = responses;
summary.typed = typed;
summary.error ??= summary.wasm?.error ?? summary.static?.error;
console.log(JSON.stringify(summary));
if (summary.error) process.exitCode = 1;
