// One binary, two faces: with arguments it is the CLI; without, the CNI plugin the runtime execs.
import type { readSync, writeSync } from 'node:fs';
// The forwarder (daemon mode) is the one part loaded with this module: it is small and loads nothing more (no
// node:fs, no skel). A dynamic import of it cost the compiled executable ~1 ms more per forwarded call.
import { forwardToDaemon } from './app/shim.js';

async function main(): Promise<void> {
  if (process.argv[2] === 'spawn-helper' && process.argv.length === 3) {
    // The daemon's long-lived delegate starter (src/app/spawn-helper.ts): it loads only that.
    await (await import('./app/spawn-helper.js')).runSpawnHelper();
    return;
  }
  if (process.argv.length > 2) {
    const { runCli } = await import('./cli/index.js');
    process.exitCode = await runCli(process.argv);
    return;
  }
  if (!process.env.CNI_COMMAND) {
    process.stderr.write(
      'braid: a multi-network CNI plugin. The container runtime runs it with CNI_COMMAND set; see `braid --help`.\n',
    );
    process.exitCode = 1;
    return;
  }
  process.exitCode = await runPlugin();
}

/** The CNI plugin: the daemon's answer (daemon mode), skel's (VERSION) or the engine's. Returns the exit code. */
async function runPlugin(): Promise<number> {
  const { read, write: writeStdout } = await stdio();
  let stdin: string;
  try {
    stdin = await read();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    writeStdout(
      JSON.stringify({
        cniVersion: '1.1.0',
        code: 5,
        msg: `error reading the network configuration from stdin: ${code}`,
      }),
    );
    return 1;
  }
  const io = { env: process.env, stdin, stdout: writeStdout, stderr: (t: string) => process.stderr.write(t) };
  // BRAID_DELEGATE is DELEGATE_MARK (src/invoke/process-exec.ts), spelled out so start-up loads nothing more.
  if (process.env.BRAID_DELEGATE && process.env.CNI_COMMAND !== 'VERSION') {
    // Started by braid as one of its own delegates (a NAD of type braid under another name): refuse.
    writeStdout(JSON.stringify({ cniVersion: '1.1.0', code: 7, msg: 'braid cannot be a delegate of braid' }));
    return 1;
  }
  if (process.env.CNI_COMMAND === 'VERSION') {
    // Runtimes ask VERSION before every ADD and DEL (podman does): answer without loading the engine.
    return (await import('./cni/skel.js')).runSkel(io, async () => undefined);
  }
  const inProcess = async (defaults = {}) => (await import('./app/cni-main.js')).cniMain(io, defaults);
  const socket = daemonSocketOf(stdin);
  if (!socket) return inProcess();
  // The node defaults are read only if DEL must run in-process.
  const inProcessDel = async () => inProcess((await import('./wire/protocol.js')).readNodeDefaults(socket));
  return forwardToDaemon(io, socket, inProcessDel);
}

interface Stdio {
  read(): Promise<string>;
  /** All of `text` on stdout, in order; a reader that is gone (EPIPE) is nobody to tell. */
  write(text: string): void;
}

/** The parts of bun's own file API used here; Bun is not in @types/node. */
interface BunFiles {
  stdin: { stream(): { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } };
  stdout: object;
  write(to: object, text: string): Promise<number>;
}

/**
 * stdin and stdout. process.stdout costs the compiled executable about 10 ms to set up, as much as the rest of a
 * forwarded call, and node:fs about 3 ms: in bun its own files are used, elsewhere node:fs.
 */
async function stdio(): Promise<Stdio> {
  const bun = (globalThis as { Bun?: BunFiles }).Bun;
  if (!bun) {
    const fs = await import('node:fs');
    return { read: async () => readStdin(fs.readSync), write: (text) => writeStdout(fs.writeSync, text) };
  }
  let written = Promise.resolve();
  return {
    read: () => readBunStdin(bun),
    // bun finishes a pending write before the process exits.
    write: (text) => {
      written = written
        .then(() => bun.write(bun.stdout, text))
        .then(
          () => {},
          () => {},
        );
    },
  };
}

/**
 * All of stdin, read as a stream: on bun's event loop, where stdin.arrayBuffer() reads on its thread pool and a
 * forwarded call waits ~0.5 ms longer for the pool to start. Decoded as Buffer decodes it under Node (a BOM is kept,
 * as readStdin keeps it).
 */
async function readBunStdin(bun: BunFiles): Promise<string> {
  const reader = bun.stdin.stream().getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(parts).toString('utf8');
    if (value) parts.push(value);
  }
}

/** All of stdin; a non-blocking pipe (EAGAIN) is waited on, not taken for an empty one. No stdin at all is "". */
function readStdin(read: typeof readSync): string {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = read(0, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF' || code === 'EBADF' || code === 'ENXIO') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** All of `text` on stdout, written now; a non-blocking pipe that is full (EAGAIN) is waited on. */
function writeStdout(write: typeof writeSync, text: string): void {
  let buf = Buffer.from(text, 'utf8');
  while (buf.length > 0) {
    try {
      buf = buf.subarray(write(1, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** Daemon mode is decided before anything else loads: the executable then stays a thin forwarder. */
function daemonSocketOf(stdin: string): string | undefined {
  try {
    const v = (JSON.parse(stdin) as { daemonSocket?: unknown }).daemonSocket;
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

void main();
