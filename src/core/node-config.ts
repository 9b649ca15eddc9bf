// braid's node configuration: what the runtime passes on stdin (product.md, "Node CNI configuration").
// Unknown keys are an error that names the key: a silently ignored typo is a known Multus complaint
// (multus-cni#838). Multus names are accepted as aliases, and every other key of Multus' configuration is
// honoured or refused with what to do instead (multus-keys.ts, docs/adr/0017).
import { CniError, ErrorCode } from '../cni/errors.js';
import { type JsonObject, setOwn } from '../cni/types.js';
import { braidSpelling, fromMultus } from './multus-keys.js';
import { closest } from './suggest.js';
// ajv's standalone code for schemas/node-config.schema.json (scripts/gen-schema-validator.mjs): the executable
// validates without loading or compiling ajv on every call (docs/adr/0012).
import { validate as validateSchema } from './generated/node-config-validator.js';
// The keys' types, defaults and Multus aliases, generated from the same schema.
import {
  NODE_CONFIG_ALIASES as ALIASES,
  NODE_CONFIG_DEFAULTS,
  NODE_CONFIG_FIELDS,
  NODE_CONFIG_KEYS,
  type NodeConfigFields,
  type NodeConfigKeys,
} from './generated/node-config-keys.js';

/**
 * The schema's keys with their defaults filled. Only a key whose type parsing changes is written here: a new key
 * needs an edit in this file only if it needs such a transform.
 */
export interface NodeConfig extends Omit<NodeConfigFields, 'globalNamespaces'> {
  /** Multus's comma-separated string, split. */
  globalNamespaces: string[];
  /** Everything the runtime sent, for prevResult and GC's valid attachments. */
  raw: JsonObject;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: unknown;
}

function schemaProblem(e: SchemaError): string {
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    const near = closest(key, NODE_CONFIG_KEYS, key.length > 4 ? 2 : 1);
    return `unknown key "${key}"${near ? `; did you mean "${near}"?` : ''}`;
  }
  const at = `"${e.instancePath.slice(1) || '(top)'}"`;
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
    return `${at} must be one of ${allowed.join(', ')} (case does not matter)`;
  }
  return `${at} ${e.message}`;
}

/** Written in any case (`"INFO"`, `"Debug"`), as Multus' users do: compared in lower case. */
function lowerCaseLogLevel(config: JsonObject): JsonObject {
  return typeof config.logLevel === 'string' ? { ...config, logLevel: config.logLevel.toLowerCase() } : config;
}

/** `multus`: the refused Multus keys (fromMultus), reported before the schema's findings. */
function validate(config: JsonObject, multus: string[]): void {
  const check = validateSchema as ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
  const problems = [...multus, ...(check(config) ? [] : (check.errors ?? []).map(schemaProblem))];
  if (problems.length === 0) return;
  throw new CniError(
    ErrorCode.InvalidConfig,
    `invalid braid configuration: ${problems.join('; ')}`,
    'see docs/configuration.md for the keys braid accepts',
  );
}

function resolveAliases(raw: JsonObject): JsonObject {
  const out = { ...raw };
  for (const [alias, key] of ALIASES) {
    if (!Object.hasOwn(out, alias)) continue;
    if (Object.hasOwn(out, key))
      throw new CniError(
        ErrorCode.InvalidConfig,
        `invalid braid configuration: both "${key}" and its Multus alias "${alias}" are set; keep one`,
      );
    setOwn(out, key, out[alias]);
    delete out[alias];
  }
  return out;
}

const canonical = (written: string) => {
  const key = braidSpelling(written);
  return ALIASES.find(([alias]) => alias === key)?.[1] ?? key;
};

/**
 * The daemon's node keys under the request's own: the request wins key by key, a Multus alias counting as the
 * key it stands for (issue 8: one configuration, whichever file it is in).
 */
export function withNodeDefaults(request: JsonObject, defaults: JsonObject): JsonObject {
  const taken = new Set(Object.keys(request).map(canonical));
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(defaults)) if (k !== 'type' && !taken.has(canonical(k))) setOwn(out, k, v);
  return { ...out, ...request };
}

/** A key the object itself holds: never one read through its prototype. */
const own = (o: JsonObject, key: string) => (Object.hasOwn(o, key) ? o[key] : undefined);

const commaList = (v: unknown) =>
  (Array.isArray(v) ? v.map(String) : String(v).split(',')).map((s) => s.trim()).filter(Boolean);

export function parseNodeConfig(raw: JsonObject): NodeConfig {
  const { config: written, problems } = fromMultus(raw);
  const config = lowerCaseLogLevel(written);
  validate(config, problems);
  const c = resolveAliases(config) as NodeConfigKeys;
  // A copy per call: the caller owns the lists and objects it gets.
  const defaults: Partial<NodeConfigFields> = structuredClone(NODE_CONFIG_DEFAULTS);
  const fields: Record<string, unknown> = {};
  for (const key of NODE_CONFIG_FIELDS) fields[key] = c[key] ?? defaults[key];
  const f = fields as NodeConfigFields;
  return {
    ...f,
    globalNamespaces: commaList(f.globalNamespaces),
    // Multus's generated config carries "" for none.
    readinessIndicatorFile: f.readinessIndicatorFile || undefined,
    logFile: f.logFile || undefined,
    // Multus kept its records in its cniDir: braid looks for them there unless told otherwise.
    multusCacheDir: c.multusCacheDir ?? (own(config, 'cniDir') as string | undefined) ?? f.multusCacheDir,
    raw,
  };
}
