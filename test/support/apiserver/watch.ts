// Watch streams: one JSON event per line over a chunked 200 response, as the API server sends them (what each watch
// is sent: watch-events.ts). A 410 goes either as an ERROR event followed by the end of the stream (what a real API
// server does) or as an HTTP 410 (what client-node's Watch also turns into a relist).
//
// Like the API server, a watch ends after its timeoutSeconds or, without one, after the server's min-request-timeout
// times a random 1 to 2 (so that watches opened together do not all end together). A watch that asked for
// allowWatchBookmarks gets a BOOKMARK every bookmarkIntervalMs, when the control API asks, and just before its timeout.
import type { ServerResponse } from 'node:http';
import { compileSelectors } from './selectors.js';
import { ApiError } from './status.js';
import type { Change, Store } from './store.js';
import { bookmarkLine, eventLine, eventType, initialLines, type Watcher, type WatchRequest } from './watch-events.js';

export type { WatchRequest } from './watch-events.js';
export type GoneAs = 'event' | 'http';

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  goneAs: GoneAs = 'event';
  /** kube-apiserver's --min-request-timeout (1800 s), for watches that do not give timeoutSeconds. */
  minRequestTimeoutMs = 1_800_000;
  private bookmarkEveryMs = 0;
  private bookmarkTimer?: NodeJS.Timeout;

  constructor(private readonly store: Store) {
    store.onChange((change) => this.dispatch(change));
    this.bookmarkIntervalMs = 60_000; // the watch cache's bookmark frequency
  }

  get bookmarkIntervalMs(): number {
    return this.bookmarkEveryMs;
  }

  /** 0 stops the periodic bookmarks. */
  set bookmarkIntervalMs(ms: number) {
    clearInterval(this.bookmarkTimer);
    this.bookmarkEveryMs = ms;
    if (ms > 0) this.bookmarkTimer = setInterval(() => this.bookmark(), ms).unref();
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Start a watch. Errors before the stream starts (bad selector, 410 as HTTP) are thrown for the router to answer. */
  open(request: WatchRequest, res: ServerResponse): void {
    const watcher: Watcher = {
      ...request,
      match: compileSelectors(request.query),
      res,
      bookmarks: request.query.get('allowWatchBookmarks') === 'true',
    };
    const lines = initialLines(this.store, watcher, this.goneAs === 'event');
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    // Send the headers now: a client's fetch resolves on them, and there may be no event for a long time.
    res.flushHeaders();
    if (lines instanceof ApiError) {
      res.end(eventLine('ERROR', JSON.stringify(lines.status)));
      return;
    }
    for (const line of lines) res.write(line);
    this.watchers.add(watcher);
    const timer = setTimeout(() => this.expire(watcher), this.timeoutOf(request.query));
    res.on('close', () => {
      this.watchers.delete(watcher);
      clearTimeout(timer);
    });
  }

  /** End every watch cleanly (an API server shutting down); clients see the stream end and reconnect. */
  closeAll(): number {
    const n = this.watchers.size;
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    return n;
  }

  /** Time every watch out now rather than at its timeout; returns how many. */
  expireAll(): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) this.expire(w);
    return n;
  }

  /** A BOOKMARK to every watch that takes them; returns how many got one. */
  bookmark(): number {
    let n = 0;
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      w.res.write(bookmarkLine(w, this.store.resourceVersion));
      n++;
    }
    return n;
  }

  private timeoutOf(query: URLSearchParams): number {
    const seconds = Number(query.get('timeoutSeconds') ?? 0);
    return seconds > 0 ? seconds * 1000 : this.minRequestTimeoutMs * (1 + Math.random());
  }

  /** A watch's timeout: a last bookmark when it takes them, then a clean end of the stream. */
  private expire(w: Watcher): void {
    if (w.bookmarks) w.res.write(bookmarkLine(w, this.store.resourceVersion));
    w.res.end();
    this.watchers.delete(w);
  }

  private dispatch(change: Change): void {
    for (const w of this.watchers) {
      const type = eventType(w, change);
      if (type) w.res.write(eventLine(type, change.object.json));
    }
  }
}
