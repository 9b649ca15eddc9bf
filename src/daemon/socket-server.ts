// The CNI socket: HTTP over a unix socket (mode 0600), POST /cni, GET /healthz and the daemon's other GET endpoints
// (GET /explain: explain-endpoint.ts). A request that is not a CNI request, or is too large, gets a CNI error; the
// daemon keeps serving.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject } from '../cni/types.js';
import { CNI_PATH, MAX_REQUEST_BYTES, type DaemonReply, type DaemonRequest } from '../wire/protocol.js';

export type CniRequestHandler = (req: DaemonRequest) => Promise<DaemonReply>;

/** A GET endpoint by its path: the query in, a status and a JSON body out. */
export type GetRoutes = Record<string, (query: URLSearchParams) => Promise<{ status: number; body: unknown }>>;

const errorReply = (e: CniError): DaemonReply => ({ exitCode: 1, stdout: JSON.stringify(e.toJSON()) });

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        // Read the rest and drop it, so the client still receives the error instead of a reset connection
        // (which the executable would take for a daemon that is down).
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) reject(new CniError(ErrorCode.InvalidConfig, `request is larger than ${MAX_REQUEST_BYTES} bytes`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

export function parseDaemonRequest(text: string): DaemonRequest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CniError(ErrorCode.DecodeFailure, 'not a CNI request: the body is not JSON');
  }
  if (
    !isObject(v) ||
    !isObject(v.env) ||
    typeof v.stdin !== 'string' ||
    !Object.values(v.env).every((x) => typeof x === 'string')
  ) {
    throw new CniError(
      ErrorCode.DecodeFailure,
      'not a CNI request: expected {"env": {CNI_* strings}, "stdin": string}',
    );
  }
  return { env: v.env as Record<string, string>, stdin: v.stdin };
}

/** A GET endpoint of `routes`; false when there is none at the request's path. */
function serveGet(req: IncomingMessage, res: ServerResponse, routes: GetRoutes): boolean {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://braid');
  } catch {
    return false; // not a path: the 404 below
  }
  const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
  if (!route) return false;
  route(url.searchParams)
    .then(({ status, body }) => send(res, status, body))
    .catch((err: unknown) => send(res, 500, new CniError(ErrorCode.Internal, String(err)).toJSON()));
  return true;
}

export async function listenOnSocket(
  socketPath: string,
  handle: CniRequestHandler,
  healthy: () => boolean,
  routes: GetRoutes = {},
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz')
      return send(res, healthy() ? 200 : 503, healthy() ? 'ok' : 'not ready');
    if (req.method === 'GET' && serveGet(req, res, routes)) return;
    if (req.method !== 'POST' || req.url !== CNI_PATH)
      return send(
        res,
        404,
        errorReply(new CniError(ErrorCode.InvalidConfig, `no such endpoint: ${req.method} ${req.url}`)),
      );
    readBody(req)
      .then((text) => handle(parseDaemonRequest(text)))
      .then((reply) => send(res, 200, reply))
      .catch((err: unknown) =>
        send(
          res,
          err instanceof CniError ? 400 : 500,
          errorReply(err instanceof CniError ? err : new CniError(ErrorCode.Internal, String(err))),
        ),
      );
  });
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  rmSync(socketPath, { force: true }); // a stale socket from a crashed daemon
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  return server;
}
