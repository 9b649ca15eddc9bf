// What the executable sends the daemon over its unix socket (HTTP POST /cni), and what comes back.
export interface DaemonRequest {
  /** The CNI_* variables the runtime set. */
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

/** The variables forwarded: CNI_* only (the daemon has its own environment). */
export function cniEnvOf(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('CNI_') && v !== undefined) out[k] = v;
  return out;
}
