// A LIST in pages of 500, so 10,000 NADs never sit in memory as one parsed response (the daemon's peak RSS).
// The first page asks for resourceVersion=0: the API server answers from its watch cache, not from etcd, which
// matters when every node's daemon relists at once after an API restart. A continue token carries the version of
// the pages after it (a real server refuses any other resourceVersion with one).
import type { ApiClient } from './api.js';

const PAGE_SIZE = 500;

interface ListBody {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

/** Calls `each` with every item; returns the list's resourceVersion. */
export async function listPages(
  api: ApiClient,
  path: string,
  query: Record<string, string>,
  each: (raw: unknown) => void,
): Promise<string> {
  let next: string | undefined;
  let resourceVersion = '';
  do {
    const page: Record<string, string> = next ? { continue: next } : { resourceVersion: '0' };
    const qs = new URLSearchParams({ ...query, limit: String(PAGE_SIZE), ...page }).toString();
    const body = await api.request<ListBody>('GET', `${path}?${qs}`, { timeoutMs: 60_000 });
    for (const raw of body.items ?? []) each(raw);
    resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
    next = body.metadata?.continue || undefined;
  } while (next);
  return resourceVersion;
}
