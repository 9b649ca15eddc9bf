// Kubernetes API errors classified by HTTP status (never by message text).
export type ApiErrorKind =
  | 'notFound'
  | 'conflict'
  | 'gone'
  | 'tooManyRequests'
  | 'unauthorized'
  | 'forbidden'
  | 'server'
  | 'connection'
  | 'invalid'
  | 'other';

export class ApiError extends Error {
  /**
   * `retryAfterMs`: how long the server asked the client to wait before trying again (a Retry-After header, sent with
   * 429 and 503).
   */
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number | undefined,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /**
   * Worth another try. 401 and 403 too: a token may have been rotated, and an API server that has just (re)started
   * answers 403 to everything until its RBAC caches are warm (about 200 ms). Every retry is bounded (a deadline, or a
   * backoff in the background), so a real denial costs time and log lines, never a hot loop.
   */
  get retriable(): boolean {
    return ['conflict', 'tooManyRequests', 'server', 'connection', 'unauthorized', 'forbidden'].includes(this.kind);
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'ABORT_ERR',
]);

export function kindOfStatus(status: number): ApiErrorKind {
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  if (status === 410) return 'gone';
  if (status === 429) return 'tooManyRequests';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 400 || status === 422) return 'invalid';
  if (status >= 500) return 'server';
  return 'other';
}

/**
 * A Retry-After header's wait in ms: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3); undefined when absent or
 * unreadable.
 */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = /^[A-Za-z]{3}, /.test(value) ? Date.parse(value) : NaN; // IMF-fixdate: "Tue, 01 Dec 2026 10:00:05 GMT"
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.slice(0, 200) || undefined;
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string')
    return (body as { message: string }).message;
  return undefined;
}

type Thrown =
  | { code?: unknown; statusCode?: unknown; body?: unknown; message?: string; cause?: { code?: string }; type?: string }
  | undefined;

/** ApiException carries the HTTP status as .code; Watch errors carry it as .statusCode. */
function statusOf(e: Thrown): number | undefined {
  const status = typeof e?.code === 'number' ? e.code : e?.statusCode;
  return typeof status === 'number' && status >= 100 ? status : undefined;
}

/** The errno-like code of a failure below HTTP, when it is one; fetch puts it on .cause. */
function connectionCode(e: Thrown): string | undefined {
  const code = typeof e?.code === 'string' ? e.code : e?.cause?.code;
  if (code && CONNECTION_CODES.has(code)) return code;
  if (e?.type === 'system' || /fetch failed|socket hang up|ECONN/.test(e?.message ?? ''))
    return code ?? e?.message ?? 'connection failed';
  return undefined;
}

/** Turns whatever the client threw (ApiException with .code/.body, fetch errors with .cause.code) into an ApiError. */
export function classifyApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Thrown;
  const status = statusOf(e);
  if (status !== undefined)
    return new ApiError(kindOfStatus(status), status, statusMessage(e?.body) ?? (e?.message || `HTTP ${status}`));
  const conn = connectionCode(e);
  if (conn !== undefined) return new ApiError('connection', undefined, `cannot reach the API server: ${conn}`);
  return new ApiError('other', undefined, e?.message ?? String(err));
}
