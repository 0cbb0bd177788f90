// Usage: node scripts/stub-panics.mjs IN.wat OUT.wat
// Gives every function on a panic path the body `unreachable`. The mask module is built with
// panic = "abort" for wasm32-unknown-unknown, where a panic's message goes nowhere and the
// module traps, so these functions only format a message nobody reads before trapping:
// trapping at once is the same behaviour, and wasm-opt then drops the formatting machinery
// (about a quarter of the module). Every function matched never returns.
import { readFileSync, writeFileSync } from 'node:fs';

const DIVERGING = /panicking|_fail|unwrap_failed|expect_failed|capacity_overflow|handle_error|handle_alloc_error|begin_panic/;
const [input, output] = process.argv.slice(2);
const lines = readFileSync(input, 'utf8').split('\n');
const out = [];
let stubbed = 0;
for (let i = 0; i < lines.length; i++) {
  const head = /^ \(func \$(\S+)/.exec(lines[i]);
  out.push(lines[i]);
  if (!head || !DIVERGING.test(head[1])) continue;
  // wasm-dis ends each function with a line holding only " )".
  while (lines[i + 1] !== ' )') i++;
  out.push('  (unreachable)');
  stubbed++;
}
if (stubbed === 0) {
  console.error('stub-panics: no panic function found; were the names stripped?');
  process.exit(1);
}
writeFileSync(output, out.join('\n'));
