// Usage: node scripts/stub-panics.mjs IN.wat OUT.wat
// Gives the functions every panic and allocation failure funnels into the body `unreachable`.
// The mask module is built with panic = "abort" for wasm32-unknown-unknown, where a panic's
// message goes nowhere and the module then traps, so these functions only format a message
// nobody reads before trapping: trapping at once is the same behaviour, and wasm-opt then
// drops the formatting machinery (about a fifth of the module, PERFORMANCE.md).
//
// Each name below is a Rust library function typed `-> !`, matched by its whole path, so no
// other function can be caught by accident. A std crate cannot bring its own
// #[panic_handler], and panic_immediate_abort needs a nightly build-std, so the list stays:
// every entry must be found, or this fails, rather than quietly building a bigger module.
import { readFileSync, writeFileSync } from 'node:fs';

const DIVERGING = [
  ['core', 'panicking', 'panic_fmt'],
  ['core', 'panicking', 'panic_bounds_check'],
  ['core', 'slice', 'index', 'slice_index_fail'],
  ['alloc', 'alloc', 'handle_alloc_error'],
  ['alloc', 'raw_vec', 'handle_error'],
];

// Both manglings end a path with its idents, each prefixed by its length: v0 as
// `_RNv…_4core9panicking9panic_fmt`, legacy as `_ZN4core9panicking9panic_fmt17h<hash>E`.
// Anchoring at the end keeps out closures and generic instances inside these functions.
const pattern = (path) =>
  new RegExp(`(^_ZN|_)${path.map((id) => `${id.length}${id}`).join('')}(17h[0-9a-f]{16}E)?$`);
const wanted = DIVERGING.map((path) => ({ name: path.join('::'), re: pattern(path), found: 0 }));

const [input, output] = process.argv.slice(2);
const lines = readFileSync(input, 'utf8').split('\n');
const fail = (message) => {
  console.error(`stub-panics: ${message}`);
  process.exit(1);
};
const out = [];
for (let i = 0; i < lines.length; i++) {
  const head = /^ \(func \$(\S+)/.exec(lines[i]);
  out.push(lines[i]);
  const match = head && wanted.find((w) => w.re.test(head[1]));
  if (!match) continue;
  // A function that never returns has no result; one with a result is not what was meant.
  if (lines[i].includes('(result ')) fail(`${match.name} returns a value in ${input}`);
  // wasm-dis ends each function with a line holding only " )".
  while (lines[i + 1] !== ' )') {
    if (++i >= lines.length) fail(`no end to ${match.name} in ${input}`);
  }
  out.push('  (unreachable)');
  match.found++;
}
const missing = wanted.filter((w) => w.found !== 1);
if (missing.length > 0) {
  const names = missing.map((w) => `${w.name} (found ${w.found} times)`).join(', ');
  fail(`expected each once in ${input}: ${names}. Were the names stripped, did Rust rename one, or does nothing call it now? Update DIVERGING.`);
}
writeFileSync(output, out.join('\n'));
