// List, then watch, keeping a trimmed copy of each object, as client-go's reflector does:
// - lists ask for resourceVersion=0, in pages (list-pages.ts);
// - watches ask for bookmarks, so the resourceVersion a watch resumes from stays fresh while nothing it selects
//   changes; a watch the server ends (its timeout, a shutdown) is resumed at once from there, not relisted
//   (watch-once.ts);
// - 410 Gone (history compacted) means a fresh list; errors back off exponentially, jittered, so that the daemons
//   of every node do not come back to a restarted API server in the same instant.
import type { Logger } from 'pino';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import { listPages } from './list-pages.js';
import { Backoff, type Random } from './retry.js';
import { watchOnce, type WatchEnd, type WatchEvent } from './watch-once.js';

export interface ReflectorOptions<T> {
  api: ApiClient;
  /** e.g. /api/v1/pods or /apis/k8s.cni.cncf.io/v1/network-attachment-definitions */
  path: string;
  query?: Record<string, string>;
  trim: (raw: unknown) => T;
  key: (obj: T) => string;
  log: Logger;
  /** The watch timeout asked of the server; by default 5 to 10 min, spread as client-go does. */
  watchTimeoutSeconds?: number;
  random?: Random;
  /** A watch ended and another starts (after a relist when it ended 'gone'): for metrics. */
  onWatchEnd?: (end: WatchEnd) => void;
}

export class Reflector<T> {
  readonly items = new Map<string, T>();
  private resourceVersion = '';
  private abort?: AbortController;
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly random: Random;
  synced = false;
  /** BOOKMARK events taken (their resourceVersion is where the next watch starts). */
  bookmarks = 0;

  constructor(private readonly o: ReflectorOptions<T>) {
    this.random = o.random ?? Math.random;
    this.backoff = new Backoff(200, 5000, this.random);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  async start(): Promise<void> {
    await this.relist();
    void this.watch();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async relist(): Promise<void> {
    for (;;) {
      try {
        const items = new Map<string, T>();
        const resourceVersion = await listPages(this.o.api, this.o.path, this.o.query ?? {}, (raw) => {
          const obj = this.o.trim(raw);
          items.set(this.o.key(obj), obj);
        });
        this.items.clear();
        for (const [k, v] of items) this.items.set(k, v);
        this.resourceVersion = resourceVersion;
        this.synced = true;
        this.backoff.reset();
        return;
      } catch (err) {
        if (this.stopped) return;
        this.o.log.warn({ path: this.o.path, err: classifyApiError(err).message }, 'list failed; retrying');
        await this.pause();
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.backoff.next()));
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      const end = await watchOnce({
        api: this.o.api,
        path: this.o.path,
        query: this.o.query ?? {},
        resourceVersion: this.resourceVersion,
        log: this.o.log,
        timeoutSeconds: this.o.watchTimeoutSeconds ?? Math.round(300 * (1 + this.random())),
        onEvent: (phase, raw) => this.apply(phase, raw),
        onConnected: (ac) => {
          this.abort = ac;
          if (this.stopped) ac.abort(); // stop() came while the watch was connecting
        },
      });
      if (this.stopped) return;
      this.o.onWatchEnd?.(end);
      if (end === 'gone') await this.relist();
      else if (end === 'failed') await this.pause();
    }
  }

  /** One event other than ERROR; a bookmark only moves the resourceVersion. */
  private apply(phase: string, raw: WatchEvent): void {
    if (raw?.metadata?.resourceVersion) this.resourceVersion = raw.metadata.resourceVersion;
    this.backoff.reset();
    if (phase === 'BOOKMARK') {
      this.bookmarks++;
      return;
    }
    const obj = this.o.trim(raw);
    if (phase === 'DELETED') this.items.delete(this.o.key(obj));
    else this.items.set(this.o.key(obj), obj);
  }
}
