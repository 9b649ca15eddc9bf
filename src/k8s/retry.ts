// Retries with jittered exponential backoff and a deadline; time and randomness are injected so tests do not wait.
import { classifyApiError, type ApiError } from './errors.js';

export type Random = () => number;

/**
 * A wait spread evenly over [ms/2, 3ms/2): clients that failed together (every node's daemon when the API server
 * restarts) must not all come back in the same instant.
 */
export function jitter(ms: number, random: Random = Math.random): number {
  return Math.round(ms * (0.5 + random()));
}

/** Jittered steps doubling from baseMs up to maxMs; reset() after a success. */
export class Backoff {
  private step: number;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: Random = Math.random,
  ) {
    this.step = baseMs;
  }

  next(): number {
    const ms = jitter(this.step, this.random);
    this.step = Math.min(this.step * 2, this.maxMs);
    return ms;
  }

  reset(): void {
    this.step = this.baseMs;
  }
}

export interface RetryOptions {
  deadlineMs: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: Random;
  /** Called before each retry, e.g. to reload credentials after a 401. */
  onRetry?: (err: ApiError, attempt: number) => void | Promise<void>;
}

/**
 * Each attempt gets the time left before the deadline as its own timeout, so the deadline bounds whole attempts,
 * not only the waits between them: an API server whose storage is down holds a write for 10 s before its 504.
 * A retry is made only when its wait (the backoff's, or the server's Retry-After if longer) ends before the deadline,
 * leaving the attempt some time.
 */
export async function withRetry<T>(fn: (timeoutMs: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + opts.deadlineMs;
  const backoff = new Backoff(opts.baseDelayMs ?? 100, opts.maxDelayMs ?? 2000, opts.random);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(Math.max(1, deadline - now()));
    } catch (raw) {
      const err = classifyApiError(raw);
      // A server that says when to come back (Retry-After) is not asked sooner; if that is past the deadline, the
      // caller hears it now rather than after a wait that cannot end in an answer.
      const wait = Math.max(backoff.next(), err.retryAfterMs ?? 0);
      if (!err.retriable || now() + wait >= deadline) throw err;
      await opts.onRetry?.(err, attempt);
      await sleep(wait);
    }
  }
}
