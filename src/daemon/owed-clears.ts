// The network-status clears owed by DELs the executable made in-process while the daemon was down
// (src/store/pending-status.ts). The daemon makes them once its caches are synced, and keeps at it: a clear the API
// cannot take now (storage down, a restart's 403 window, an outage that began just after the lists) is retried with a
// backoff until it lands, not left for the daemon's next start. The directory is read again on every pass, so a clear
// recorded while the daemon was starting (an in-process DEL that found no socket yet) is made too.
import type { Logger } from 'pino';
import type { PodRef } from '../engine/ports.js';
import { classifyApiError } from '../k8s/errors.js';
import { Backoff } from '../k8s/retry.js';
import type { PendingClear, PendingStatusClears } from '../store/pending-status.js';

/** Makes one clear; resolves when made or when nothing there is its own, throws when it could not be made. */
export type ClearStatus = (pod: PodRef, containerId: string) => Promise<void>;

export interface OwedClearsOptions {
  owed: PendingStatusClears;
  clear: ClearStatus;
  log: Logger;
  /** The wait after a failed pass: 1 s doubling to 30 s unless given (tests). */
  backoff?: Backoff;
  /** The wait between passes once nothing failed, for clears recorded since; 60 s unless given. */
  idleMs?: number;
}

export class OwedClears {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly backoff: Backoff;
  /** Files whose clear failed last: tried after the others, so one pod the API keeps refusing holds up no other. */
  private readonly failedLast = new Set<string>();

  constructor(private readonly o: OwedClearsOptions) {
    this.backoff = o.backoff ?? new Backoff(1000, 30_000);
  }

  /** The first pass now, then one after each wait; nothing once stopped. */
  start(): void {
    if (!this.stopped) void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One pass over what is owed; false when a clear failed and is kept for the next pass. */
  async pass(): Promise<boolean> {
    const entries = this.o.owed.list();
    entries.sort((a, b) => Number(this.failedLast.has(a.file)) - Number(this.failedLast.has(b.file)));
    this.failedLast.clear();
    for (const e of entries) {
      if (this.stopped) return true;
      if (!(await this.one(e))) {
        this.failedLast.add(e.file);
        return false; // the API is unwell: the rest wait for the next pass rather than each waiting out its bound
      }
    }
    return true;
  }

  private async one(e: PendingClear): Promise<boolean> {
    const where = { namespace: e.pod.namespace, pod: e.pod.name, containerId: e.containerId };
    try {
      await this.o.clear(e.pod, e.containerId);
      this.o.owed.done(e);
      return true;
    } catch (raw) {
      const err = classifyApiError(raw);
      if (!err.retriable) {
        // Refused for good (neither gone nor another container's, which the clear settles itself): left as it is.
        this.o.log.warn({ ...where, err: err.message }, 'owed network-status clear refused; not retried');
        this.o.owed.done(e);
        return true;
      }
      this.o.log.warn({ ...where, err: err.message }, 'owed network-status clear failed; retrying');
      return false;
    }
  }

  private async run(): Promise<void> {
    const ok = await this.pass().catch((err: unknown) => {
      this.o.log.warn({ err: (err as Error).message }, 'owed network-status clears: pass failed; retrying');
      return false;
    });
    if (this.stopped) return;
    if (ok) this.backoff.reset();
    this.timer = setTimeout(() => void this.run(), ok ? (this.o.idleMs ?? 60_000) : this.backoff.next());
    this.timer.unref();
  }
}
