// What the executable sends the daemon over its unix socket (HTTP POST /cni), and what comes back. Apart from
// protocol.ts, which reads files: the forwarder loads this alone (no node:fs, no node:path in bun).

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
