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

const DAEMON_KEYS = ['nodeName', 'socketPath', 'metricsAddress', 'maxConcurrentRequests', 'drainSeconds', 'hostRoot'];

/**
 * Not Calico Felix's 9091, node-exporter's 9100, Cilium's 9962-9964 nor kubelet's and kube-proxy's 10248-10256;
 * the exporters' range 9100-9999 is allocated in full (docs/install.md). "" turns the listener off.
 */
export const DEFAULT_METRICS_ADDRESS = '0.0.0.0:10366';

export function parseDaemonConfig(raw: JsonObject, env: Record<string, string | undefined>): DaemonConfig {
  const nodeKeys: JsonObject = { type: 'braid' };
  for (const [k, v] of Object.entries(raw)) if (!DAEMON_KEYS.includes(k)) nodeKeys[k] = v;
  const node = parseNodeConfig(nodeKeys);
  if (raw.nodeName !== undefined && typeof raw.nodeName !== 'string') throw new CniError(ErrorCode.InvalidConfig, '"nodeName" must be a string');
  const nodeName = (raw.nodeName as string | undefined) ?? env.NODE_NAME;
  if (!nodeName) throw new CniError(ErrorCode.InvalidConfig, 'braid daemon needs "nodeName" in its configuration or NODE_NAME in its environment');
  const max = raw.maxConcurrentRequests ?? 16;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw new CniError(ErrorCode.InvalidConfig, '"maxConcurrentRequests" must be a whole number of at least 1');
  const drain = raw.drainSeconds ?? 30;
  if (typeof drain !== 'number' || !(drain >= 0)) throw new CniError(ErrorCode.InvalidConfig, '"drainSeconds" must be a number of at least 0');
  for (const k of ['socketPath', 'metricsAddress', 'hostRoot']) {
    if (raw[k] !== undefined && typeof raw[k] !== 'string') throw new CniError(ErrorCode.InvalidConfig, `"${k}" must be a string`);
  }
  const hostRoot = (raw.hostRoot as string | undefined)?.replace(/\/+$/, '');
  if (hostRoot !== undefined && !hostRoot.startsWith('/')) throw new CniError(ErrorCode.InvalidConfig, '"hostRoot" must be an absolute path (the DaemonSet mounts the host\'s / at /hostroot)');
  const metricsAddress = (raw.metricsAddress as string | undefined) ?? DEFAULT_METRICS_ADDRESS;
  return {
    node,
    nodeName,
    socketPath: (raw.socketPath as string | undefined) ?? '/run/braid/braid.sock',
    ...(metricsAddress ? { metricsAddress } : {}),
    maxConcurrentRequests: max,
    drainSeconds: drain,
    ...(hostRoot ? { hostRoot } : {}),
  };
}

export function readDaemonConfig(path: string, env: Record<string, string | undefined>): DaemonConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CniError(ErrorCode.InvalidConfig, `cannot read the daemon configuration ${path}: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new CniError(ErrorCode.InvalidConfig, `the daemon configuration ${path} must be a JSON object`);
  return parseDaemonConfig(parsed, env);
}
