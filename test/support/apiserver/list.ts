// LIST: the stored JSON texts joined into a *List, with selectors and limit/continue paging.
// Without `limit` nothing is sorted or parsed, so listing 10,000 NADs stays a string join.
import type { ResourceType } from './resources.js';
import { apiVersionOf } from './resources.js';
import { compileSelectors } from './selectors.js';
import { errors } from './status.js';
import type { Store, StoredObject } from './store.js';

export interface ListRequest {
  type: ResourceType;
  namespace?: string;
  query: URLSearchParams;
}

const keyOf = (o: StoredObject): string => `${o.namespace}/${o.name}`;

function decodeContinue(token: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string') return after;
  } catch {
    // fall through to the error below
  }
  throw errors.badRequest('the continue token is invalid');
}

/** The list response body, as JSON text. */
export function listObjects(store: Store, { type, namespace, query }: ListRequest): string {
  const match = compileSelectors(query);
  const limit = Number(query.get('limit') ?? 0);
  const meta: Record<string, unknown> = { resourceVersion: String(store.resourceVersion) };
  let items: StoredObject[] = [];
  for (const obj of store.list(type, namespace)) if (match(obj)) items.push(obj);
  if (limit > 0) {
    // Paging walks the key order (namespace/name), as etcd does; a continue token names the last key served.
    items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    const token = query.get('continue');
    const rv = query.get('resourceVersion');
    // The token carries the version of the first page; only "0" (ignored) may come with it, as on a real server.
    if (token && rv && rv !== '0')
      throw errors.badRequest('specifying resource version is not allowed when using continue');
    if (token) {
      const after = decodeContinue(token);
      items = items.filter((o) => keyOf(o) > after);
    }
    if (items.length > limit) {
      const last = items[limit - 1] as StoredObject;
      meta.continue = Buffer.from(JSON.stringify({ after: keyOf(last) })).toString('base64url');
      meta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
  }
  const head = { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: meta };
  return `${JSON.stringify(head).slice(0, -1)},"items":[${items.map((o) => o.json).join(',')}]}`;
}
