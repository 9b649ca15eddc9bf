// The daemon's side of its spawn helper (src/app/spawn-helper.ts, docs/adr/0021-spawn-helper.md): runPlugin's
// contract, with the fork done by a small long-lived process instead of on the daemon's event loop. The daemon keeps
// every decision: the timeout, killing the group, recording the process before it gets its stdin.
import { type ChildProcess, spawn } from 'node:child_process';
import { ownPidNs } from './processes.js';
import {
  forgetQuietly,
  killGroup,
  type PluginRunner,
  runPlugin,
  type RunOptions,
  type RunOutcome,
} from './spawn-plugin.js';
import { frame, lineSplitter, parseEvent, type SpawnerEvent, type SpawnerRequest } from './spawner-wire.js';

interface Call {
  file: string;
  args: string[];
  o: RunOptions;
  resolve: (r: RunOutcome) => void;
  /** The helper asked to start it. */
  helper: ChildProcess;
  pid?: number;
  exited: boolean;
  timedOut: boolean;
  timer: ReturnType<typeof setTimeout>;
  done: () => void;
}

type Ending = Omit<RunOutcome, 'stdout' | 'stderr' | 'timedOut'> & { stdout?: string; stderr?: string };

/** Helpers that end before answering anything this many times in a row are given up on. */
const GIVE_UP_AFTER = 3;

const unref = (s: unknown) => (s as { unref?: () => void } | null)?.unref?.();

export class SpawnHelper {
  private child?: ChildProcess;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  /** Helpers that have sent at least one well-formed event. */
  private readonly answered = new WeakSet<ChildProcess>();
  private silentDeaths = 0;
  private broken = false;
  private stopped = false;

  /** `path`: the compiled braid executable; `warn`: where the helper's failures and its stderr lines are told. */
  constructor(
    private readonly path: string,
    private readonly warn: (msg: string) => void,
  ) {}

  /** The helper's pid while one runs (for logs and tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the helper now rather than on the first delegate. */
  start(): void {
    if (!this.broken) this.helper();
  }

  /** Ends the helper; delegates still running are left to finish. Later calls start their delegates themselves. */
  stop(): void {
    this.stopped = true;
    this.child?.stdin?.end();
  }

  readonly run: PluginRunner = (file, args, o) => {
    const helper = this.broken || this.stopped ? undefined : this.helper();
    if (!helper) return runPlugin(file, args, o);
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.timeout(id), o.timeoutMs);
      const call = { file, args, o, resolve, helper, exited: false, timedOut: false, timer, done: () => undefined };
      this.calls.set(id, call);
      this.send(helper, { op: 'spawn', id, file, args, env: o.env, record: o.onSpawn !== undefined });
    });
  };

  /** The running helper, started when there is none; undefined when it cannot be started now. */
  private helper(): ChildProcess | undefined {
    if (this.child) return this.child;
    let child: ChildProcess;
    try {
      // Its own session: a signal to the daemon's process group (Ctrl-C, a service manager) is not one to it.
      child = spawn(this.path, ['spawn-helper'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      // thrown at once (ETXTBSY while the file is being replaced, EMFILE): maybe better next time
      this.ended(`cannot be started (${(err as NodeJS.ErrnoException).code ?? String(err)})`, false);
      return undefined;
    }
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return;
      this.broken = true;
      this.warn(
        `the spawn helper ${this.path} cannot be started (${err.code ?? err.message}): the daemon starts delegates itself`,
      );
      this.lost(child);
    });
    if (!child.stdin || !child.stdout || !child.stderr) return undefined; // 'error' follows
    this.child = child;
    child.stdout.setEncoding('utf8');
    child.stdout.on(
      'data',
      lineSplitter((line) => this.onLine(child, line)),
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on(
      'data',
      lineSplitter((line) => this.warn(`spawn helper: ${line}`)),
    );
    child.stdin.on('error', () => undefined); // a dead helper: its 'close' or 'error' settles the calls
    // 'close', not 'exit': what it wrote before it ended is read first
    child.once('close', (code, signal) => {
      if (this.child === child) this.retire(child, `exited (${signal ?? `status ${code}`})`);
      this.lost(child);
    });
    for (const s of [child, child.stdin, child.stdout, child.stderr]) unref(s);
    return child;
  }

  /** Stops using `child` for new calls (it has ended, or is about to be killed). */
  private retire(child: ChildProcess, how: string): void {
    this.child = undefined;
    this.ended(how, this.answered.has(child));
  }

  /** One more helper ended; three in a row that never answered (a wrong file, a crash at start): given up on. */
  private ended(how: string, answered: boolean): void {
    if (!answered && ++this.silentDeaths >= GIVE_UP_AFTER) this.broken = true;
    if (this.stopped) return;
    const then = this.broken ? ': the daemon starts delegates itself from now on' : '';
    this.warn(`the spawn helper ${how}${then}`);
  }

  /**
   * The helper is gone. A call it never started is run by the daemon (nothing got its config); one it started
   * fails, and its group is killed: the group id stays taken while any of it lives, so nothing else is hit.
   */
  private lost(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
    for (const [id, call] of [...this.calls]) {
      if (call.helper !== child) continue;
      if (call.pid === undefined) {
        this.calls.delete(id);
        clearTimeout(call.timer);
        void runPlugin(call.file, call.args, call.o).then(call.resolve);
      } else {
        killGroup(call.pid);
        this.finish(id, { message: 'the spawn helper exited while it ran' });
      }
    }
  }

  private send(helper: ChildProcess, req: SpawnerRequest): void {
    helper.stdin?.write(frame(req));
  }

  private onLine(child: ChildProcess, line: string): void {
    const ev = parseEvent(line);
    if (!ev) {
      this.warn(`spawn helper: an answer that is not one was ignored: ${line.slice(0, 200)}`);
      return;
    }
    this.answered.add(child);
    this.silentDeaths = 0;
    try {
      this.onEvent(ev);
    } catch (err) {
      this.warn(`spawn helper: handling ${ev.ev} of call ${ev.id} failed: ${(err as Error).message}`);
    }
  }

  private onEvent(ev: SpawnerEvent): void {
    const call = this.calls.get(ev.id);
    if (!call) {
      if (ev.ev === 'spawned') killGroup(ev.pid); // its call was given up on: it must not act
      return;
    }
    switch (ev.ev) {
      case 'failed':
        this.finish(ev.id, { message: ev.message, ...(ev.code ? { code: ev.code } : {}) });
        return;
      case 'spawned':
        this.spawned(ev.id, call, ev.pid, ev.startTime);
        return;
      case 'exit':
        call.exited = true;
        return;
      case 'done': {
        const { stdout, stderr, exitCode, signal } = ev;
        call.exited = true;
        this.finish(ev.id, {
          stdout,
          stderr,
          ...(exitCode !== undefined ? { exitCode } : {}),
          ...(signal ? { signal } : {}),
        });
        return;
      }
    }
  }

  /** Records the process (onSpawn) before it gets its stdin; one that cannot be recorded is killed unfed. */
  private spawned(id: number, call: Call, pid: number, startTime: number | undefined): void {
    call.pid = pid;
    if (call.timedOut) {
      killGroup(pid);
      return;
    }
    if (call.o.onSpawn) {
      try {
        if (startTime === undefined) throw new Error(`/proc/${pid}/stat cannot be read`);
        const pidNs = ownPidNs();
        call.done = call.o.onSpawn({ pid, startTime, ...(pidNs !== undefined ? { pidNs } : {}) });
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.send(call.helper, { op: 'drop', id });
        killGroup(pid);
        this.finish(id, { message: `it could not be recorded before it started: ${error.message}`, error });
        return;
      }
    }
    this.send(call.helper, { op: 'stdin', id, data: call.o.stdin });
  }

  /**
   * As runPlugin's timeout: the group is killed. A call the helper has not even started by then means a helper that
   * no longer answers: it is killed too (its 'close' runs the other calls it had not started), and this call ends.
   */
  private timeout(id: number): void {
    const call = this.calls.get(id);
    if (!call) return;
    call.timedOut = !call.exited;
    if (call.pid !== undefined) {
      killGroup(call.pid);
      return;
    }
    this.finish(id, {});
    if (this.child === call.helper) this.retire(call.helper, 'did not answer in time and was killed');
    call.helper.kill('SIGKILL');
  }

  private finish(id: number, r: Ending): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    clearTimeout(call.timer);
    if (!call.exited) killGroup(call.pid);
    forgetQuietly(call.done);
    call.resolve({ stdout: '', stderr: '', timedOut: call.timedOut, ...r });
  }
}
