// `braid daemon --config FILE`: the node configuration's keys plus the daemon's own, and the keys of Multus' daemon
// that stand for the daemon's own (docs/adr/0017).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { MULTUS_DAEMON_KEYS, type MultusDaemonKey } from '../core/generated/multus-keys.js';
import { multusDaemonKeyOf } from '../core/multus-keys.js';
import { NODE_CONFIG_KEYS } from '../core/generated/node-config-keys.js';
import { parseNodeConfig, type NodeConfig } from '../core/node-config.js';
import { closest } from '../core/suggest.js';

export interface DaemonConfig {
  node: NodeConfig;
  nodeName: string;
  socketPath: string;
  metricsAddress?: string;
  maxConcurrentRequests: number;
  /** Seconds SIGTERM waits for requests in flight. */
  drainSeconds: number;
  /** The host's `/` as the daemon's container sees it: delegates run chrooted into it (ADR 0013). */
  hostRoot?: string;
  /**
   * The compiled braid executable that starts delegates for the daemon (`braid spawn-helper`, ADR 0021); "" for none.
   * Unset: the image's /usr/local/bin/braid when it is there.
   */
  spawnHelper?: string;
}

const invalid = (msg: string) => new CniError(ErrorCode.InvalidConfig, msg);
const isString = (v: unknown): v is string => typeof v === 'string';
const isWhole = (v: unknown, min: number, max = Infinity) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

interface Rule {
  ok: (v: unknown) => boolean;
  must: string;
}

/** The daemon's own keys and what each must be; every other key is a node key. */
const DAEMON_KEYS = {
  nodeName: { ok: isString, must: 'must be a string' },
  socketPath: { ok: isString, must: 'must be a string' },
  metricsAddress: { ok: isString, must: 'must be a string' },
  maxConcurrentRequests: { ok: (v) => isWhole(v, 1), must: 'must be a whole number of at least 1' },
  drainSeconds: { ok: (v) => typeof v === 'number' && v >= 0, must: 'must be a number of at least 0' },
  hostRoot: { ok: isString, must: 'must be a string' },
  spawnHelper: { ok: (v) => isString(v) && (v === '' || v.startsWith('/')), must: 'must be an absolute path, or ""' },
} satisfies Record<string, Rule>;

/**
 * The keys of Multus' daemon that braid's daemon honours: what each must be, and the value of the daemon key it
 * stands for (MULTUS_DAEMON_KEYS names that key; its other keys are node keys or refused, core/multus-keys.ts).
 */
const FROM_MULTUS: Record<MultusDaemonKey, Rule & { value: (v: unknown) => unknown }> = {
  chrootDir: {
    ok: (v) => isString(v) && (v === '' || v.startsWith('/')),
    must: 'must be an absolute path',
    value: (v) => v,
  },
  // Multus listens on <socketDir>/multus.sock; braid's socket keeps braid's name.
  socketDir: {
    ok: (v) => isString(v) && v !== '',
    must: 'must be a directory',
    value: (v) => join(v as string, 'braid.sock'),
  },
  // Multus' listener leaves connections beyond its limit waiting; braid's limiter, requests beyond it.
  connectionLimit: { ok: (v) => isWhole(v, 1), must: 'must be a whole number of at least 1', value: (v) => v },
  // Multus listens on ":<port>", every address: so does braid for an address without a host.
  metricsPort: {
    ok: (v) => isWhole(v, 1, 65535),
    must: 'must be a port number (1 to 65535)',
    value: (v) => `:${v as number}`,
  },
};

type DaemonKey = keyof typeof DAEMON_KEYS;

const NODE_KEYS = new Set<string>(NODE_CONFIG_KEYS);
/** A node key as written, or as Multus spells one (those are read by parseNodeConfig). */
const isNodeKey = (k: string) => NODE_KEYS.has(k);

/** The daemon's own keys (Multus' daemon keys as the keys they stand for) apart from the node keys. */
function splitKeys(raw: JsonObject): { own: JsonObject; nodeKeys: JsonObject } {
  const own: JsonObject = {};
  const nodeKeys: JsonObject = { type: 'braid' };
  const multus: Array<[written: string, key: MultusDaemonKey]> = [];
  for (const [k, v] of Object.entries(raw)) {
    const m = k in DAEMON_KEYS ? undefined : multusDaemonKeyOf(k);
    const near = k in DAEMON_KEYS || m || isNodeKey(k) ? undefined : closest(k, Object.keys(DAEMON_KEYS), 2);
    if (near) throw invalid(`unknown key "${k}"; did you mean "${near}"?`);
    if (m) multus.push([k, m]);
    else if (k in DAEMON_KEYS) own[k] = v;
    else nodeKeys[k] = v;
  }
  for (const [written, m] of multus) {
    const rule = FROM_MULTUS[m];
    const as: DaemonKey = MULTUS_DAEMON_KEYS[m];
    if (!rule.ok(raw[written])) throw invalid(`"${written}" ${rule.must}`);
    if (own[as] !== undefined)
      throw invalid(`both "${as}" and Multus' "${written}", which braid reads as "${as}", are set; keep one`);
    own[as] = rule.value(raw[written]);
  }
  return { own, nodeKeys };
}

/**
 * Not Calico Felix's 9091, node-exporter's 9100, Cilium's 9962-9964 nor kubelet's and kube-proxy's 10248-10256;
 * the exporters' range 9100-9999 is allocated in full (docs/install.md). "" turns the listener off.
 */
export const DEFAULT_METRICS_ADDRESS = '0.0.0.0:10366';

/** Without trailing slashes; absolute, since delegates run chrooted into it. "" or "/": none (Multus' chrootDir ""). */
function hostRootOf(raw: JsonObject): string | undefined {
  const hostRoot = (raw.hostRoot as string | undefined)?.replace(/\/+$/, '');
  if (hostRoot && !hostRoot.startsWith('/'))
    throw invalid('"hostRoot" must be an absolute path (the DaemonSet mounts the host\'s / at /hostroot)');
  return hostRoot || undefined;
}

export function parseDaemonConfig(raw: JsonObject, env: Record<string, string | undefined>): DaemonConfig {
  const { own: given, nodeKeys } = splitKeys(raw);
  const node = parseNodeConfig(nodeKeys);
  for (const [k, rule] of Object.entries<Rule>(DAEMON_KEYS))
    if (given[k] !== undefined && !rule.ok(given[k])) throw invalid(`"${k}" ${rule.must}`);
  const own = {
    socketPath: '/run/braid/braid.sock',
    metricsAddress: DEFAULT_METRICS_ADDRESS,
    maxConcurrentRequests: 16,
    drainSeconds: 30,
    nodeName: env.NODE_NAME,
    ...given,
  };
  if (!own.nodeName)
    throw invalid('braid daemon needs "nodeName" in its configuration or NODE_NAME in its environment');
  const hostRoot = hostRootOf(given);
  return {
    node,
    nodeName: own.nodeName as string,
    socketPath: own.socketPath as string,
    ...(own.metricsAddress ? { metricsAddress: own.metricsAddress as string } : {}),
    maxConcurrentRequests: own.maxConcurrentRequests as number,
    drainSeconds: own.drainSeconds as number,
    ...(hostRoot ? { hostRoot } : {}),
    ...(given.spawnHelper !== undefined ? { spawnHelper: given.spawnHelper as string } : {}),
  };
}

export function readDaemonConfig(path: string, env: Record<string, string | undefined>): DaemonConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `cannot read the daemon configuration ${path}: ${(err as Error).message}`,
    );
  }
  if (!isObject(parsed))
    throw new CniError(ErrorCode.InvalidConfig, `the daemon configuration ${path} must be a JSON object`);
  return parseDaemonConfig(parsed, env);
}
