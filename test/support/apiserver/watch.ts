// Watch streams: one JSON event per line over a chunked 200 response, as the API server sends them.
//
// From resourceVersion "" or "0" a watch starts with a synthetic ADDED per existing object; from a number N it replays
// the history after N and then follows live changes; when N is older than the retained history it answers 410 Expired,
// either as an ERROR event followed by the end of the stream (what a real API server does) or as an HTTP 410 (what
// client-node's Watch also turns into a relist). An object that stops matching a selector arrives as DELETED.
import type { ServerResponse } from 'node:http';
import type { ResourceType } from './resources.js';
import { compileSelectors, type Matcher } from './selectors.js';
import { ApiError, errors } from './status.js';
import type { Change, ChangeType, Store, StoredObject } from './store.js';

export type GoneAs = 'event' | 'http';

export interface WatchRequest {
  type: ResourceType;
  /** undefined: all namespaces. */
  namespace?: string;
  query: URLSearchParams;
}

interface Watcher extends WatchRequest {
  match: Matcher;
  res: ServerResponse;
}

const eventLine = (type: string, json: string): string => `{"type":"${type}","object":${json}}\n`;

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  goneAs: GoneAs = 'event';

  constructor(private readonly store: Store) {
    store.onChange((change) => this.dispatch(change));
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Start a watch. Errors before the stream starts (bad selector, 410 as HTTP) are thrown for the router to answer. */
  open(request: WatchRequest, res: ServerResponse): void {
    const watcher: Watcher = { ...request, match: compileSelectors(request.query), res };
    const lines = this.initialLines(watcher);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    // Send the headers now: a client's fetch resolves on them, and there may be no event for a long time.
    res.flushHeaders();
    if (lines instanceof ApiError) {
      res.end(eventLine('ERROR', JSON.stringify(lines.status)));
      return;
    }
    for (const line of lines) res.write(line);
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
    const timeout = Number(request.query.get('timeoutSeconds') ?? 0);
    if (timeout > 0) {
      const timer = setTimeout(() => res.end(), timeout * 1000);
      res.on('close', () => clearTimeout(timer));
    }
  }

  /** End every watch cleanly (an API server shutting down); clients see the stream end and reconnect. */
  closeAll(): number {
    const n = this.watchers.size;
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    return n;
  }

  private initialLines(w: Watcher): string[] | ApiError {
    const rv = w.query.get('resourceVersion');
    if (rv === null || rv === '' || rv === '0') {
      const lines: string[] = [];
      for (const obj of this.store.list(w.type, w.namespace)) if (w.match(obj)) lines.push(eventLine('ADDED', obj.json));
      return lines;
    }
    if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version "${rv}"`);
    let changes: Change[];
    try {
      changes = this.store.changesSince(Number(rv));
    } catch (err) {
      if (err instanceof ApiError && this.goneAs === 'event') return err;
      throw err;
    }
    return changes.flatMap((change) => {
      const type = eventType(w, change);
      return type ? [eventLine(type, change.object.json)] : [];
    });
  }

  private dispatch(change: Change): void {
    for (const w of this.watchers) {
      const type = eventType(w, change);
      if (type) w.res.write(eventLine(type, change.object.json));
    }
  }
}

function inScope(w: Watcher, obj: StoredObject | undefined): boolean {
  return obj !== undefined && (w.namespace === undefined || obj.namespace === w.namespace) && w.match(obj);
}

/** The event a watcher sees for a change, given whether the object matched before and after it. */
function eventType(w: Watcher, change: Change): ChangeType | undefined {
  if (change.resource !== w.type) return undefined;
  const before = inScope(w, change.previous);
  if (change.type === 'DELETED') return before ? 'DELETED' : undefined;
  const now = inScope(w, change.object);
  if (now) return before ? 'MODIFIED' : 'ADDED';
  return before ? 'DELETED' : undefined;
}
