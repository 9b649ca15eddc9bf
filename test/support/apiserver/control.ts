// The control API: plain HTTP on 127.0.0.1, for tests only. It seeds and inspects objects, injects faults,
// restarts (closes every watch) and compacts, and reads the request counters. It is never counted or faulted.
//
//   GET    /state                      resourceVersion, object counts, open watches, faults, settings
//   POST   /reset                      drop objects and history, clear faults, counters and settings, end watches
//   POST   /objects                    seed: an object, an array, or {items:[...]}; replaces existing ones
//   GET    /objects/PLURAL[?namespace=NS]   the stored objects ({items})
//   DELETE /objects/PLURAL/NS/NAME     delete one (watchers see DELETED; with finalizers it is only marked: MODIFIED)
//   GET|PUT|DELETE /faults             read / change (FaultSettings, null clears one) / clear all
//   POST   /restart                    {compact?, abrupt?, downMs?, rbacWarmup?: true|ms} (lifecycle.ts)
//   POST   /compact                    forget history: watches from any older resourceVersion get 410
//   POST   /bookmark                   a BOOKMARK now to every watch that takes them ({sent})
//   POST   /expire-watches             time out every watch now: a last bookmark, then a clean end ({expired})
//   GET|DELETE /counters               {"VERB /path": n} / reset counters, list counts and the request log
//   GET    /lists                      {"/path": {rv0, unset, specific, continued}}: LISTs by resourceVersion
//   GET    /requests                   the last requests: verb, path, query, contentType, code
//   PUT    /config                     Settings (context.ts), tokens?: string[]
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './context.js';
import { NO_FAULTS, type FaultSettings } from './faults.js';
import { readJson, sendJson, sendStatus, statusOf } from './http.js';
import { configure, restart, state } from './lifecycle.js';
import { deleteObject, seedObjects } from './objects.js';
import { resourceTypes } from './resources.js';
import { ApiError, errors, failure } from './status.js';

type Handler = (ctx: Context, body: unknown, parts: string[], query: URLSearchParams) => unknown;

function resourceType(plural: string | undefined) {
  const type = resourceTypes.find((t) => t.plural === plural);
  if (!type) throw errors.badRequest(`unknown resource "${String(plural)}"`);
  return type;
}

function seed(ctx: Context, body: unknown): unknown {
  const seeded = seedObjects(ctx.store, body);
  return { seeded, resourceVersion: String(ctx.store.resourceVersion) };
}

async function setFaults(ctx: Context, settings: FaultSettings): Promise<unknown> {
  ctx.faults.set(settings);
  if (settings.outage !== undefined) await ctx.setOutage(settings.outage);
  return ctx.faults.snapshot();
}

const routes: Record<string, Handler> = {
  'GET state': (ctx) => state(ctx),
  'POST reset': async (ctx) => {
    ctx.store.reset();
    ctx.watches.closeAll();
    ctx.counters.reset();
    configure(ctx, ctx.initial);
    ctx.authz.warmUp(0);
    await setFaults(ctx, NO_FAULTS);
    return state(ctx);
  },
  'POST objects': (ctx, body) => seed(ctx, body),
  'GET objects': (ctx, _b, parts, query) => ({
    items: [...ctx.store.list(resourceType(parts[1]), query.get('namespace') ?? undefined)].map(
      (o) => JSON.parse(o.json) as unknown,
    ),
  }),
  'DELETE objects': (ctx, _b, parts) => {
    const type = resourceType(parts[1]);
    return JSON.parse(
      deleteObject(ctx.store, { type, namespace: parts[2] ?? '', name: parts[3] ?? '' }, undefined).object.json,
    );
  },
  'GET faults': (ctx) => ctx.faults.snapshot(),
  'PUT faults': (ctx, body) => setFaults(ctx, (body ?? {}) as FaultSettings),
  'DELETE faults': (ctx) => setFaults(ctx, NO_FAULTS),
  'POST restart': (ctx, body) => restart(ctx, body),
  'POST compact': (ctx) => {
    ctx.store.compact();
    return state(ctx);
  },
  'POST bookmark': (ctx) => ({ sent: ctx.watches.bookmark() }),
  'POST expire-watches': (ctx) => ({ expired: ctx.watches.expireAll() }),
  'GET lists': (ctx) => ctx.counters.lists(),
  'GET counters': (ctx) => ctx.counters.snapshot(),
  'DELETE counters': (ctx) => {
    ctx.counters.reset();
    return {};
  },
  'GET requests': (ctx) => ctx.counters.requests(),
  'PUT config': (ctx, body) => configure(ctx, body),
};

export async function handleControlRequest(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://control');
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    const handler = routes[`${req.method} ${parts[0] ?? ''}`];
    if (!handler) throw new ApiError(failure(404, `no control route ${req.method} ${url.pathname}`));
    const result = await handler(ctx, await readJson(req), parts, url.searchParams);
    sendJson(res, 200, result ?? {});
  } catch (err) {
    sendStatus(res, statusOf(err));
  }
}
