// The API request pipeline: count → latency → injected fault → authentication → authorization → storage (writes and
// quorum reads) → discovery or a resource verb.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Target } from './authz.js';
import type { Context } from './context.js';
import type { RequestRecord } from './counters.js';
import type { FaultAction } from './faults.js';
import { readJson, sendJson, sendStatus, sleep, statusOf } from './http.js';
import { listObjects } from './list.js';
import { createObject, deleteObject, patchObject, updateObject, type ObjectRef } from './objects.js';
import { discoveryDocument, findResourceType } from './resources.js';
import { ApiError, errors, failure, success } from './status.js';

/** Paths a real API server shows to anonymous clients (system:public-info-viewer). */
const publicPaths = new Set(['/version', '/healthz', '/livez', '/readyz']);

const writeVerbs = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]] and /apis/GROUP/VERSION/[namespaces/NS/]PLURAL[/NAME[/SUB]]. */
function parseTarget(path: string): Target | undefined {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') [group, version, rest] = ['', 'v1', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 3)
    [group, version, rest] = [parts[1] as string, parts[2] as string, parts.slice(3)];
  else return undefined;
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [namespace, plural, name, subresource, extra] = namespaced ? rest.slice(1) : [undefined, ...rest];
  const type = plural === undefined ? undefined : findResourceType(group, version, plural);
  if (!type || extra !== undefined || (!namespaced && name !== undefined)) return undefined;
  if (subresource !== undefined && !type.subresources.includes(subresource)) return undefined;
  return { type, namespace, name, subresource };
}

export function verbOf(req: IncomingMessage, query: URLSearchParams): string {
  const watch = query.get('watch');
  return req.method === 'GET' && (watch === 'true' || watch === '1') ? 'WATCH' : (req.method ?? 'GET');
}

export async function handleApiRequest(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://apiserver');
  const verb = verbOf(req, url.searchParams);
  ctx.counters.count(verb, url.pathname);
  const entry: RequestRecord = {
    verb,
    path: url.pathname,
    query: url.search,
    contentType: req.headers['content-type'],
    userAgent: req.headers['user-agent'],
    code: 0,
    open: true,
  };
  ctx.counters.record(entry);
  res.on('close', () => {
    entry.code = res.headersSent ? res.statusCode : 0;
    delete entry.open;
  });
  try {
    if (ctx.faults.latencyMs > 0) await sleep(ctx.faults.latencyMs);
    if (!(await survivesHang(ctx, res))) return;
    const fault = ctx.faults.decide(verb, url.pathname);
    if (fault?.action === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.action === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('<html>502 Bad Gateway</html>');
      return;
    }
    if (fault) return sendFailure(res, fault);
    if (!publicPaths.has(url.pathname)) {
      if (!(await ctx.tokens.check(req.headers.authorization))) throw new ApiError(failure(401, 'Unauthorized'));
      ctx.authz.check(verb, url.pathname, parseTarget(url.pathname));
    }
    if (needsStorage(ctx, verb, url) && !(await storageAnswers(ctx, res))) return;
    await dispatch(ctx, { req, res, url, verb });
  } catch (err) {
    sendStatus(res, statusOf(err));
  }
}

/** A hang outage holds the request unanswered until it ends; false when its client gave up meanwhile. */
async function survivesHang(ctx: Context, res: ServerResponse): Promise<boolean> {
  if (ctx.faults.outage !== 'hang') return true;
  let gone = false;
  res.once('close', () => (gone = true));
  await ctx.faults.untilHangEnds();
  return !gone;
}

/** An injected failure: a Status (or the body given, as a load balancer's page), with Retry-After when asked. */
function sendFailure(res: ServerResponse, fault: Extract<FaultAction, { action: 'fail' }>): void {
  const retryAfter = fault.retryAfterSeconds ?? (fault.code === 429 ? 1 : undefined); // 429: as sendStatus does
  const headers: Record<string, string> = retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {};
  if (fault.body === undefined) return sendJson(res, fault.code, failure(fault.code, fault.message), headers);
  res.writeHead(fault.code, {
    'Content-Type': 'text/html',
    'Content-Length': Buffer.byteLength(fault.body),
    ...headers,
  });
  res.end(fault.body);
}

/**
 * What etcd must answer: a write, or a quorum read of a resource (GET or LIST without resourceVersion; a continued
 * page is served, see StorageDown). Discovery, watches and reads with a resourceVersion come from memory (the watch
 * cache).
 */
function needsStorage(ctx: Context, verb: string, url: URL): boolean {
  if (writeVerbs.has(verb)) return true;
  if (verb !== 'GET' || ctx.faults.storageDown?.serveQuorumReads || !parseTarget(url.pathname)) return false;
  return !url.searchParams.get('resourceVersion') && !url.searchParams.has('continue');
}

/**
 * Storage down: a write or quorum read waits for it. False when its client gave up meanwhile: nothing is written or
 * answered.
 */
async function storageAnswers(ctx: Context, res: ServerResponse): Promise<boolean> {
  if (!ctx.faults.storageDown) return true;
  let gone = false;
  res.once('close', () => (gone = true));
  const back = await ctx.faults.waitForStorage();
  if (gone) return false;
  if (!back) throw errors.timeout();
  return true;
}

/** DeleteOptions from the body, or from the query (`?propagationPolicy=Foreground`), as the API server takes them. */
function deleteOptions(body: unknown, query: URLSearchParams): unknown {
  const policy = query.get('propagationPolicy');
  if (policy === null) return body;
  return { ...(body && typeof body === 'object' ? body : {}), propagationPolicy: policy };
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  verb: string;
}

async function dispatch(ctx: Context, { req, res, url, verb }: Call): Promise<void> {
  if (publicPaths.has(url.pathname) && url.pathname !== '/version') return sendJson(res, 200, '"ok"');
  const doc = discoveryDocument(url.pathname, ctx.serverAddress());
  if (doc) return sendJson(res, 200, doc);
  const target = parseTarget(url.pathname);
  if (!target) throw new ApiError(failure(404, 'the server could not find the requested resource'));
  const { type, namespace, name, subresource } = target;
  if (name === undefined) {
    if (verb === 'WATCH') return ctx.watches.open({ type, namespace, query: url.searchParams }, res);
    if (verb === 'GET') {
      ctx.counters.countList(url.pathname, url.searchParams);
      return sendJson(res, 200, listObjects(ctx.store, { type, namespace, query: url.searchParams }));
    }
    if (verb === 'POST' && namespace !== undefined) {
      return sendJson(res, 201, createObject(ctx.store, type, namespace, await readJson(req)).json);
    }
    throw errors.methodNotAllowed();
  }
  const ref: ObjectRef = { type, namespace: namespace as string, name, subresource };
  switch (verb) {
    case 'GET': {
      const obj = ctx.store.get(type, ref.namespace, name);
      if (!obj) throw errors.notFound(type.plural, name, type.group);
      return sendJson(res, 200, obj.json);
    }
    case 'PUT':
      return sendJson(res, 200, updateObject(ctx.store, ref, await readJson(req)).json);
    case 'PATCH':
      return sendJson(
        res,
        200,
        patchObject(ctx.store, ref, req.headers['content-type'] ?? '', await readJson(req)).json,
      );
    case 'DELETE': {
      if (subresource) throw errors.methodNotAllowed();
      const { object, pending } = deleteObject(ctx.store, ref, deleteOptions(await readJson(req), url.searchParams));
      return sendJson(
        res,
        200,
        pending || type.deleteReturnsObject ? object.json : success({ name, group: type.group, kind: type.plural }),
      );
    }
    default:
      throw errors.methodNotAllowed();
  }
}
