// How big and how deep the JSON a pod or NAD author controls may be before it enters a saved plan (issue 12): a
// value braid cannot write back out (a deeply nested `cni-args`) would make every DEL of the pod fail.

import { MAX_DEPTH, walkJson } from '../cni/json-walk.js';

export { MAX_DEPTH, safeJson } from '../cni/json-walk.js';
/** A selection element's field, serialised. */
export const MAX_FIELD_BYTES = 64 * 1024;
/** A NAD's spec.config, and the networks annotation, as text. */
export const MAX_TEXT_BYTES = 256 * 1024;

/**
 * What is wrong with a JSON value an author controls: too deep, too big, or holding a number JSON cannot write
 * (its path named); undefined when it is fine. Nothing here recurses, so any value may be passed.
 */
export function boundsProblem(value: unknown, maxBytes = MAX_FIELD_BYTES, maxDepth = MAX_DEPTH): string | undefined {
  const { depth, nonFinite } = walkJson(value, maxDepth);
  if (depth > maxDepth) return `is nested more than ${maxDepth} levels deep`;
  if (nonFinite !== undefined)
    return `${nonFinite ? `holds at "${nonFinite}"` : 'is'} a number too big for a double (JSON has no Infinity)`;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > maxBytes) return `is ${bytes} bytes; at most ${maxBytes} are accepted`;
  return undefined;
}

/** What is wrong with a text an author controls (before it is parsed): too big; undefined when it is fine. */
export function textProblem(text: string, maxBytes = MAX_TEXT_BYTES): string | undefined {
  const bytes = Buffer.byteLength(text);
  return bytes > maxBytes ? `is ${bytes} bytes; at most ${maxBytes} are accepted` : undefined;
}
