// `braid daemon` as deployed (dist/braid-daemon.mjs on Node with the DaemonSet's flags), its /metrics and its
// memory from /proc. The bench process runs inside the node netns, so the daemon does too.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NODE_NAME } from './configs.mjs';
import { http } from './http.mjs';
import { sleep } from './proc.mjs';

/** The flags deploy/daemonset.yaml runs the daemon with. */
export const DEPLOYED_FLAGS = ['--max-semi-space-size=1', '--lite-mode', '--no-expose-wasm', '--expose-gc'];

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * Starts a daemon and waits until /readyz (informer caches synced). `bundle`: dist/braid-daemon.mjs or a copy;
 * `argv(configFile)` overrides the whole command line.
 */
export async function startDaemon({
  bundle,
  dir,
  name = 'daemon',
  kubeconfig,
  cacheDir,
  extra = {},
  argv,
  timeoutMs = 120_000,
}) {
  const port = await freePort();
  const socket = join(dir, `${name}.sock`);
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      nodeName: NODE_NAME,
      socketPath: socket,
      metricsAddress: `127.0.0.1:${port}`,
      kubeconfig,
      cacheDir,
      binDir: '/usr/lib/cni',
      logLevel: 'error',
      ...extra,
    }),
  );
  // BRAID_BENCH_CPU_PROF=<dir>: each daemon writes a V8 CPU profile there when it stops (docs: bench/README.md).
  const prof = process.env.BRAID_BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BRAID_BENCH_CPU_PROF}`]
    : [];
  const args = argv ? argv(file) : [...DEPLOYED_FLAGS, ...prof, bundle, '--config', file];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let logs = '';
  child.stdout.on('data', (c) => (logs = (logs + c).slice(-4000)));
  child.stderr.on('data', (c) => (logs = (logs + c).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`braid daemon exited ${child.exitCode} at start: ${logs}`);
    if (
      await http(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      break;
    if (performance.now() - t0 > timeoutMs) throw new Error(`braid daemon not ready after ${timeoutMs} ms: ${logs}`);
    await sleep(25);
  }
  const syncedMs = performance.now() - t0;
  return {
    socket,
    pid: child.pid,
    syncedMs,
    cacheDir,
    hostRoot: extra.hostRoot,
    logs: () => logs,
    async metricsText() {
      const { status, text } = await http(`${base}/metrics`);
      if (status !== 200) throw new Error(`braid daemon /metrics: HTTP ${status}`);
      return text;
    },
    /** Sum and count of the daemon's own request time for one command (seconds), from its histogram. */
    async requestTime(command) {
      const text = await this.metricsText();
      // braid_request_duration_seconds today; braid_request_seconds accepted too (the spelling).
      const read = (suffix) =>
        Number(
          new RegExp(`^braid_request(?:_duration)?_seconds_${suffix}\\{command="${command}"\\} (\\S+)`, 'm').exec(
            text,
          )?.[1] ?? 0,
        );
      return { sum: read('sum'), count: read('count') };
    },
    /** Sum (seconds) and count of every delegate call the daemon made, all plugins and commands together. */
    async delegateTime() {
      const text = await this.metricsText();
      const add = (suffix) =>
        [...text.matchAll(new RegExp(`^braid_delegate_duration_seconds_${suffix}\\{.*\\} (\\S+)`, 'gm'))].reduce(
          (t, m) => t + Number(m[1]),
          0,
        );
      return { sum: add('sum'), count: add('count') };
    },
    async gauge(name) {
      return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(await this.metricsText())?.[1]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A `hostRoot` that is this machine's own `/` (the daemon reads "/" itself as no hostRoot: trailing slashes are
 * stripped), for a daemon whose delegates then run as `chroot <link> <plugin>` as deployed (ADR 0013): the same
 * files, only the extra exec of chroot per delegate call.
 */
export function selfHostRoot(dir) {
  const link = join(dir, 'hostroot');
  symlinkSync('/', link);
  return link;
}

const status = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kib = (text, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1]);

/** Resident set size now (MiB). */
export const rssMiB = (pid) => kib(status(pid), 'VmRSS') / 1024;
/** The daemon's spawn helper (`braid spawn-helper`, ADR 0021): its pid, or undefined when it has none. */
export function helperPid(daemonPid) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === daemonPid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('spawn-helper'))
        return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The spawn helper's RSS (MiB); 0 without one. Much of it is the executable's pages, shared with other braid runs. */
export const helperRssMiB = (daemonPid) => {
  const pid = helperPid(daemonPid);
  return pid === undefined ? 0 : rssMiB(pid);
};

/** Peak resident set size since start or since resetPeak (MiB). */
export const peakMiB = (pid) => kib(status(pid), 'VmHWM') / 1024;
/** Resets VmHWM to the current RSS (proc(5): clear_refs "5"); false when the kernel refuses. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
