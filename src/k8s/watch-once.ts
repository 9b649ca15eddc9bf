// One watch request, from a resourceVersion until the stream ends, and what its end means for the reflector:
// - 'gone': 410 (as an ERROR event or an HTTP status): the history is compacted, relist;
// - 'closed': the server ended a healthy watch (its timeoutSeconds, a shutdown): watch again at once;
// - 'failed': an error, or a watch that ended clean but at once (a server in trouble): pause first.
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { Logger } from 'pino';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';

export type WatchEnd = 'gone' | 'closed' | 'failed';
export type WatchEvent = { metadata?: { resourceVersion?: string }; code?: number };

export interface WatchOnceOptions {
  api: ApiClient;
  path: string;
  query: Record<string, string>;
  resourceVersion: string;
  timeoutSeconds: number;
  /** Every event but ERROR (BOOKMARK included). */
  onEvent: (phase: string, raw: WatchEvent) => void;
  /** The watch's AbortController, once it is connected. */
  onConnected: (ac: AbortController) => void;
  log: Logger;
}

/** A clean end after this long (or after an event) is a healthy watch's end. */
const HEALTHY_WATCH_MS = 1000;

export function watchOnce(o: WatchOnceOptions): Promise<WatchEnd> {
  return new Promise((resolve) => {
    let error: number | undefined; // the code of an ERROR event
    let events = 0;
    let ac: AbortController | undefined;
    const started = Date.now();
    // The server ends the watch after timeoutSeconds; if it has not by then, the connection is half-open.
    const guard = setTimeout(() => ac?.abort(), (o.timeoutSeconds + 30) * 1000).unref();
    const end = (how: WatchEnd, err?: unknown) => {
      clearTimeout(guard);
      const e = err === undefined ? undefined : classifyApiError(err);
      if (e?.kind === 'unauthorized') o.api.reload();
      if (e) o.log.debug({ path: o.path, err: e.message }, 'watch ended');
      resolve(e?.kind === 'gone' ? 'gone' : how);
    };
    const query = {
      ...o.query,
      resourceVersion: o.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: o.timeoutSeconds,
    };
    new Watch(o.api.config)
      .watch(
        o.path,
        query,
        (phase, raw: WatchEvent) => {
          if (phase === 'ERROR') error = raw?.code ?? 500;
          else if (error === undefined) {
            events++;
            o.onEvent(phase, raw);
          }
        },
        (err: unknown) => {
          if (error !== undefined) return end(error === 410 ? 'gone' : 'failed');
          if (err) return end('failed', err);
          end(events > 0 || Date.now() - started >= HEALTHY_WATCH_MS ? 'closed' : 'failed');
        },
      )
      .then((controller) => {
        ac = controller;
        o.onConnected(controller);
      })
      .catch((err: unknown) => end('failed', err));
  });
}
