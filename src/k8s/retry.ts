// Retries with exponential backoff and a deadline; time is injected so tests do not wait.
import { classifyApiError, type ApiError } from './errors.js';

export interface RetryOptions {
  deadlineMs: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry, e.g. to reload credentials after a 401. */
  onRetry?: (err: ApiError, attempt: number) => void | Promise<void>;
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + opts.deadlineMs;
  let delay = opts.baseDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      const err = classifyApiError(raw);
      if (!err.retriable || now() + delay > deadline) throw err;
      await opts.onRetry?.(err, attempt);
      await sleep(delay);
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 2000);
    }
  }
}
