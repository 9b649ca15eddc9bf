// What the daemon and its spawn helper (src/app/spawn-helper.ts) say to each other: one JSON object per line over
// the helper's stdin and stdout (docs/adr/0021-spawn-helper.md).

/** Daemon → helper. */
export type SpawnerRequest =
  /** Start `file`; its stdin is held until `stdin` (the daemon records the process first). */
  | { op: 'spawn'; id: number; file: string; args: string[]; env: Record<string, string> }
  /** Give the started process its stdin and close it. */
  | { op: 'stdin'; id: number; data: string }
  /** The daemon could not record it: kill its group, give it nothing. */
  | { op: 'drop'; id: number };

/** Helper → daemon. */
export type SpawnerEvent =
  /** Started; `startTime` is /proc/<pid>/stat field 22, read before the helper could have reaped it. */
  | { ev: 'spawned'; id: number; pid: number; startTime: number }
  /** Could not be started (spawn's error and its code, e.g. ENOENT or ETXTBSY). */
  | { ev: 'failed'; id: number; message: string; code?: string }
  /** The process itself exited (its pipes may still be held by what it left running). */
  | { ev: 'exit'; id: number }
  /** Exited and both pipes closed. */
  | { ev: 'done'; id: number; exitCode?: number; signal?: string; stdout: string; stderr: string };

/** Splits a byte stream into lines, a line cut across chunks included. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line) onLine(line);
    }
  };
}

/** One message, one line: JSON.stringify escapes every newline inside strings. */
export const frame = (msg: SpawnerRequest | SpawnerEvent): string => `${JSON.stringify(msg)}\n`;
