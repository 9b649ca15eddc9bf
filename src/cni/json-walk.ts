// Looking at JSON someone else wrote without recursion: how deep it is, where a number JSON cannot hold is, and
// what it looks like in a message. JSON.stringify and String() recurse, so a value nested a few thousand levels
// deep throws a RangeError from them (issue 12): nothing here does.

/** Nesting deeper than this is refused in what a pod or NAD author writes; real configs and selections stay under 10. */
export const MAX_DEPTH = 32;
/** How long a value quoted in a message may be. */
const MAX_SHOWN_BYTES = 64 * 1024;

export interface Walked {
  /** The deepest nesting, counted up to one more than the most allowed (where the walk stops). */
  depth: number;
  /** Where the first number JSON cannot hold (Infinity, NaN) is, as a path from the value ("" for the value). */
  nonFinite?: string;
}

const child = (path: string, key: string, list: boolean) => (list ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/**
 * The deepest nesting in `value` and its first non-finite number, found without recursion (a hostile value must
 * not overflow the stack). `1e999` parses as Infinity, which JSON.stringify writes as null: the delegate would get
 * null where the author wrote a number, so such a value is refused, as Go's encoding/json refuses it.
 */
export function walkJson(value: unknown, maxDepth = MAX_DEPTH): Walked {
  let depth = 0;
  let nonFinite: string | undefined;
  const stack: Array<[unknown, number, string]> = [[value, 0, '']];
  while (stack.length) {
    const [v, d, path] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) nonFinite ??= path;
    if (v === null || typeof v !== 'object') continue;
    depth = Math.max(depth, d + 1);
    if (depth > maxDepth) return { depth };
    const list = Array.isArray(v);
    for (const [k, c] of Object.entries(v as object)) stack.push([c, d + 1, child(path, k, list)]);
  }
  return nonFinite === undefined ? { depth } : { depth, nonFinite };
}

/**
 * JSON.stringify of `value` when it is at most `maxDepth` deep and `maxBytes` long, else a placeholder saying why
 * not; never throws (a BigInt, a cycle). For quoting a value in a message.
 */
export function safeJson(value: unknown, maxDepth = MAX_DEPTH, maxBytes = MAX_SHOWN_BYTES): string {
  if (walkJson(value, maxDepth).depth > maxDepth) return `(a value nested more than ${maxDepth} levels deep)`;
  try {
    const s = JSON.stringify(value) ?? String(value);
    const bytes = Buffer.byteLength(s);
    return bytes > maxBytes ? `(a value of ${bytes} bytes)` : s;
  } catch {
    return '(a value that is not JSON)';
  }
}
