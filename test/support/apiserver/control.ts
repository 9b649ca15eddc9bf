// The control API: plain HTTP on 127.0.0.1, for tests only. It seeds and inspects objects, injects faults,
// restarts (closes every watch) and compacts, and reads the request counters. It is never counted or faulted.
//
//   GET    /state                      resourceVersion, object counts, open watches, faults, settings
//   POST   /reset                      drop objects and history, clear faults, counters and settings, end watches
//   POST   /objects                    seed: an object, an array, or {items:[...]}; replaces existing ones
//   GET    /objects/PLURAL[?namespace=NS]   the stored objects ({items})
//   DELETE /objects/PLURAL/NS/NAME     delete one (watchers see DELETED)
//   GET|PUT|DELETE /faults             read / change (FaultSettings, null clears one) / clear all
//   POST   /restart                    {compact?, abrupt?}: end every watch (abrupt: drop every connection)
//   POST   /compact                    forget history: watches from any older resourceVersion get 410
//   GET|DELETE /counters               {"VERB /path": n} / reset counters and the request log
//   GET    /requests                   the last requests: verb, path, query, contentType, code
//   PUT    /config                     {goneAs?: "event"|"http", historyLimit?, tokens?: string[]}
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './context.js';
import type { FaultSettings } from './faults.js';
import { readJson, sendJson, sendStatus, statusOf } from './http.js';
import { deleteObject, seedObjects } from './objects.js';
import { resourceTypes } from './resources.js';
import { ApiError, errors, failure } from './status.js';
import type { GoneAs } from './watch.js';

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

function state(ctx: Context): unknown {
  return {
    ...ctx.store.stats(), historyLimit: ctx.store.historyLimit, watches: ctx.watches.size, connections: ctx.connections(),
    goneAs: ctx.watches.goneAs, faults: ctx.faults.snapshot(),
  };
}

async function configure(ctx: Context, body: unknown): Promise<unknown> {
  const { goneAs, historyLimit, tokens } = (body ?? {}) as { goneAs?: GoneAs; historyLimit?: number; tokens?: string[] };
  if (goneAs !== undefined) ctx.watches.goneAs = goneAs;
  if (historyLimit !== undefined) ctx.store.historyLimit = historyLimit;
  if (tokens !== undefined) ctx.tokens.staticTokens = new Set(tokens);
  return state(ctx);
}

async function setFaults(ctx: Context, settings: FaultSettings): Promise<unknown> {
  ctx.faults.set(settings);
  if (settings.outage !== undefined) await ctx.setOutage(settings.outage);
  return ctx.faults.snapshot();
}

function restart(ctx: Context, body: unknown): unknown {
  const { compact, abrupt } = (body ?? {}) as { compact?: boolean; abrupt?: boolean };
  if (compact) ctx.store.compact();
  const watches = ctx.watches.size;
  if (abrupt) ctx.dropConnections();
  else ctx.watches.closeAll();
  return { closedWatches: watches, resourceVersion: String(ctx.store.resourceVersion) };
}

const routes: Record<string, Handler> = {
  'GET state': (ctx) => state(ctx),
  'POST reset': async (ctx) => {
    ctx.store.reset();
    ctx.watches.closeAll();
    ctx.counters.reset();
    await configure(ctx, ctx.initial);
    await setFaults(ctx, { latencyMs: 0, failNext: null, dropNext: null, outage: null });
    return state(ctx);
  },
  'POST objects': (ctx, body) => seed(ctx, body),
  'GET objects': (ctx, _b, parts, query) => ({
    items: [...ctx.store.list(resourceType(parts[1]), query.get('namespace') ?? undefined)].map((o) => JSON.parse(o.json) as unknown),
  }),
  'DELETE objects': (ctx, _b, parts) => {
    const type = resourceType(parts[1]);
    return JSON.parse(deleteObject(ctx.store, { type, namespace: parts[2] ?? '', name: parts[3] ?? '' }, undefined).json);
  },
  'GET faults': (ctx) => ctx.faults.snapshot(),
  'PUT faults': (ctx, body) => setFaults(ctx, (body ?? {}) as FaultSettings),
  'DELETE faults': (ctx) => setFaults(ctx, { latencyMs: 0, failNext: null, dropNext: null, outage: null }),
  'POST restart': (ctx, body) => restart(ctx, body),
  'POST compact': (ctx) => {
    ctx.store.compact();
    return state(ctx);
  },
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
    const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    const handler = routes[`${req.method} ${parts[0] ?? ''}`];
    if (!handler) throw new ApiError(failure(404, `no control route ${req.method} ${url.pathname}`));
    const result = await handler(ctx, await readJson(req), parts, url.searchParams);
    sendJson(res, 200, result ?? {});
  } catch (err) {
    sendStatus(res, statusOf(err));
  }
}
