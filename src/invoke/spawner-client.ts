// The daemon's side of its spawn helper (src/app/spawn-helper.ts, docs/adr/0021-spawn-helper.md): runPlugin's
// contract, with the fork done by a small long-lived process instead of on the daemon's event loop. The daemon keeps
// every decision: the timeout, killing the group, recording the process before it gets its stdin.
import { type ChildProcess, spawn } from 'node:child_process';
import { ownPidNs } from './processes.js';
import { killGroup, type PluginRunner, runPlugin, type RunOptions, type RunOutcome } from './spawn-plugin.js';
import { frame, lineSplitter, type SpawnerEvent, type SpawnerRequest } from './spawner-wire.js';

interface Call {
  file: string;
  args: string[];
  o: RunOptions;
  resolve: (r: RunOutcome) => void;
  pid?: number;
  exited: boolean;
  timedOut: boolean;
  timer: ReturnType<typeof setTimeout>;
  done: () => void;
}

type Ending = Omit<RunOutcome, 'stdout' | 'stderr' | 'timedOut'> & { stdout?: string; stderr?: string };

/** Helpers that die before answering anything this many times in a row are given up on. */
const GIVE_UP_AFTER = 3;

export class SpawnHelper {
  private child?: ChildProcess;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  private answered = false;
  private silentDeaths = 0;
  private broken = false;

  /** `path`: the compiled braid executable; `warn`: where the helper's failures are told. */
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

  /** Ends the helper; delegates still running are left to finish. */
  stop(): void {
    this.child?.stdin?.end();
  }

  readonly run: PluginRunner = (file, args, o) => {
    if (this.broken) return runPlugin(file, args, o);
    const helper = this.helper();
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.timeout(id), o.timeoutMs);
      this.calls.set(id, { file, args, o, resolve, exited: false, timedOut: false, timer, done: () => undefined });
      this.send(helper, { op: 'spawn', id, file, args, env: o.env });
    });
  };

  private helper(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(this.path, ['spawn-helper'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    this.answered = false;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on(
      'data',
      lineSplitter((line) => this.onLine(line)),
    );
    child.stdin!.on('error', () => undefined); // a dead helper: its 'exit' or 'error' settles the calls
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return;
      this.broken = true;
      this.warn(
        `the spawn helper ${this.path} cannot be started (${err.code ?? err.message}): the daemon starts delegates itself`,
      );
      this.lost(child);
    });
    child.once('exit', (code, signal) => {
      if (!this.answered && ++this.silentDeaths >= GIVE_UP_AFTER) this.broken = true;
      if (this.child === child) this.warn(`the spawn helper exited (${signal ?? `status ${code}`})`);
      this.lost(child);
    });
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  /** The helper is gone: a call it never started is run by the daemon; one it started is killed and fails. */
  private lost(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    for (const [id, call] of [...this.calls]) {
      if (call.pid === undefined) {
        this.calls.delete(id);
        clearTimeout(call.timer);
        void runPlugin(call.file, call.args, call.o).then(call.resolve);
      } else {
        this.finish(id, { message: 'the spawn helper exited while it ran' });
      }
    }
  }

  private send(helper: ChildProcess, req: SpawnerRequest): void {
    helper.stdin!.write(frame(req));
  }

  private onLine(line: string): void {
    let ev: SpawnerEvent;
    try {
      ev = JSON.parse(line) as SpawnerEvent;
    } catch {
      return;
    }
    this.answered = true;
    this.silentDeaths = 0;
    this.onEvent(ev);
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
  private spawned(id: number, call: Call, pid: number, startTime: number): void {
    call.pid = pid;
    if (call.timedOut) {
      killGroup(pid);
      return;
    }
    if (call.o.onSpawn) {
      try {
        const pidNs = ownPidNs();
        call.done = call.o.onSpawn({ pid, startTime, ...(pidNs !== undefined ? { pidNs } : {}) });
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (this.child) this.send(this.child, { op: 'drop', id });
        killGroup(pid);
        this.finish(id, { message: `it could not be recorded before it started: ${error.message}`, error });
        return;
      }
    }
    if (this.child) this.send(this.child, { op: 'stdin', id, data: call.o.stdin });
  }

  /** As runPlugin's timeout: the group is killed; a call the helper never started ends now. */
  private timeout(id: number): void {
    const call = this.calls.get(id);
    if (!call) return;
    call.timedOut = !call.exited;
    if (call.pid !== undefined) killGroup(call.pid);
    else this.finish(id, {});
  }

  private finish(id: number, r: Ending): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    clearTimeout(call.timer);
    if (!call.exited) killGroup(call.pid);
    try {
      call.done();
    } catch {
      // a record left behind is only looked at by a DEL, which finds the process gone
    }
    call.resolve({ stdout: '', stderr: '', timedOut: call.timedOut, ...r });
  }
}
