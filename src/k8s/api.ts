// Plain JSON requests to the API server with the client's own auth and TLS (KubeConfig.applyToHTTPSOptions).
// A 401 reloads the kubeconfig (a rotated service-account token: multus-cni#852) and tries once more.
// timeoutMs bounds the whole request, both tries included: an API server whose storage is down accepts a write (or a
// quorum read) and holds it for 10 s before its 504, so an idle-socket timeout would not be a bound at all.
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { ApiError, classifyApiError, kindOfStatus, retryAfterMs } from './errors.js';
import type { KubeConfig } from './kubeconfig.js';

export interface RequestOpts {
  body?: unknown;
  contentType?: string;
  /** From the start of the request to the end of its answer; 10 s unless given. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export interface ApiClientHooks {
  /** Every request that failed (each try of one a 401 made twice), with its HTTP status if it got an answer. */
  onError?: (status: number | undefined) => void;
}

export class ApiClient {
  private kc: KubeConfig;
  /** One keep-alive agent per loaded kubeconfig: applyToHTTPSOptions makes a new one (a TLS handshake) per call. */
  private agent?: Agent;

  constructor(
    private readonly load: () => KubeConfig,
    private readonly hooks: ApiClientHooks = {},
  ) {
    this.kc = load();
  }

  get config(): KubeConfig {
    return this.kc;
  }

  reload(): void {
    this.kc = this.load();
    this.agent?.destroy();
    this.agent = undefined;
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOpts = {}): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      return await this.once<T>(method, path, opts, deadline);
    } catch (raw) {
      const err = this.failed(raw);
      if (err.kind !== 'unauthorized') throw err;
      this.reload();
      return this.once<T>(method, path, opts, deadline).catch((again: unknown) => {
        throw this.failed(again);
      });
    }
  }

  private failed(raw: unknown): ApiError {
    const err = classifyApiError(raw);
    this.hooks.onError?.(err.status);
    return err;
  }

  /** Headers, credentials and (for https) the shared keep-alive agent. */
  private async options(
    method: string,
    url: URL,
    body: string | undefined,
    contentType?: string,
  ): Promise<RequestOptions> {
    const ro: RequestOptions = { method, headers: { Accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(ro);
    if (url.protocol === 'https:') {
      this.agent ??= new Agent({
        keepAlive: true,
        maxSockets: 8,
        ca: ro.ca,
        cert: ro.cert,
        key: ro.key,
        ...(ro.rejectUnauthorized !== undefined ? { rejectUnauthorized: ro.rejectUnauthorized } : {}),
      });
      ro.agent = this.agent;
    }
    if (body !== undefined) {
      Object.assign(ro.headers!, {
        'Content-Type': contentType ?? 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
    }
    return ro;
  }

  private async once<T>(method: string, path: string, opts: RequestOpts, deadline: number): Promise<T> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new ApiError('invalid', undefined, 'kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path); // keeps a path prefix (API proxies)
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const ro = await this.options(method, url, body, opts.contentType);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const timeoutMs = Math.max(1, deadline - Date.now());
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      const req = send(url, ro, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve(answerOf<T>(`${method} ${url.pathname}`, res.statusCode ?? 0, text, res.headers['retry-after']));
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      // Cuts the request off, answer or not, when its time is up (the handlers above run after this line).
      const cutOff = () =>
        new ApiError('connection', undefined, `${method} ${url.pathname}: no answer within ${timeoutMs} ms`);
      const timer = setTimeout(() => req.destroy(cutOff()), timeoutMs);
      req.on('error', fail);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

/** A 2xx answer's JSON, or the ApiError its status, Status object and Retry-After make. */
function answerOf<T>(what: string, status: number, text: string, retryAfter?: string): T {
  if (status >= 200 && status < 300) {
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new ApiError('server', status, `API server answered ${what} with something that is not JSON`);
    }
  }
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown } | null)?.message;
  } catch {
    // not a Status object (a load balancer's error page, say)
  }
  const waitMs = retryAfterMs(retryAfter);
  const said = status === 503 ? unavailable(waitMs) : undefined;
  const parts = [said, typeof message === 'string' ? message : said ? undefined : `HTTP ${status}`];
  throw new ApiError(kindOfStatus(status), status, `${what}: ${parts.filter(Boolean).join(': ')}`, waitMs);
}

/** A 503 in words, whether the API server or a proxy in front of it answered: it is not serving now. */
function unavailable(waitMs: number | undefined): string {
  const after = waitMs === undefined ? '' : `, retry after ${Math.ceil(waitMs / 1000)} s`;
  return `the API server is unavailable (HTTP 503${after})`;
}
