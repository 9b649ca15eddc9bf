// `braid spawn-helper`: the daemon's delegate starter (docs/adr/0021-spawn-helper.md). A small long-lived child of
// the daemon that starts each delegate with bun's spawn (vfork and exec), so that the daemon's event loop never
// stops for a fork of its own ~60 MiB: Node's libuv forks, and waits for the exec, on the loop (issue 9).
// It decides nothing: it starts what it is told, holds the child's stdin until the daemon has recorded the process,
// and reports the exit and the output. Without the daemon (its stdin closed) it closes the stdin of every process not
// yet given one (each reads EOF and acts on nothing, as when the daemon itself died holding the pipe) and exits once
// the rest are over: what was given its config runs on, as it would had the daemon started it (ADR 0019).
import { readStat } from '../invoke/processes.js';
import { killGroup } from '../invoke/spawn-plugin.js';
import { frame, lineSplitter, type SpawnerEvent, type SpawnerRequest } from '../invoke/spawner-wire.js';

/** The parts of bun's API used here; Bun is not in @types/node. */
interface Child {
  pid: number;
  stdin: { write(data: string): unknown; end(): unknown };
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  exited: Promise<number>;
  exitCode: number | null;
  signalCode: string | null;
}
interface SpawnOptions {
  env: Record<string, string>;
  stdin: 'pipe';
  stdout: 'pipe';
  stderr: 'pipe';
  detached: true;
}
interface BunApi {
  spawn(cmd: string[], o: SpawnOptions): Child;
  stdin: { stream(): ReadableStream<Uint8Array> };
}

type Send = (ev: SpawnerEvent) => void;

interface Started {
  child: Child;
  /** Given its stdin (or its stdin closed): nothing more is held for it. */
  fed: boolean;
}
type Children = Map<number, Started>;

/** All of a pipe, decoded as runPlugin decodes it (Buffer keeps a leading BOM; Response.text() drops it). */
const drain = async (stream: ReadableStream<Uint8Array>) =>
  Buffer.from(await new Response(stream).arrayBuffer()).toString('utf8');

/** Reports `exit` when the child exits and `done` once its pipes are closed too. */
function watch(id: number, child: Child, send: Send, children: Children): void {
  const stdout = drain(child.stdout);
  const stderr = drain(child.stderr);
  void child.exited.then(() => send({ ev: 'exit', id }));
  void Promise.all([child.exited, stdout, stderr]).then(([, out, err]) => {
    children.delete(id);
    const signal = child.signalCode ?? undefined;
    const exitCode = signal === undefined && child.exitCode !== null ? child.exitCode : undefined;
    send({
      ev: 'done',
      id,
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(signal ? { signal } : {}),
      stdout: out,
      stderr: err,
    });
  });
}

/** Starts one delegate in its own process group (setsid), as the daemon's own spawn would. */
function spawnOne(bun: BunApi, req: Extract<SpawnerRequest, { op: 'spawn' }>, send: Send, children: Children): void {
  let child: Child;
  try {
    const o: SpawnOptions = { env: req.env, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', detached: true };
    child = bun.spawn([req.file, ...req.args], o);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    send({ ev: 'failed', id: req.id, message: e.message, ...(e.code ? { code: e.code } : {}) });
    return;
  }
  // Not reaped yet: this runs before the event loop turns, so /proc still has it even if it has exited. Without a
  // start time the daemon cannot record it, and fails the call as its own spawn would.
  const startTime = req.record ? readStat(child.pid)?.startTime : undefined;
  children.set(req.id, { child, fed: false });
  send({ ev: 'spawned', id: req.id, pid: child.pid, ...(startTime !== undefined ? { startTime } : {}) });
  watch(req.id, child, send, children);
}

function giveStdin(s: Started, data: string): void {
  if (s.fed) return;
  s.fed = true;
  try {
    if (data) s.child.stdin.write(data);
    void Promise.resolve(s.child.stdin.end()).catch(() => undefined);
  } catch {
    // EPIPE: a plugin that does not read its stdin (VERSION) is fine
  }
}

function handle(bun: BunApi, req: SpawnerRequest, send: Send, children: Children): void {
  switch (req.op) {
    case 'spawn':
      spawnOne(bun, req, send, children);
      return;
    case 'stdin': {
      const started = children.get(req.id);
      if (started) giveStdin(started, req.data);
      return;
    }
    case 'drop': {
      const started = children.get(req.id);
      if (started) killGroup(started.child.pid);
      return;
    }
  }
}

export async function runSpawnHelper(): Promise<void> {
  const bun = (globalThis as { Bun?: BunApi }).Bun;
  if (!bun) {
    process.stderr.write('braid spawn-helper runs only as the compiled executable (dist/braid)\n');
    process.exitCode = 1;
    return;
  }
  const children: Children = new Map();
  const send: Send = (ev) => void process.stdout.write(frame(ev));
  const onChunk = lineSplitter((line) => {
    let req: SpawnerRequest;
    try {
      req = JSON.parse(line) as SpawnerRequest;
    } catch {
      process.stderr.write('a request that is not JSON was ignored\n'); // the daemon logs these lines
      return;
    }
    handle(bun, req, send, children);
  });
  const decoder = new TextDecoder();
  for await (const chunk of bun.stdin.stream()) onChunk(decoder.decode(chunk, { stream: true }));
  for (const started of children.values()) giveStdin(started, '');
}
