// Multus' configuration keys in braid (docs/adr/0017): every key of Multus' configuration reference is honoured or
// refused with what braid does instead, never an unknown key. The table is "x-multus" in
// schemas/node-config.schema.json, generated into ./generated/multus-keys.ts; this file applies it. Multus decodes
// its configuration with Go's encoding/json, which matches keys case-insensitively, so these keys are matched so
// too; braid's own keys stay case-sensitive (a misspelt one is an unknown key).
import { type JsonObject, setOwn } from '../cni/types.js';
import { safeJson } from './bounds.js';
import {
  MULTUS_DAEMON_KEYS,
  MULTUS_NODE_KEYS,
  MULTUS_REJECTED,
  type MultusDaemonKey,
} from './generated/multus-keys.js';
import { NODE_CONFIG_KEYS } from './generated/node-config-keys.js';

const BRAID_KEYS = new Set<string>(NODE_CONFIG_KEYS);
const BY_LOWER = new Map(
  [...MULTUS_NODE_KEYS, ...Object.keys(MULTUS_DAEMON_KEYS), ...Object.keys(MULTUS_REJECTED)].map((k) => [
    k.toLowerCase(),
    k,
  ]),
);

/** The Multus key `key` is, matched as Multus matches it (case-insensitively); undefined when it is none. */
export function multusKeyOf(key: string): string | undefined {
  return BY_LOWER.get(key.toLowerCase());
}

/** The key of Multus' daemon (chrootDir, socketDir, …) that `key` is, for the daemon's configuration. */
export function multusDaemonKeyOf(key: string): MultusDaemonKey | undefined {
  const m = multusKeyOf(key);
  return m !== undefined && m in MULTUS_DAEMON_KEYS ? (m as MultusDaemonKey) : undefined;
}

/** safeJson, not JSON.stringify: the value is the author's, and one nested thousands deep must not overflow. */
const same = (a: unknown, b: unknown) => safeJson(a) === safeJson(b);

/**
 * Why a Multus key braid does not take on the CNI configuration is refused, naming the key as it was written;
 * undefined for a value that asks for what braid does anyway (`"retryDeleteOnError": true`).
 */
export function multusRefusal(written: string, value: unknown): string | undefined {
  const key = multusKeyOf(written);
  if (key === undefined) return undefined;
  const rejected = MULTUS_REJECTED[key];
  if (rejected) {
    if (rejected.accepts?.some((v) => same(v, value))) return undefined;
    const what = rejected.accepts
      ? `"${written}": ${safeJson(value)} is a Multus setting`
      : `"${written}" is a Multus key`;
    return `${what} braid does not support: ${rejected.instead}`;
  }
  if (key in MULTUS_DAEMON_KEYS) {
    const as = MULTUS_DAEMON_KEYS[key as MultusDaemonKey];
    return `"${written}" is a key of Multus' daemon configuration: braid's daemon takes it, as "${as}", from its own configuration (\`braid daemon --config FILE\`), not from the CNI configuration`;
  }
  return undefined;
}

/** braid's own spelling of `key`: a Multus key written in another case is the schema's key of that name. */
export function braidSpelling(key: string): string {
  if (BRAID_KEYS.has(key)) return key;
  const m = multusKeyOf(key);
  return m !== undefined && BRAID_KEYS.has(m) ? m : key;
}

export interface FromMultus {
  /** The keys for the schema: braid's spellings; the Multus keys braid does not take left out. */
  config: JsonObject;
  /** One per Multus key braid refuses, each saying what to do instead. */
  problems: string[];
}

/**
 * The node configuration as braid's schema reads it: Multus' keys in braid's spelling (`ReadinessIndicatorFile` is
 * `readinessindicatorfile`, an alias parseNodeConfig resolves), the ones braid refuses named in `problems`, and the
 * values braid accepts without reading them left out. braid's own keys and unknown keys pass unchanged.
 */
export function fromMultus(raw: JsonObject): FromMultus {
  const config: JsonObject = {};
  const problems: string[] = [];
  const respelt: Array<[written: string, key: string]> = [];
  for (const [k, v] of Object.entries(raw)) {
    const key = braidSpelling(k);
    if (key !== k) respelt.push([k, key]);
    else if (BRAID_KEYS.has(k) || multusKeyOf(k) === undefined)
      setOwn(config, k, v); // "__proto__" too: unknown
    else {
      const refusal = multusRefusal(k, v);
      if (refusal) problems.push(refusal);
    }
  }
  for (const [written, key] of respelt) {
    if (Object.hasOwn(config, key))
      problems.push(`both "${key}" and "${written}" are set, which Multus reads as one key; keep one`);
    else setOwn(config, key, raw[written]);
  }
  return { config, problems };
}
