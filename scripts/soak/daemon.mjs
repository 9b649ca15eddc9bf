// The braid daemon through the run: started as the bench starts it (dist/braid-daemon.mjs with the DaemonSet's
// flags), SIGKILLed and restarted by the daemon fault, and measured: open file descriptors and RSS from /proc,
// and the gauges that must return to zero once the node is quiet.
import { readdirSync, readlinkSync } from 'node:fs';
import { rssMiB, startDaemon } from '../bench/daemon.mjs';
import { sleep } from '../bench/proc.mjs';

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Gauges that are 0 on a quiet node, with what each means in the report. */
const QUIET = {
  braid_requests_in_flight: 'requests in flight',
  braid_requests_queued: 'requests queued',
  braid_status_backlog: 'network-status writes waiting for a retry',
  braid_status_pods_writing: 'pods with a network-status write on its way',
};

export class Daemon {
  /** `o`: { bundle, dir, kubeconfig, cacheDir, extra } as startDaemon takes them. */
  constructor(o) {
    this.o = o;
    this.current = undefined;
    this.incarnations = [];
  }

  get socket() {
    return this.current?.socket ?? `${this.o.dir}/daemon.sock`;
  }

  get pid() {
    return this.current?.pid;
  }

  /** Starts one and waits for /readyz (which needs the API server's lists). */
  async start(cycle) {
    this.current = await startDaemon({ ...this.o, name: 'daemon', timeoutMs: 300_000 });
    this.incarnations.push({ pid: this.current.pid, startedAtCycle: cycle });
    return this.current;
  }

  /** SIGKILL, as the kubelet's kill of a container or the OOM killer does it; waits until it is gone. */
  async kill() {
    const d = this.current;
    this.current = undefined;
    if (!d) return;
    try {
      process.kill(d.pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 200 && alive(d.pid); i++) await sleep(10);
  }

  async stop() {
    const d = this.current;
    this.current = undefined;
    await d?.stop();
  }

  logs() {
    return this.current?.logs() ?? '';
  }

  /** Open file descriptors: count and what each points at ("socket:[…]", "anon_inode:[eventpoll]", a path). */
  fds() {
    const dir = `/proc/${this.pid}/fd`;
    const targets = [];
    for (const fd of readdirSync(dir)) {
      try {
        targets.push(readlinkSync(`${dir}/${fd}`).replace(/\[\d+\]$/, '[…]'));
      } catch {
        // closed while listing
      }
    }
    return { count: targets.length, targets };
  }

  /** The median of `n` RSS samples 200 ms apart (one sample catches a GC's moment). */
  async rss(n = 5) {
    const samples = [];
    for (let i = 0; i < n; i++) {
      samples.push(rssMiB(this.pid));
      if (i < n - 1) await sleep(200);
    }
    samples.sort((a, b) => a - b);
    return Math.round(samples[Math.floor(n / 2)] * 10) / 10;
  }

  /** Gauges that should be 0 and are not: { gauge: value }. */
  async busy() {
    const text = await this.current.metricsText();
    const out = {};
    for (const name of Object.keys(QUIET)) {
      const v = Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
      if (v !== 0) out[name] = v;
    }
    return out;
  }

  /** The V8 heap in use (MiB), from the daemon's own gauge. */
  async heapMiB() {
    return Math.round((await this.current.gauge('braid_heap_used_bytes')) / 104857.6) / 10;
  }

  cachedPods() {
    return this.current.gauge('braid_cached_pods');
  }

  /**
   * Waits until the daemon is quiet: every QUIET gauge 0 and its pod cache holding `pods` pods. Returns what was
   * still not quiet after `timeoutMs` ({} when quiet), each with its meaning.
   */
  async settle(pods, timeoutMs = 30_000) {
    const t0 = performance.now();
    for (;;) {
      const busy = await this.busy();
      const cached = await this.cachedPods();
      if (cached !== pods) busy.braid_cached_pods = cached;
      if (!Object.keys(busy).length) return {};
      if (performance.now() - t0 > timeoutMs)
        return Object.fromEntries(
          Object.entries(busy).map(([k, v]) => [k, `${v} (${QUIET[k] ?? `pods cached, ${pods} on the node`})`]),
        );
      await sleep(200);
    }
  }
}
