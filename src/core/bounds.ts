// How big and how deep the JSON a pod or NAD author controls may be before it enters a saved plan (issue 12): a
// value braid cannot write back out (a deeply nested `cni-args`) would make every DEL of the pod fail.

/** Nesting deeper than this is refused; real configs and selections stay under 10. */
export const MAX_DEPTH = 32;
/** A selection element's field, serialised. */
export const MAX_FIELD_BYTES = 64 * 1024;
/** A NAD's spec.config, and the networks annotation, as text. */
export const MAX_TEXT_BYTES = 256 * 1024;

/** The deepest nesting in `value`, counted without recursion (a hostile value must not overflow the stack). */
function depthOf(value: unknown): number {
  let most = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    most = Math.max(most, d + 1);
    if (most > MAX_DEPTH) return most;
    for (const child of Object.values(v as object)) stack.push([child, d + 1]);
  }
  return most;
}

/** What is wrong with a JSON value an author controls: too deep or too big; undefined when it is fine. */
export function boundsProblem(value: unknown, maxBytes = MAX_FIELD_BYTES): string | undefined {
  if (depthOf(value) > MAX_DEPTH) return `is nested more than ${MAX_DEPTH} levels deep`;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > maxBytes) return `is ${bytes} bytes; at most ${maxBytes} are accepted`;
  return undefined;
}

/** What is wrong with a text an author controls (before it is parsed): too big; undefined when it is fine. */
export function textProblem(text: string, maxBytes = MAX_TEXT_BYTES): string | undefined {
  const bytes = Buffer.byteLength(text);
  return bytes > maxBytes ? `is ${bytes} bytes; at most ${maxBytes} are accepted` : undefined;
}
