// What one watch is sent: the lines a watch starts with, the event a change becomes for it, and bookmarks.
//
// From resourceVersion "" or "0" a watch starts with a synthetic ADDED per existing object; from a number N it replays
// the history after N; when N is older than the retained history that is 410 Expired. An object that stops matching a
// selector arrives as DELETED.
import type { ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceType } from './resources.js';
import type { Matcher } from './selectors.js';
import { ApiError, errors } from './status.js';
import type { Change, ChangeType, Store, StoredObject } from './store.js';

export interface WatchRequest {
  type: ResourceType;
  /** undefined: all namespaces. */
  namespace?: string;
  query: URLSearchParams;
}

export interface Watcher extends WatchRequest {
  match: Matcher;
  res: ServerResponse;
  /** It asked for allowWatchBookmarks=true. */
  bookmarks: boolean;
}

export const eventLine = (type: string, json: string): string => `{"type":"${type}","object":${json}}\n`;

/** A BOOKMARK as the API server sends one: the kind, and the current resourceVersion as the only metadata. */
export function bookmarkLine(w: Watcher, resourceVersion: number): string {
  return eventLine(
    'BOOKMARK',
    JSON.stringify({
      kind: w.type.kind,
      apiVersion: apiVersionOf(w.type),
      metadata: { resourceVersion: String(resourceVersion) },
    }),
  );
}

/** The lines a watch starts with, or the 410 it gets instead (returned when it goes in the stream, else thrown). */
export function initialLines(store: Store, w: Watcher, goneInStream: boolean): string[] | ApiError {
  const rv = w.query.get('resourceVersion');
  if (rv === null || rv === '' || rv === '0') {
    const lines: string[] = [];
    for (const obj of store.list(w.type, w.namespace)) if (w.match(obj)) lines.push(eventLine('ADDED', obj.json));
    return lines;
  }
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version "${rv}"`);
  let changes: Change[];
  try {
    changes = store.changesSince(Number(rv));
  } catch (err) {
    if (err instanceof ApiError && goneInStream) return err;
    throw err;
  }
  return changes.flatMap((change) => {
    const type = eventType(w, change);
    return type ? [eventLine(type, change.object.json)] : [];
  });
}

function inScope(w: Watcher, obj: StoredObject | undefined): boolean {
  return obj !== undefined && (w.namespace === undefined || obj.namespace === w.namespace) && w.match(obj);
}

/** The event a watcher sees for a change, given whether the object matched before and after it. */
export function eventType(w: Watcher, change: Change): ChangeType | undefined {
  if (change.resource !== w.type) return undefined;
  const before = inScope(w, change.previous);
  if (change.type === 'DELETED') return before ? 'DELETED' : undefined;
  const now = inScope(w, change.object);
  if (now) return before ? 'MODIFIED' : 'ADDED';
  return before ? 'DELETED' : undefined;
}
