// The type definitions a chat site copies (widget/types) and the README's React wrapper,
// checked by the pinned TypeScript against React 18's types, as a site's own project would:
// `<chat-pay>` in JSX, its chatpay:* events, window.ChatPay. tests/types/usage.tsx holds
// what must compile and, with @ts-expect-error, what must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the types and the wrapper type-check, and the refused uses are refused', () => {
  const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
  try {
    execFileSync(tsc, ['-p', path.join(ROOT, 'tests/types')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc found errors:\n${e.stdout}${e.stderr}`);
  }
});

test('the README shows the wrapper exactly as it is checked', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const wrapper = readFileSync(path.join(ROOT, 'tests/types/ChatPayCard.tsx'), 'utf8');
  assert.ok(readme.includes('```tsx\n' + wrapper + '```'), 'README.md lacks tests/types/ChatPayCard.tsx verbatim in a tsx block');
});
