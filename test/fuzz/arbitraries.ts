// The inputs the fuzz suite draws from. Raw ones (any string, any JSON) find little: almost all of them fail at
// the first check. Structure-aware ones find more: a valid annotation, config, request or plan, then a few edits to
// it, with values and keys taken from a dictionary of what breaks parsers (wrong types, "__proto__" and
// "toString" keys, nesting deeper than any stack, huge strings, lone surrogates, NULs).
import fc from 'fast-check';
import { SUPPORTED_VERSIONS } from '../../src/cni/version.js';

// ---- values too deep or too big to build and print in every run: a token such as "⟪deep:a6000⟫" (6000 nested
// arrays) or "⟪big:307200⟫" (a string of 307200 characters) stands for them, in counterexamples too, until a property
// hands the input to braid (expand, materialize) ----

const TOKEN = /^⟪(deep|big):([ao]?)(\d+)⟫$/;
const TOKEN_IN_JSON = /"⟪(deep|big):([ao]?)(\d+)⟫"/g;

/** A value nested `depth` levels deep (arrays or objects). */
export const deep = (depth: number, kind: 'a' | 'o' = 'a') => `⟪deep:${kind}${depth}⟫`;
/** A string of `bytes` characters. */
export const big = (bytes: number) => `⟪big:${bytes}⟫`;

function deepText(depth: number, kind: string): string {
  return kind === 'a' ? '['.repeat(depth) + ']'.repeat(depth) : '{"k":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const expandToken = (what: string, kind: string, n: string) =>
  what === 'deep' ? deepText(Number(n), kind) : JSON.stringify('x'.repeat(Number(n)));

/**
 * JSON text of `v` with its tokens still in: what the arbitraries produce, so that a counterexample prints short.
 * A property gives the code under test `expand(text)`.
 */
export const jsonOf = (v: unknown): string => JSON.stringify(v) ?? 'null';

/** A text with its tokens written out (JSON.stringify itself overflows the stack on deep values). */
export const expand = (text: string): string =>
  text.replace(TOKEN_IN_JSON, (_m, what: string, kind: string, n: string) => expandToken(what, kind, n));

/** Sets `obj[key]` as JSON.parse would: "__proto__" becomes an own key, not the prototype. */
export function define(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `v` as JSON.parse(toText(v)) would give it: tokens built, every key an own data property. */
export function materialize(v: unknown): unknown {
  if (typeof v === 'string') {
    const m = TOKEN.exec(v);
    return m ? (JSON.parse(expandToken(m[1]!, m[2]!, m[3]!)) as unknown) : v;
  }
  if (Array.isArray(v)) return v.map(materialize);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) define(out, k, materialize(x));
  return out;
}

// ---- the dictionary ----

/** Keys that trip JavaScript objects: prototype names, and keys a parser may confuse with its own. */
export const NASTY_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'toJSON',
  'hasOwnProperty',
  'length',
  '',
  ' ',
  '0',
  'a.b',
  'NAME',
  'Name',
  'name ',
  '\u0000',
] as const;

const nastyObjects: unknown[] = [
  { toString: 1 },
  { toString: null, valueOf: null },
  { valueOf: 'x' },
  { toJSON: 1 },
  { length: 3 },
  { length: -1, 0: 'a' },
  { constructor: 'x' },
];

const nastyStrings = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '😀',
  'é'.repeat(15),
  '..',
  '.',
  '../../etc/passwd',
  '/',
  '-',
  ':',
  'a:2Db',
  ',',
  '@',
  '{',
  '[',
  '"',
  '\\',
  'null',
  'true',
  '0x10',
  '1e400',
  'braid',
  '1.1.0',
  '0.1.0',
  '99.99.99',
  '01.1.0',
  '1.1.0 ',
  'x'.repeat(16),
  'x'.repeat(254),
  'a'.repeat(300) + '-',
  'a-'.repeat(5000),
];

const nastyNumbers = [0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, 65536, 99999];

/** Deep and big values, as tokens: over MAX_DEPTH (32), past JSON.stringify's stack, past every size bound. */
export const heavy: fc.Arbitrary<string> = fc.constantFrom(
  deep(33),
  deep(33, 'o'),
  deep(200, 'o'),
  deep(6_000),
  deep(6_000, 'o'),
  deep(60_000),
  big(70 * 1024),
  big(300 * 1024),
);

/** A value from the dictionary, a small arbitrary JSON value, or a heavy one. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...nastyStrings, ...nastyNumbers, null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...nastyObjects) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 2, arbitrary: heavy },
);

export const nastyKey = (known: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    // Go's encoding/json (and braid, for Multus' sake) match some keys case-insensitively
    { weight: 1, arbitrary: fc.constantFrom(...known).chain((k) => fc.mixedCase(fc.constant(k))) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );

// ---- edits to a valid value ----

type Edit =
  { kind: 'set' | 'add'; at: number; key: string; value: unknown } | { kind: 'delete' | 'wrap' | 'dup'; at: number };

const edit = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<unknown>): fc.Arbitrary<Edit> =>
  fc.oneof(
    fc.record({ kind: fc.constantFrom('set' as const, 'add' as const), at: fc.nat(), key: keys, value: values }),
    fc.record({ kind: fc.constantFrom('delete' as const, 'wrap' as const, 'dup' as const), at: fc.nat() }),
  );

type Slot = { parent: unknown[] | Record<string, unknown>; key: string | number };

/** Every place a value sits in `root`, outermost first (the root itself is not one). */
function slotsOf(root: unknown): Slot[] {
  const out: Slot[] = [];
  const visit = (v: unknown) => {
    if (v === null || typeof v !== 'object') return;
    const parent = v as unknown[] | Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) {
      out.push({ parent, key: Array.isArray(v) ? Number(k) : k });
      visit(x);
    }
  };
  visit(root);
  return out;
}

const containersOf = (root: unknown): Array<unknown[] | Record<string, unknown>> => [
  ...(root !== null && typeof root === 'object' ? [root as Record<string, unknown>] : []),
  ...slotsOf(root)
    .map((s) => (s.parent as Record<string, unknown>)[s.key])
    .filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object'),
];

function put(s: Slot, value: unknown): void {
  if (Array.isArray(s.parent)) s.parent[s.key as number] = value;
  else define(s.parent, s.key as string, value);
}

/** A fresh copy of an edit's value: the dictionary's objects are shared between runs, and must stay as they are. */
const fresh = (v: unknown): unknown => (v !== null && typeof v === 'object' ? JSON.parse(jsonOf(v)) : v);

function applyEdit(root: unknown, edit: Edit): unknown {
  const e = 'value' in edit ? { ...edit, value: fresh(edit.value) } : edit;
  if (e.kind === 'add') {
    const all = containersOf(root);
    const c = all[e.at % Math.max(1, all.length)];
    if (Array.isArray(c)) c.splice(e.at % (c.length + 1), 0, e.value);
    else if (c) define(c, e.key, e.value);
    return root;
  }
  const slots = slotsOf(root);
  const s = slots[e.at % Math.max(1, slots.length)];
  if (!s) return e.kind === 'set' ? e.value : root;
  const here = (s.parent as Record<string, unknown>)[s.key];
  if (e.kind === 'set') put(s, e.value);
  else if (e.kind === 'wrap') put(s, e.at % 2 ? [here] : { [String(s.key)]: here });
  else if (e.kind === 'dup') put(s, Array.isArray(here) ? [...here, ...(fresh(here) as unknown[])] : here);
  else if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
  else delete s.parent[s.key as string];
  return root;
}

/** `base`, then one to `maxEdits` edits anywhere in it, with keys from `keys` and values from `values`. */
export function mutated(
  base: fc.Arbitrary<unknown>,
  keys: fc.Arbitrary<string>,
  values: fc.Arbitrary<unknown> = nastyValue,
  maxEdits = 3,
): fc.Arbitrary<unknown> {
  return fc
    .tuple(base, fc.array(edit(keys, values), { minLength: 1, maxLength: maxEdits }))
    .map(([v, edits]) => edits.reduce((root, e) => applyEdit(root, e), JSON.parse(jsonOf(v)) as unknown));
}

/** Edits to a text: characters inserted, deleted or replaced, from `alphabet` (the text's own syntax). */
export function mutatedText(base: fc.Arbitrary<string>, alphabet: string, maxEdits = 3): fc.Arbitrary<string> {
  const piece = fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 3 });
  const textEdit = fc.record({ kind: fc.constantFrom('insert', 'delete', 'replace'), at: fc.nat(), text: piece });
  return fc.tuple(base, fc.array(textEdit, { minLength: 1, maxLength: maxEdits })).map(([text, edits]) =>
    edits.reduce((t, e) => {
      const i = e.at % (t.length + 1);
      if (e.kind === 'insert') return t.slice(0, i) + e.text + t.slice(i);
      if (e.kind === 'delete') return t.slice(0, i) + t.slice(i + e.text.length);
      return t.slice(0, i) + e.text + t.slice(i + e.text.length);
    }, text),
  );
}

/** Any text: JSON or not, ASCII or not. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);

// ---- pieces of valid inputs ----

export const cniVersion = fc.constantFrom(...SUPPORTED_VERSIONS);

/** A DNS-1123 label (namespaces) and subdomain (NAD names). */
export const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
export const subdomain = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));

/** An interface name the kernel and libcni take. */
export const ifname = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,15}$/).filter((s) => s !== '.' && s !== '..');

/** A container ID libcni takes. */
export const containerId = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,40}$/);

/** A CNI network name libcni takes. */
export const networkName = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}$/);

export const pluginType = fc.oneof(
  fc.constantFrom('bridge', 'macvlan', 'ipvlan', 'host-device', 'sriov', 'tuning', 'portmap', 'bandwidth'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/).filter((t) => t !== 'braid'),
);

const hex2 = fc.stringMatching(/^[0-9a-fA-F]{2}$/);
export const mac = fc.array(hex2, { minLength: 6, maxLength: 6 }).map((p) => p.join(':'));
export const guid = fc.array(hex2, { minLength: 8, maxLength: 8 }).map((p) => p.join(':'));

export const ipOrCidr = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`),
);

/** A CIDR as results carry it. */
export const cidr = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`),
);

export const smallObject = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
