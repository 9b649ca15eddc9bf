// braid's node configuration: what the runtime passes on stdin (product.md, "Node CNI configuration").
// Unknown keys are an error that names the key: a silently ignored typo is a known Multus complaint
// (multus-cni#838). Multus names are accepted as aliases.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { JsonObject } from '../cni/types.js';
// ajv's standalone code for schemas/node-config.schema.json (scripts/gen-schema-validator.mjs): the executable
// validates without loading or compiling ajv on every call (docs/adr/0012).
import { validate as validateSchema } from './generated/node-config-validator.js';

export interface NodeConfig {
  cniVersion: string;
  name: string;
  clusterNetwork?: string;
  defaultNetworks: string[];
  delegates: JsonObject[];
  kubeconfig?: string;
  localStore?: string;
  daemonSocket?: string;
  cacheDir: string;
  confDir: string;
  binDir: string;
  namespaceIsolation: boolean;
  globalNamespaces: string[];
  systemNamespaces: string[];
  defaultNetworkNamespace: string;
  readinessIndicatorFile?: string;
  readinessTimeoutSeconds: number;
  logLevel: string;
  logFile?: string;
  parallelAttach: boolean;
  pluginTimeoutSeconds: number;
  deviceCheckpointFile: string;
  deviceInfoDir: string;
  capabilities: Record<string, boolean>;
  runtimeConfig: JsonObject;
  /** Everything the runtime sent, for prevResult and GC's valid attachments. */
  raw: JsonObject;
}

const ALIASES: Array<[alias: string, key: string]> = [
  ['cniDir', 'cacheDir'],
  ['multusNamespace', 'defaultNetworkNamespace'],
  ['readinessindicatorfile', 'readinessIndicatorFile'],
];

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: unknown;
}

function validate(raw: JsonObject): void {
  const check = validateSchema as ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
  if (check(raw)) return;
  const problems = (check.errors ?? []).map((e) =>
    e.keyword === 'additionalProperties'
      ? `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : `"${e.instancePath.slice(1) || '(top)'}" ${e.message}`,
  );
  throw new CniError(ErrorCode.InvalidConfig, `invalid braid configuration: ${problems.join('; ')}`, 'see docs/configuration.md for the keys braid accepts');
}

function resolveAliases(raw: JsonObject): JsonObject {
  const out = { ...raw };
  for (const [alias, key] of ALIASES) {
    if (!(alias in out)) continue;
    if (key in out) throw new CniError(ErrorCode.InvalidConfig, `invalid braid configuration: both "${key}" and its Multus alias "${alias}" are set; keep one`);
    out[key] = out[alias];
    delete out[alias];
  }
  return out;
}

const canonical = (key: string) => ALIASES.find(([alias]) => alias === key)?.[1] ?? key;

/**
 * The daemon's node keys under the request's own: the request wins key by key, a Multus alias counting as the
 * key it stands for (issue 8: one configuration, whichever file it is in).
 */
export function withNodeDefaults(request: JsonObject, defaults: JsonObject): JsonObject {
  const taken = new Set(Object.keys(request).map(canonical));
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(defaults)) if (k !== 'type' && !taken.has(canonical(k))) out[k] = v;
  return { ...out, ...request };
}

const commaList = (v: unknown) => (Array.isArray(v) ? v.map(String) : String(v).split(',')).map((s) => s.trim()).filter(Boolean);

export function parseNodeConfig(raw: JsonObject): NodeConfig {
  validate(raw);
  const c = resolveAliases(raw) as Record<string, unknown> & JsonObject;
  return {
    cniVersion: (c.cniVersion as string) ?? '0.1.0',
    name: (c.name as string) ?? 'braid',
    clusterNetwork: c.clusterNetwork as string | undefined,
    defaultNetworks: (c.defaultNetworks as string[]) ?? [],
    delegates: (c.delegates as JsonObject[]) ?? [],
    kubeconfig: c.kubeconfig as string | undefined,
    localStore: c.localStore as string | undefined,
    daemonSocket: c.daemonSocket as string | undefined,
    cacheDir: (c.cacheDir as string) ?? '/var/lib/braid',
    confDir: (c.confDir as string) ?? '/etc/cni/net.d',
    binDir: (c.binDir as string) ?? '/opt/cni/bin',
    namespaceIsolation: (c.namespaceIsolation as boolean) ?? false,
    globalNamespaces: c.globalNamespaces === undefined ? ['default'] : commaList(c.globalNamespaces),
    systemNamespaces: (c.systemNamespaces as string[]) ?? ['kube-system'],
    defaultNetworkNamespace: (c.defaultNetworkNamespace as string) ?? 'kube-system',
    readinessIndicatorFile: (c.readinessIndicatorFile as string) || undefined,
    readinessTimeoutSeconds: (c.readinessTimeoutSeconds as number) ?? 45,
    logLevel: (c.logLevel as string) ?? 'warn',
    logFile: (c.logFile as string) || undefined,
    parallelAttach: (c.parallelAttach as boolean) ?? true,
    pluginTimeoutSeconds: (c.pluginTimeoutSeconds as number) ?? 120,
    deviceCheckpointFile: (c.deviceCheckpointFile as string) ?? '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint',
    deviceInfoDir: (c.deviceInfoDir as string) ?? '/var/run/k8s.cni.cncf.io/devinfo/dp',
    capabilities: (c.capabilities as Record<string, boolean>) ?? {},
    runtimeConfig: (c.runtimeConfig as JsonObject) ?? {},
    raw,
  };
}
