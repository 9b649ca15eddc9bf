// One plugin process: stdin in, stdout and stderr kept apart, in its own process group, killed as a group on
// timeout. Plain child_process rather than execa: a delegate call is on every ADD and DEL, and execa's
// per-process machinery cost about 4 ms of event-loop time per spawn in the daemon (issue 9).
import { spawn } from 'node:child_process';
import type { DelegateProcess } from '../engine/ports.js';
import { spawnedProcess } from './processes.js';

export interface RunOutcome {
  stdout: string;
  stderr: string;
  /** Undefined when the process could not be started or was killed by a signal. */
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  /** Why it could not be started (spawn's error), with its code, e.g. ETXTBSY. */
  message?: string;
  code?: string;
  /** The error itself when it was not spawn's: `onSpawn` could not record the child (a CniError keeps its code). */
  error?: Error;
}

export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/** Forgets a delegate's record; one left behind is only looked at by a DEL, which finds the process gone. */
export function forgetQuietly(forget: () => void): void {
  try {
    forget();
  } catch {
    // left for that DEL
  }
}

export interface RunOptions {
  stdin: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** See PluginCall.onSpawn: runs before the process is given its stdin; what it returns, once it has exited. */
  onSpawn?: (p: DelegateProcess) => () => void;
}

/** Starts a plugin and resolves once it is over: runPlugin itself, or the daemon's spawn helper (spawner-client.ts). */
export type PluginRunner = (file: string, args: string[], o: RunOptions) => Promise<RunOutcome>;

/**
 * Calls `onSpawn` for a started child. The child cannot have been reaped yet (this runs before the event loop turns),
 * so its /proc entry names it. A failure kills the child, which has been given nothing to act on.
 */
function announce(
  pid: number,
  onSpawn: RunOptions['onSpawn'],
): { done: () => void } | { message: string; error: Error } {
  if (!onSpawn) return { done: () => undefined };
  try {
    return { done: onSpawn(spawnedProcess(pid)) };
  } catch (err) {
    killGroup(pid);
    const error = err instanceof Error ? err : new Error(String(err));
    return { message: `it could not be recorded before it started: ${error.message}`, error };
  }
}

/**
 * Resolves once the process has exited and its pipes are closed. On timeout the whole group is killed: killing
 * only the plugin leaves its children (an IPAM plugin it exec'd, a `sleep` in a script) holding stdout open.
 */
export function runPlugin(file: string, args: string[], o: RunOptions): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let exited = false;
    let timedOut = false;
    let settled = false;
    let done: () => void = () => undefined;
    const finish = (r: Omit<RunOutcome, 'stdout' | 'stderr' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!exited) killGroup(child.pid);
      forgetQuietly(done);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ...r,
      });
    };
    const timer = setTimeout(() => {
      timedOut = !exited; // exited but its pipes are still held by leftovers: not a hang of the plugin itself
      killGroup(child.pid);
    }, o.timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('exit', () => (exited = true));
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish({ message: e.message, ...(e.code ? { code: e.code } : {}) });
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      finish({ ...(code !== null ? { exitCode: code } : {}), ...(signal ? { signal } : {}) }),
    );
    child.stdin.on('error', () => undefined); // EPIPE: a plugin that does not read its stdin (VERSION) is fine
    if (child.pid === undefined) return; // not started: the 'error' event says why
    const started = announce(child.pid, o.onSpawn);
    if ('message' in started) {
      child.stdin.destroy();
      finish({ message: started.message, error: started.error });
      return;
    }
    done = started.done;
    child.stdin.end(o.stdin);
  });
}
