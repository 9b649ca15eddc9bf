// libcni re-marshals every plugin config through Go's encoding/json (InjectConf into a map), so a
// plugin sees object keys sorted and "<", ">", "&", U+2028 and U+2029 escaped. braid writes the
// same bytes, so a delegate receives exactly what it would get from libcni.
import { type JsonObject, setOwn } from './types.js';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) setOwn(out, key, sortKeys((value as JsonObject)[key]));
  return out;
}

const ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function goMarshal(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c] ?? c);
}
