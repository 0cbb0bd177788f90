#!/usr/bin/env node
// The layout checks of CONTRIBUTING.md, in plain Node (no dependencies):
//   (a) no `.rs` file under core/src, edge/src, widget/src, dashboard/src or intl/src is over
//       MAX_LINES lines, its `#[cfg(test)]` module included;
//   (b) no import cycle between the modules of any one of those crates.
// Prints every violation and exits 1, or prints a one-line summary and exits 0.
//
//   node scripts/check-layout.mjs [ROOT]           check the tree at ROOT (default: this repository)
//   node scripts/check-layout.mjs --graph [ROOT]   also print every module's dependencies
//   node scripts/check-layout.mjs --self-test
//
// A module is a file under src/: `src/foo.rs` and `src/foo/mod.rs` are `foo`,
// `src/ledger/pay.rs` is `ledger::pay`, and `src/lib.rs` is `crate`. Modules declared inline
// (`mod tests { ... }`) belong to their file. A module depends on another when its code names
// it through `crate::`, `super::`, `self::` or a child module's name, in a `use` (grouped ones
// included: `use crate::{a, b::{c, D}}`) or in a path in the code (`crate::a::f()`). A path is
// resolved to the deepest module it names (`crate::ledger::pay::Pay` is `ledger::pay` when
// that file exists, else `ledger`), following re-exports: `crate::Currency` with
// `pub use currency::Currency;` in lib.rs is `currency`. A re-export is itself a dependency
// only when the re-exporting module also uses the name. Comments, doc links and string
// literals are not code.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const MAX_LINES = 500;
export const CRATES = ['core', 'edge', 'widget', 'dashboard', 'intl'];
// More cycles than this in one group of modules are counted, not listed.
const MAX_CYCLES_LISTED = 60;

// --- reading Rust ---------------------------------------------------------------------------

/**
 * The source with comments and the insides of string, byte-string and char literals blanked
 * to spaces, newlines kept, so offsets and line numbers still match the file.
 */
export function stripRust(src) {
  const out = src.split('');
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const isIdent = (c) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < src.length && depth > 0) {
        if (src[j] === '/' && src[j + 1] === '*') { depth++; j += 2; }
        else if (src[j] === '*' && src[j + 1] === '/') { depth--; j += 2; }
        else j++;
      }
      blank(i, j);
      i = j;
    } else if ((c === 'r' || c === 'b' || c === 'c') && !isIdent(src[i - 1]) && /^(?:b|c)?r#*"/.test(src.slice(i, i + 260))) {
      // Raw strings: r"..", r#".."#, br"..", cr"..".
      const m = /^(?:b|c)?r(#*)"/.exec(src.slice(i, i + 260));
      const close = `"${m[1]}`;
      const start = i + m[0].length;
      const end = src.indexOf(close, start);
      const stop = end === -1 ? src.length : end;
      blank(start, stop);
      i = stop + close.length;
    } else if (c === '"' || ((c === 'b' || c === 'c') && next === '"' && !isIdent(src[i - 1]))) {
      let j = c === '"' ? i + 1 : i + 2;
      const start = j;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      blank(start, j);
      i = j + 1;
    } else if (c === '\'' || (c === 'b' && next === '\'' && !isIdent(src[i - 1]))) {
      const q = c === '\'' ? i : i + 1;
      if (src[q + 1] === '\\') {
        let j = q + 3;
        while (j < src.length && src[j] !== '\'' && src[j] !== '\n') j++;
        blank(q + 1, j);
        i = j + 1;
      } else {
        const cp = src.codePointAt(q + 1);
        const width = cp !== undefined && cp > 0xffff ? 2 : 1;
        if (src[q + 1 + width] === '\'') {
          blank(q + 1, q + 1 + width);
          i = q + 2 + width;
        } else {
          i = q + 1; // a lifetime or a label
        }
      }
    } else {
      i++;
    }
  }
  return out.join('');
}

/** Line count as `wc -l` gives it, plus a last line without a newline. */
export function countLines(text) {
  if (text === '') return 0;
  const newlines = (text.match(/\n/g) || []).length;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

/** Parses the tree of a `use` (the text between `use` and `;`) into its leaves. */
export function parseUseTree(text) {
  const tokens = text.match(/::|[{}*,]|\$?[A-Za-z_][A-Za-z0-9_]*|r#[A-Za-z_][A-Za-z0-9_]*/g) || [];
  const leaves = [];
  let pos = 0;
  const tree = (prefix) => {
    const segments = [...prefix];
    if (tokens[pos] === '::') {
      if (segments.length === 0) segments.push('::');
      pos++;
    }
    for (;;) {
      const t = tokens[pos];
      if (t === undefined) {
        if (segments.length > prefix.length) leaves.push({ segments });
        return;
      }
      if (t === '{') {
        pos++;
        while (tokens[pos] !== undefined && tokens[pos] !== '}') {
          if (tokens[pos] === ',') { pos++; continue; }
          tree(segments);
        }
        pos++;
        return;
      }
      if (t === '*') {
        pos++;
        leaves.push({ segments, glob: true });
        return;
      }
      if (t === ',' || t === '}') return;
      segments.push(t.replace(/^r#/, ''));
      pos++;
      if (tokens[pos] === '::') { pos++; continue; }
      if (tokens[pos] === 'as') {
        pos++;
        leaves.push({ segments, alias: tokens[pos++] });
        return;
      }
      leaves.push({ segments });
      return;
    }
  };
  while (pos < tokens.length) {
    if (tokens[pos] === ',') { pos++; continue; }
    const before = pos;
    tree([]);
    if (pos === before) pos++;
  }
  return leaves.map((leaf) => {
    const segments = [...leaf.segments];
    if (segments.length > 1 && segments[segments.length - 1] === 'self') segments.pop();
    const name = leaf.glob ? null : leaf.alias ?? segments[segments.length - 1];
    return { segments, glob: Boolean(leaf.glob), name };
  });
}

/** Inline `mod name { ... }` blocks of a stripped file: [{name, start, end}], nested ones too. */
function inlineModules(code) {
  const found = [];
  const re = /\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{/g;
  for (let m; (m = re.exec(code));) {
    let depth = 0;
    let j = m.index + m[0].length - 1;
    for (; j < code.length; j++) {
      if (code[j] === '{') depth++;
      else if (code[j] === '}' && --depth === 0) break;
    }
    found.push({ name: m[1], start: m.index + m[0].length, end: j });
  }
  return found;
}

const lineAt = (text, offset) => text.slice(0, offset).split('\n').length;

// --- the module graph of one crate ------------------------------------------------------------

export const ROOT_NAME = 'crate';
const keyOf = (segments) => segments.join('::');
const display = (key) => (key === '' ? ROOT_NAME : key);

/** `src/`-relative file path to module segments; null for files outside the lib's tree. */
export function moduleOf(relative) {
  const parts = relative.split('/');
  if (parts[0] === 'bin' || parts[0] === 'main.rs') return null;
  const last = parts.pop().replace(/\.rs$/, '');
  if (parts.length === 0 && last === 'lib') return [];
  if (last !== 'mod') parts.push(last);
  return parts;
}

/**
 * The dependencies between the modules of one crate.
 * files: [{path (for messages), relative (to src/), text}]
 * Returns {edges: Map<from, Map<to, [{file, line, what}]>>, modules: Set<key>}.
 */
export function moduleGraph(files) {
  const modules = new Map();
  for (const file of files) {
    const segments = moduleOf(file.relative);
    if (segments === null) continue;
    const code = stripRust(file.text).replace(/\bpub\s*\(\s*in\s+[^)]*\)/g, (s) => ' '.repeat(s.length));
    modules.set(keyOf(segments), { ...file, segments, code });
  }
  const exists = (segments) => modules.has(keyOf(segments));

  // Each module's uses and re-exports, and its code without the `use` items.
  for (const mod of modules.values()) {
    mod.uses = [];
    mod.exports = new Map();
    const inline = inlineModules(mod.code);
    const contextAt = (offset) => [
      ...mod.segments,
      ...inline.filter((b) => b.start <= offset && offset <= b.end).map((b) => b.name),
    ];
    const useRe = /\b(pub\s*(?:\([^)]*\))?\s*)?use\s+([^;]*);/g;
    let body = mod.code;
    for (let m; (m = useRe.exec(mod.code));) {
      const context = contextAt(m.index);
      const line = lineAt(mod.code, m.index);
      for (const leaf of parseUseTree(m[2])) {
        const use = { ...leaf, context, line, reexport: Boolean(m[1]), what: `use ${leaf.segments.join('::')}${leaf.glob ? '::*' : ''}` };
        mod.uses.push(use);
        if (use.reexport && context.length === mod.segments.length && use.name) {
          mod.exports.set(use.name, use);
        }
      }
      body = body.slice(0, m.index) + ' '.repeat(m[0].length) + body.slice(m.index + m[0].length);
    }
    mod.body = body;
    mod.contextAt = contextAt;
  }

  const absolute = (segments, context) => {
    const [first] = segments;
    if (first === 'crate' || first === '$crate') return segments.slice(1);
    if (first === 'super' || first === 'self') {
      const base = [...context];
      let i = 0;
      if (segments[0] === 'self') i = 1;
      else {
        while (segments[i] === 'super') {
          if (base.length === 0) return null;
          base.pop();
          i++;
        }
      }
      return [...base, ...segments.slice(i)];
    }
    if (first !== '::' && exists([...context, first])) return [...context, ...segments];
    return null;
  };

  // The deepest module a path names, following re-exports.
  const resolve = (segments, depth = 0) => {
    let n = segments.length;
    while (n > 0 && !exists(segments.slice(0, n))) n--;
    const owner = segments.slice(0, n);
    const rest = segments.slice(n);
    const reexport = rest.length > 0 && modules.get(keyOf(owner))?.exports.get(rest[0]);
    if (reexport && !reexport.glob && depth < 16) {
      const target = absolute(reexport.segments, reexport.context);
      if (target) return resolve([...target, ...rest.slice(1)], depth + 1);
    }
    return keyOf(owner);
  };

  const edges = new Map();
  const addEdge = (from, to, where) => {
    if (from === to) return;
    if (!edges.has(from)) edges.set(from, new Map());
    const targets = edges.get(from);
    if (!targets.has(to)) targets.set(to, []);
    targets.get(to).push(where);
  };

  const pathRe = /(?<![A-Za-z0-9_$:])(\$crate|crate|super|self|[a-z_][A-Za-z0-9_]*)((?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)/g;
  for (const [key, mod] of modules) {
    for (const use of mod.uses) {
      if (use.reexport && use.name && !new RegExp(`\\b${use.name}\\b`).test(mod.body)) continue;
      const target = absolute(use.segments, use.context);
      if (target) addEdge(key, resolve(target), { file: mod.path, line: use.line, what: use.what });
    }
    for (let m; (m = pathRe.exec(mod.body));) {
      const segments = [m[1], ...m[2].split('::').map((s) => s.trim()).filter(Boolean)];
      const context = mod.contextAt(m.index);
      const target = absolute(segments, context);
      if (!target) continue;
      addEdge(key, resolve(target), { file: mod.path, line: lineAt(mod.code, m.index), what: segments.join('::') });
    }
  }
  return { edges, modules: new Set(modules.keys()) };
}

// --- cycles -----------------------------------------------------------------------------------

/** Strongly connected components with more than one module (Tarjan). */
export function tangles(nodes, edges) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const out = [];
  const visit = (v) => {
    info.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of (edges.get(v) || new Map()).keys()) {
      if (!info.has(w)) {
        visit(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).onStack) {
        info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
      }
    }
    if (info.get(v).low === info.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!info.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * The elementary cycles within one component, each starting at its least module, shortest
 * first; at most `limit` of them, and how many there are in all.
 */
export function cyclesIn(component, edges, limit = MAX_CYCLES_LISTED) {
  const order = [...component].sort();
  const inside = new Set(order);
  const cycles = [];
  let total = 0;
  for (let s = 0; s < order.length; s++) {
    const start = order[s];
    const allowed = new Set(order.slice(s));
    const pathNodes = [start];
    const onPath = new Set([start]);
    const walk = (v) => {
      for (const w of (edges.get(v) || new Map()).keys()) {
        if (!inside.has(w) || !allowed.has(w)) continue;
        if (w === start) {
          total++;
          if (cycles.length < 5000) cycles.push([...pathNodes, start]);
        } else if (!onPath.has(w) && total < 100000) {
          onPath.add(w);
          pathNodes.push(w);
          walk(w);
          pathNodes.pop();
          onPath.delete(w);
        }
      }
    };
    walk(start);
  }
  cycles.sort((a, b) => a.length - b.length || a.join(' ').localeCompare(b.join(' ')));
  return { cycles: cycles.slice(0, limit), total };
}

// --- the repository ---------------------------------------------------------------------------

function rustFiles(dir) {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d).sort()) {
      const full = path.join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.rs')) found.push(full);
    }
  };
  walk(dir);
  return found;
}

/**
 * Every violation under `root`, as lines of the report (empty when the layout is fine), and
 * with `graph`, every module's dependencies.
 */
export function check(root, { graph = false } = {}) {
  const long = [];
  const cycleReport = [];
  const graphReport = [];
  const missing = [];
  let fileCount = 0;
  let moduleCount = 0;
  for (const crate of CRATES) {
    const src = path.join(root, crate, 'src');
    let paths;
    try {
      paths = rustFiles(src);
    } catch {
      missing.push(path.relative(root, src) || src);
      continue;
    }
    const files = paths.map((full) => ({
      path: path.relative(root, full),
      relative: path.relative(src, full).split(path.sep).join('/'),
      text: readFileSync(full, 'utf8'),
    }));
    fileCount += files.length;
    for (const file of files) {
      const lines = countLines(file.text);
      if (lines > MAX_LINES) long.push({ path: file.path, lines });
    }
    const { edges, modules } = moduleGraph(files);
    moduleCount += modules.size;
    if (graph) {
      for (const from of [...modules].sort()) {
        const to = [...(edges.get(from) || new Map()).keys()].map(display).sort();
        graphReport.push(`  ${crate}: ${display(from)} → ${to.join(', ') || '(nothing)'}`);
      }
    }
    for (const component of tangles(modules, edges)) {
      const { cycles, total } = cyclesIn(component, edges);
      cycleReport.push(`  ${crate}: ${total} cycle${total === 1 ? '' : 's'} among ${component.map(display).join(', ')}`);
      for (const cycle of cycles) cycleReport.push(`    ${cycle.map(display).join(' → ')}`);
      if (total > cycles.length) cycleReport.push(`    ... and ${total - cycles.length} more through the same modules`);
      cycleReport.push('    where:');
      for (const from of component) {
        for (const [to, places] of edges.get(from) || []) {
          if (!component.includes(to)) continue;
          const first = places[0];
          const more = places.length > 1 ? ` (+${places.length - 1} more)` : '';
          cycleReport.push(`      ${display(from)} → ${display(to)}: ${first.file}:${first.line} ${first.what}${more}`);
        }
      }
    }
  }
  const report = [];
  if (missing.length) {
    report.push(`check-layout: no such folder under ${root}: ${missing.join(', ')}`);
  }
  if (long.length) {
    report.push(`check-layout: ${long.length} file${long.length === 1 ? '' : 's'} over ${MAX_LINES} lines (split by behaviour, tests included):`);
    for (const f of long.sort((a, b) => b.lines - a.lines)) report.push(`  ${f.path}: ${f.lines} lines`);
  }
  if (cycleReport.length) {
    if (report.length) report.push('');
    report.push(`check-layout: import cycles between modules (a module is a file under src/; ${ROOT_NAME} is lib.rs):`);
    report.push(...cycleReport);
  }
  return { report, fileCount, moduleCount, graphReport };
}

// --- self-test --------------------------------------------------------------------------------

function selfTest() {
  // Stripping keeps offsets and drops comments and literals, not lifetimes.
  const src = 'let a = "crate::x"; // crate::y\n/* crate::z /* nested */ */ fn f<\'a>(c: char) { \'"\'; r#"crate::w"# }';
  const stripped = stripRust(src);
  assert.equal(stripped.length, src.length);
  assert.ok(!/crate::/.test(stripped), stripped);
  assert.ok(stripped.includes("<'a>"));
  assert.ok(stripped.includes('\n'));
  assert.equal(countLines('a\nb\n'), 2);
  assert.equal(countLines('a\nb'), 2);

  const leaves = parseUseTree('crate::{a, b::{self, C as D}, e::*}');
  assert.deepEqual(leaves.map((l) => [l.segments.join('::'), l.name, l.glob]), [
    ['crate::a', 'a', false], ['crate::b', 'b', false], ['crate::b::C', 'D', false], ['crate::e', null, true],
  ]);

  const crate = (files) => moduleGraph(Object.entries(files).map(([relative, text]) => ({ path: `x/src/${relative}`, relative, text })));
  const deps = (graph, from) => [...(graph.edges.get(from) || new Map()).keys()].sort();

  // Grouped imports, super, self, child paths, deepest module, re-exports, no doc links.
  const g = crate({
    'lib.rs': 'mod a; mod b; mod ledger; pub use a::Thing; fn start() { b::go(); }',
    'a.rs': '//! See [`crate::b`].\nuse crate::{ledger::{pay::Pay, Ledger}, Thing};\nfn f() { let s = "crate::b::x"; }\n#[cfg(test)]\nmod tests { use super::*; use crate::b::Helper; }',
    'b.rs': 'pub fn go() { super::a::f(); }',
    'ledger/mod.rs': 'pub mod pay; pub use self::pay::Pay; pub struct Ledger; fn g() -> Pay { pay::new() }',
    'ledger/pay.rs': 'use super::Ledger; pub(in crate::ledger) fn new() {}',
  });
  assert.deepEqual(deps(g, 'a'), ['b', 'ledger', 'ledger::pay']);
  assert.deepEqual(deps(g, 'b'), ['a']);
  assert.deepEqual(deps(g, ''), ['b']);
  assert.deepEqual(deps(g, 'ledger'), ['ledger::pay']);
  assert.deepEqual(deps(g, 'ledger::pay'), ['ledger']);
  const found = tangles(g.modules, g.edges);
  assert.deepEqual(found, [['a', 'b'], ['ledger', 'ledger::pay']]);
  assert.deepEqual(cyclesIn(found[0], g.edges).cycles, [['a', 'b', 'a']]);

  // A re-export the module does not use itself is no dependency; `crate::Name` follows it.
  const h = crate({
    'lib.rs': 'pub mod money; pub mod currency; pub use currency::Currency;',
    'money.rs': 'use crate::Currency;',
    'currency.rs': 'pub struct Currency; fn f() { crate::money::x(); }',
  });
  assert.deepEqual(deps(h, ''), []);
  assert.deepEqual(deps(h, 'money'), ['currency']);
  assert.deepEqual(tangles(h.modules, h.edges), [['currency', 'money']]);

  // Three-module ring.
  const r = crate({ 'lib.rs': '', 'f.rs': 'use crate::m::x;', 'm.rs': 'use crate::b::y;', 'b.rs': 'fn z() { crate::f::w() }' });
  assert.deepEqual(cyclesIn(['b', 'f', 'm'], r.edges).cycles, [['b', 'f', 'm', 'b']]);
  console.log('check-layout: self-test passed');
}

// --- main -------------------------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--self-test') {
    selfTest();
  } else {
    const graph = args[0] === '--graph';
    if (graph) args.shift();
    const root = path.resolve(args[0] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
    const { report, fileCount, moduleCount, graphReport } = check(root, { graph });
    if (graph) console.log(`check-layout: what each module uses\n${graphReport.join('\n')}\n`);
    if (report.length) {
      console.error(report.join('\n'));
      process.exit(1);
    }
    console.log(`check-layout: ${fileCount} files in ${CRATES.join(', ')}: none over ${MAX_LINES} lines, no import cycle among ${moduleCount} modules`);
  }
}
