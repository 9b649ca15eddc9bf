// What the executable sends the daemon over its unix socket (HTTP POST /cni), and what comes back.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isObject, type JsonObject } from '../cni/types.js';

export interface DaemonRequest {
  /** The runtime's environment: the CNI_* variables and the rest, which the delegates inherit. */
  env: Record<string, string>;
  /** braid's stdin, verbatim. */
  stdin: string;
}

export interface DaemonReply {
  exitCode: number;
  /** What the executable prints: a result, or CNI error JSON. */
  stdout: string;
}

export const CNI_PATH = '/cni';
export const MAX_REQUEST_BYTES = 1 << 20;

/**
 * The runtime's whole environment is forwarded: the daemon gives it to the delegates, which then see what a
 * plugin run by the runtime sees (PATH, proxies, …), not the daemon container's environment (ADR 0013).
 */
export function runtimeEnvOf(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The daemon's node keys, written beside its socket at start: the executable's in-process DEL (daemon down)
 * uses the same cacheDir and networks as the daemon did for the ADD. The socket's directory is a hostPath that
 * both sides see under the same path.
 */
export const nodeDefaultsPathOf = (socketPath: string) => join(dirname(socketPath), 'braid-node-defaults.json');

export function readNodeDefaults(socketPath: string): JsonObject {
  try {
    const v: unknown = JSON.parse(readFileSync(nodeDefaultsPathOf(socketPath), 'utf8'));
    return isObject(v) ? v : {};
  } catch {
    return {}; // no daemon ever ran here, or its file is unreadable: the request's own keys and the defaults
  }
}
