// The executable-daemon protocol: the messages (messages.ts) and the node defaults the daemon leaves beside its
// socket for the executable's in-process DEL.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isObject, type JsonObject } from '../cni/types.js';

export { CNI_PATH, MAX_REQUEST_BYTES, runtimeEnvOf, type DaemonReply, type DaemonRequest } from './messages.js';

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
