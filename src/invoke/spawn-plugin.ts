// One plugin process: stdin in, stdout and stderr kept apart, in its own process group, killed as a group on
// timeout. Plain child_process rather than execa: a delegate call is on every ADD and DEL, and execa's
// per-process machinery cost about 4 ms of event-loop time per spawn in the daemon (issue 9).
import { spawn } from 'node:child_process';

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
}

export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/**
 * Resolves once the process has exited and its pipes are closed. On timeout the whole group is killed: killing
 * only the plugin leaves its children (an IPAM plugin it exec'd, a `sleep` in a script) holding stdout open.
 */
export function runPlugin(
  file: string,
  args: string[],
  o: { stdin: string; env: Record<string, string>; timeoutMs: number },
): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let exited = false;
    let timedOut = false;
    let settled = false;
    const finish = (r: Omit<RunOutcome, 'stdout' | 'stderr' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!exited) killGroup(child.pid);
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
    child.stdin.end(o.stdin);
  });
}
