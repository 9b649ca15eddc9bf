// `braid daemon --config FILE`: the node configuration's keys plus the daemon's own.
import { readFileSync } from 'node:fs';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { parseNodeConfig, type NodeConfig } from '../core/node-config.js';

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
}

const invalid = (msg: string) => new CniError(ErrorCode.InvalidConfig, msg);
const isString = (v: unknown) => typeof v === 'string';

/** The daemon's own keys and what each must be; every other key is a node key. */
const DAEMON_KEYS: Record<string, { ok: (v: unknown) => boolean; must: string }> = {
  nodeName: { ok: isString, must: 'must be a string' },
  socketPath: { ok: isString, must: 'must be a string' },
  metricsAddress: { ok: isString, must: 'must be a string' },
  maxConcurrentRequests: {
    ok: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1,
    must: 'must be a whole number of at least 1',
  },
  drainSeconds: { ok: (v) => typeof v === 'number' && v >= 0, must: 'must be a number of at least 0' },
  hostRoot: { ok: isString, must: 'must be a string' },
};

/**
 * Not Calico Felix's 9091, node-exporter's 9100, Cilium's 9962-9964 nor kubelet's and kube-proxy's 10248-10256;
 * the exporters' range 9100-9999 is allocated in full (docs/install.md). "" turns the listener off.
 */
export const DEFAULT_METRICS_ADDRESS = '0.0.0.0:10366';

/** Without trailing slashes; absolute, since delegates run chrooted into it. */
function hostRootOf(raw: JsonObject): string | undefined {
  const hostRoot = (raw.hostRoot as string | undefined)?.replace(/\/+$/, '');
  if (hostRoot !== undefined && !hostRoot.startsWith('/'))
    throw invalid('"hostRoot" must be an absolute path (the DaemonSet mounts the host\'s / at /hostroot)');
  return hostRoot || undefined;
}

export function parseDaemonConfig(raw: JsonObject, env: Record<string, string | undefined>): DaemonConfig {
  const nodeKeys: JsonObject = { type: 'braid' };
  for (const [k, v] of Object.entries(raw)) if (!(k in DAEMON_KEYS)) nodeKeys[k] = v;
  const node = parseNodeConfig(nodeKeys);
  for (const [k, rule] of Object.entries(DAEMON_KEYS))
    if (raw[k] !== undefined && !rule.ok(raw[k])) throw invalid(`"${k}" ${rule.must}`);
  const own = {
    socketPath: '/run/braid/braid.sock',
    metricsAddress: DEFAULT_METRICS_ADDRESS,
    maxConcurrentRequests: 16,
    drainSeconds: 30,
    nodeName: env.NODE_NAME,
    ...raw,
  };
  if (!own.nodeName)
    throw invalid('braid daemon needs "nodeName" in its configuration or NODE_NAME in its environment');
  const hostRoot = hostRootOf(raw);
  return {
    node,
    nodeName: own.nodeName as string,
    socketPath: own.socketPath as string,
    ...(own.metricsAddress ? { metricsAddress: own.metricsAddress as string } : {}),
    maxConcurrentRequests: own.maxConcurrentRequests as number,
    drainSeconds: own.drainSeconds as number,
    ...(hostRoot ? { hostRoot } : {}),
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
