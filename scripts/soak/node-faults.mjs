// Faults of the whole node, started with a cycle and running beside the pods in flight: the daemon SIGKILLed and
// restarted after a while (DELs meanwhile run in the executable), the API server down for a while. Each is kept as
// a window in time, so a failure of a pod whose ADD or DEL overlapped one is told from one that did not.
import { sleep } from '../bench/proc.mjs';

/** A pod's call within this long after a window closed still counts as overlapping it (reflectors re-list). */
export const GRACE_MS = 2000;

export class NodeFaults {
  /** `daemon`: a Daemon (daemon.mjs); `api`: control(api) (world.mjs). */
  constructor(daemon, api) {
    this.daemon = daemon;
    this.api = api;
    this.windows = [];
    this.active = new Map();
    this.injected = { daemonKilled: 0, apiDown: 0 };
    this.apiModes = {};
    this.skipped = 0;
    this.errors = [];
  }

  /** Starts `fault` in the background unless one of its kind is still going (then it is skipped and counted). */
  start(fault, cycle) {
    if (this.active.has(fault.kind)) {
      this.skipped++;
      return;
    }
    const run = fault.kind === 'daemonKilled' ? this.#daemonDown(fault, cycle) : this.#apiDown(fault);
    const p = run
      .catch((err) => this.errors.push(`${fault.kind} at cycle ${cycle}: ${err.message}`))
      .finally(() => this.active.delete(fault.kind));
    this.active.set(fault.kind, p);
  }

  async #daemonDown(f, cycle) {
    const w = { kind: 'daemonKilled', cycle, start: performance.now() };
    this.windows.push(w);
    await this.daemon.kill();
    this.injected.daemonKilled++;
    await sleep(f.downMs);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.daemon.start(cycle);
        break;
      } catch (err) {
        if (attempt === 3) throw new Error(`the daemon did not come back: ${err.message}`);
      }
    }
    w.end = performance.now();
  }

  async #apiDown(f) {
    const w = { kind: 'apiDown', mode: f.mode, start: performance.now() };
    this.windows.push(w);
    await this.api.down(f.mode);
    this.injected.apiDown++;
    this.apiModes[f.mode] = (this.apiModes[f.mode] ?? 0) + 1;
    await sleep(f.ms);
    await this.api.up();
    w.end = performance.now();
  }

  /** Kinds of the windows that overlap [t0, t1] (a window still open overlaps everything after its start). */
  overlapping(t0, t1) {
    const kinds = this.windows.filter((w) => w.start <= t1 && (w.end ?? Infinity) + GRACE_MS >= t0).map((w) => w.kind);
    return [...new Set(kinds)].sort();
  }

  /** Resolves once no fault is going: the daemon is back and the API server up. */
  async idle() {
    while (this.active.size) await Promise.all(this.active.values());
  }
}
