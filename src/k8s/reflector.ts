// List, then watch, keeping a trimmed copy of each object. A watch that ends is resumed from the last
// resourceVersion; 410 Gone (history compacted, API server restarted) means a fresh list.
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { Logger } from 'pino';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';

export interface ReflectorOptions<T> {
  api: ApiClient;
  /** e.g. /api/v1/pods or /apis/k8s.cni.cncf.io/v1/network-attachment-definitions */
  path: string;
  query?: Record<string, string>;
  trim: (raw: unknown) => T;
  key: (obj: T) => string;
  log: Logger;
}

const PAGE_SIZE = 500;

interface ListBody {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

export class Reflector<T> {
  readonly items = new Map<string, T>();
  private resourceVersion = '';
  private abort?: AbortController;
  private stopped = false;
  private backoffMs = 200;
  synced = false;

  constructor(private readonly o: ReflectorOptions<T>) {}

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

  /** Lists in pages, so 10,000 NADs never sit in memory as one parsed response (the daemon's peak RSS). */
  private async listAll(): Promise<{ items: Map<string, T>; resourceVersion: string }> {
    const items = new Map<string, T>();
    let next: string | undefined;
    let resourceVersion = '';
    do {
      const qs = new URLSearchParams({ ...this.o.query, limit: String(PAGE_SIZE), ...(next ? { continue: next } : {}) }).toString();
      const body = await this.o.api.request<ListBody>('GET', `${this.o.path}?${qs}`, { timeoutMs: 60_000 });
      for (const raw of body.items ?? []) {
        const obj = this.o.trim(raw);
        items.set(this.o.key(obj), obj);
      }
      resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
      next = body.metadata?.continue || undefined;
    } while (next);
    return { items, resourceVersion };
  }

  private async relist(): Promise<void> {
    for (;;) {
      try {
        const { items, resourceVersion } = await this.listAll();
        this.items.clear();
        for (const [k, v] of items) this.items.set(k, v);
        this.resourceVersion = resourceVersion;
        this.synced = true;
        this.backoffMs = 200;
        return;
      } catch (err) {
        if (this.stopped) return;
        this.o.log.warn({ path: this.o.path, err: classifyApiError(err).message }, 'list failed; retrying');
        await this.pause();
      }
    }
  }

  private pause(): Promise<void> {
    const ms = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    return new Promise((r) => setTimeout(r, ms));
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      const gone = await this.watchOnce();
      if (this.stopped) return;
      if (gone) await this.relist();
      else await this.pause();
    }
  }

  /** Resolves when the watch ends; true when the resourceVersion is too old and a relist is needed. */
  private watchOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      let gone = false;
      const w = new Watch(this.o.api.config);
      // timeoutSeconds: the server ends the watch, so a half-open connection cannot hang it forever
      const query = { ...this.o.query, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 };
      w.watch(
        this.o.path,
        query,
        (phase, raw: { metadata?: { resourceVersion?: string }; code?: number }) => {
          if (phase === 'ERROR') {
            if (raw?.code === 410) gone = true;
            return;
          }
          if (raw?.metadata?.resourceVersion) this.resourceVersion = raw.metadata.resourceVersion;
          if (phase === 'BOOKMARK') return;
          const obj = this.o.trim(raw);
          if (phase === 'DELETED') this.items.delete(this.o.key(obj));
          else this.items.set(this.o.key(obj), obj);
          this.backoffMs = 200;
        },
        (err: unknown) => {
          if (err) {
            const e = classifyApiError(err);
            if (e.kind === 'gone') gone = true;
            if (e.kind === 'unauthorized') this.o.api.reload();
            if (!this.stopped) this.o.log.debug({ path: this.o.path, err: e.message }, 'watch ended');
          }
          resolve(gone);
        },
      )
        .then((ac) => {
          this.abort = ac;
          if (this.stopped) ac.abort(); // stop() came while the watch was connecting
        })
        .catch((err: unknown) => {
          const e = classifyApiError(err);
          if (e.kind === 'unauthorized') this.o.api.reload();
          resolve(e.kind === 'gone');
        });
    });
  }
}
