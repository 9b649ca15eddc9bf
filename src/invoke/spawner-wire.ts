// What the daemon and its spawn helper (src/app/spawn-helper.ts) say to each other: one JSON object per line over
// the helper's stdin and stdout (docs/adr/0021-spawn-helper.md).

/** Daemon → helper. */
export type SpawnerRequest =
  /**
   * Start `file`; its stdin is held until `stdin`. `record`: the daemon records the process first, so the helper
   * reads its start time from /proc before its loop could reap it.
   */
  | { op: 'spawn'; id: number; file: string; args: string[]; env: Record<string, string>; record: boolean }
  /** Give the started process its stdin and close it. */
  | { op: 'stdin'; id: number; data: string }
  /** The daemon could not record it: kill its group, give it nothing. */
  | { op: 'drop'; id: number };

/** Helper → daemon. */
export type SpawnerEvent =
  /** Started; `startTime` (/proc/<pid>/stat field 22) when asked to record it and /proc could tell. */
  | { ev: 'spawned'; id: number; pid: number; startTime?: number }
  /** Could not be started (spawn's error and its code, e.g. ENOENT or ETXTBSY). */
  | { ev: 'failed'; id: number; message: string; code?: string }
  /** The process itself exited (its pipes may still be held by what it left running). */
  | { ev: 'exit'; id: number }
  /** Exited and both pipes closed. */
  | { ev: 'done'; id: number; exitCode?: number; signal?: string; stdout: string; stderr: string };

/**
 * Splits a stream of text into lines, a line cut across chunks included. Only the new chunk is searched and the
 * pieces of a long line are joined once: a delegate's megabytes of output must not cost the daemon quadratic time.
 */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let pieces: string[] = [];
  return (chunk) => {
    let from = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', from)) {
      pieces.push(chunk.slice(from, nl));
      const line = pieces.join('');
      pieces = [];
      from = nl + 1;
      if (line) onLine(line);
    }
    if (from < chunk.length) pieces.push(chunk.slice(from));
  };
}

/** One message, one line: JSON.stringify escapes every newline inside strings. */
export const frame = (msg: SpawnerRequest | SpawnerEvent): string => `${JSON.stringify(msg)}\n`;

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
/** A pid the daemon may signal: never 0 (its own group) or 1 (kill(-1): everything). */
const isPid = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 1;
const isText = (v: unknown): v is string => typeof v === 'string';
const optional = (v: unknown, ok: (x: unknown) => boolean) => v === undefined || ok(v);

/** What each event must hold beyond its id. */
const SHAPES: Record<SpawnerEvent['ev'], (e: Record<string, unknown>) => boolean> = {
  spawned: (e) => isPid(e.pid) && optional(e.startTime, Number.isSafeInteger),
  failed: (e) => isText(e.message) && optional(e.code, isText),
  exit: () => true,
  done: (e) =>
    isText(e.stdout) && isText(e.stderr) && optional(e.exitCode, Number.isSafeInteger) && optional(e.signal, isText),
};

/** A line from the helper, checked before the daemon acts on it: undefined when it is not a well-formed event. */
export function parseEvent(line: string): SpawnerEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  const shape =
    typeof e.ev === 'string' && Object.hasOwn(SHAPES, e.ev) ? SHAPES[e.ev as SpawnerEvent['ev']] : undefined;
  return isId(e.id) && shape?.(e) ? (e as unknown as SpawnerEvent) : undefined;
}
