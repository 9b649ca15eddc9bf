// The fields of a selection element (NPWG §4.1.2), once: how each is spelled, checked and delivered. Parsing
// (selection.ts), delegate rewriting (delegate.ts) and `braid explain` all read this table, so a new field is
// one row here.
import { isIP } from 'node:net';
import type { CniArgs } from '../cni/args.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { interfaceNameProblem } from '../cni/validate.js';
import { safeJson } from './bounds.js';

/** One element of the pod's network selection (NPWG §4.1), as braid reads it. */
export interface SelectionElement {
  name: string;
  namespace: string;
  interface?: string;
  ips?: string[];
  mac?: string;
  'default-route'?: string[];
  'cni-args'?: JsonObject;
  bandwidth?: JsonObject;
  portMappings?: JsonObject[];
  'infiniband-guid'?: string;
  deviceID?: string;
}

export type FieldKey = Exclude<keyof SelectionElement, 'name' | 'namespace'>;

export interface SelectionField {
  key: FieldKey;
  /** Other spellings accepted in the JSON form (keys match case-insensitively anyway). */
  aliases?: string[];
  /** What is wrong with a value, as "must be …" / "is not …" after the field's name; undefined when it is fine. */
  check: (value: unknown) => string | undefined;
  /** The runtimeConfig capability a plugin declares to receive it (CNI CONVENTIONS.md). */
  capability?: string;
  /** Where no plugin declares the capability: the legacy CNI_ARGS entry Multus also sends (docs/adr/0003). */
  legacyArg?: { name: string; format: (value: unknown) => string };
  /** For a field that is no capability: what braid does with it (shown by `braid explain`). */
  use?: string;
}

const MAC = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;
const GUID = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){7}$|^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){19}$/;

function isIpOrCidr(v: string): boolean {
  const [ip, prefix, ...rest] = v.split('/');
  if (rest.length || !ip) return false;
  const fam = isIP(ip);
  if (!fam) return false;
  if (prefix === undefined) return true;
  const n = Number(prefix);
  return /^\d+$/.test(prefix) && n <= (fam === 4 ? 32 : 128);
}

/** A value in a message: a string quoted, anything else as JSON (never String(): it may throw or recurse). */
const quoted = (v: unknown) => (typeof v === 'string' ? `"${v}"` : safeJson(v));

/** A list of strings each of which passes `each` (its problem names the bad item). */
const listOf = (each: (s: string) => string | undefined) => (v: unknown) => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return 'must be a list of strings';
  for (const s of v as string[]) {
    const p = each(s);
    if (p) return p;
  }
  return undefined;
};
const matching = (re: RegExp, what: string) => (v: unknown) =>
  typeof v === 'string' && re.test(v) ? undefined : `${quoted(v)} is not ${what}`;
const object = (v: unknown) => (isObject(v) ? undefined : 'must be a JSON object');

export const SELECTION_FIELDS: readonly SelectionField[] = [
  {
    key: 'interface',
    aliases: ['interfaceRequest'], // deprecated Multus spelling
    use: 'the CNI_IFNAME of its delegate',
    check: (v) => {
      const p = typeof v === 'string' ? interfaceNameProblem(v) : 'must be a string';
      return p && `${quoted(v)} ${p}`;
    },
  },
  {
    key: 'ips',
    check: listOf((ip) => (isIpOrCidr(ip) ? undefined : `"${ip}" is not an IP address or CIDR`)),
    capability: 'ips',
    legacyArg: { name: 'IP', format: (v) => (v as string[]).join(',') },
  },
  { key: 'mac', check: matching(MAC, 'a MAC address'), capability: 'mac', legacyArg: { name: 'MAC', format: String } },
  {
    key: 'default-route',
    check: listOf((gw) => (isIP(gw) ? undefined : `"${gw}" is not an IP address`)),
    use: "the pod's default route, set by braid after the delegates ran",
  },
  { key: 'cni-args', check: object, use: 'merged into args.cni of every plugin' },
  { key: 'bandwidth', check: object, capability: 'bandwidth' },
  {
    key: 'portMappings',
    check: (v) => (Array.isArray(v) && v.every(isObject) ? undefined : 'must be a list of objects'),
    capability: 'portMappings',
  },
  { key: 'infiniband-guid', check: matching(GUID, 'an InfiniBand GUID'), capability: 'infinibandGUID' },
  { key: 'deviceID', check: (v) => (typeof v === 'string' ? undefined : 'must be a string'), capability: 'deviceID' },
];

/** NPWG 1.3 keys braid reads nothing from but must not reject (persistent IPs are the IPAM's business). */
export const PASSED_OVER_FIELDS: readonly string[] = ['ipam-claim-reference'];

/** JSON key (lower-cased) → field, for the keys every element may carry: name, namespace and the table's. */
export const FIELD_BY_KEY: ReadonlyMap<string, keyof SelectionElement> = new Map<string, keyof SelectionElement>([
  ['name', 'name'],
  ['namespace', 'namespace'],
  ...SELECTION_FIELDS.flatMap((f) =>
    [f.key, ...(f.aliases ?? [])].map((k): [string, FieldKey] => [k.toLowerCase(), f.key]),
  ),
]);

/** Where each field a selection requests ended up, for `braid explain`: "why did my static IP not apply?" */
export function deliveryOf(
  sel: Partial<SelectionElement>,
  capabilityArgs: JsonObject,
  extraArgs: CniArgs,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of SELECTION_FIELDS) {
    if (sel[f.key] === undefined) continue;
    if (f.capability && f.capability in capabilityArgs) out[f.key] = `runtimeConfig.${f.capability}`;
    else if (f.legacyArg && extraArgs.some(([k]) => k === f.legacyArg!.name))
      out[f.key] = `CNI_ARGS ${f.legacyArg.name}`;
    else if (f.capability)
      out[f.key] = `not delivered: no plugin of the network declares the "${f.capability}" capability`;
    else out[f.key] = f.use ?? 'read by braid';
  }
  return out;
}
