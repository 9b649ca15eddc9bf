// Runs `braid daemon` as a separate process inside a test's node netns, where its delegates create their
// host-side links and where the API-server stand-in listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { unixRequest } from './unix-http.js';
import { join } from 'node:path';
import { REPO } from './netns.js';

const DAEMON_BUNDLE = join(REPO, 'dist/braid-daemon.mjs');
const DAEMON_FLAGS = ['--max-semi-space-size=1', '--lite-mode', '--no-expose-wasm', '--expose-gc'];

export interface DaemonHandle {
  socket: string;
  pid: number;
  logs: () => string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

export function socketGet(socket: string, path: string): Promise<{ status: number; text: string }> {
  return socketRequest(socket, 'GET', path);
}

export const socketRequest = (socket: string, method: string, path: string, body?: string) =>
  unixRequest(socket, method, path, body);

export async function startBraidDaemon(o: {
  node: string;
  dir: string;
  config: Record<string, unknown>;
  env?: Record<string, string>;
}): Promise<DaemonHandle> {
  const socket = join(o.dir, 'braid.sock');
  const file = join(o.dir, `daemon-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ socketPath: socket, nodeName: 'node-a', logLevel: 'info', ...o.config }));
  // The daemon as deployed: the bundle, on Node, with the DaemonSet's flags.
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', o.node, process.execPath, ...DAEMON_FLAGS, DAEMON_BUNDLE, '--config', file],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...o.env },
    },
  );
  let logs = '';
  child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`braid daemon exited at start with status ${child.exitCode}: ${logs}`);
    if (existsSync(socket)) {
      const ok = await socketGet(socket, '/healthz').then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
    }
    if (Date.now() > deadline) throw new Error(`braid daemon did not serve within 15 s: ${logs}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return { socket, pid: child.pid!, logs: () => logs, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
