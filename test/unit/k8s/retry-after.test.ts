// A server that says when to come back (Retry-After, with a 503 or a 429) is not asked sooner, and when that is past
// the deadline the caller hears so at once instead of after a wait that cannot end in an answer (issue 12 item 10).
import { ApiError, retryAfterMs } from '../../../src/k8s/errors.js';
import { withRetry } from '../../../src/k8s/retry.js';

/** A clock that moves only when withRetry sleeps; jitter at its middle (the plain backoff step). */
function fakeTime() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    random: () => 0.5,
    sleeps,
  };
}

const unavailable = (retryAfter?: number) => new ApiError('server', 503, 'the API server is unavailable', retryAfter);

/** Fails with `errors` in turn, then answers 'ok'. */
function failing(errors: Error[]) {
  let calls = 0;
  const fn = async () => {
    const err = errors[calls++];
    if (err) throw err;
    return 'ok';
  };
  return { fn, calls: () => calls };
}

describe('withRetry and Retry-After', () => {
  it('waits what the server asked when that is longer than the backoff', async () => {
    const clock = fakeTime();
    const { fn } = failing([unavailable(3000), unavailable()]);
    await expect(withRetry(fn, { deadlineMs: 10_000, ...clock })).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([3000, 200]);
  });

  it('keeps its own backoff when the server asks for less', async () => {
    const clock = fakeTime();
    const { fn } = failing([unavailable(0), unavailable(50)]);
    await expect(withRetry(fn, { deadlineMs: 10_000, ...clock })).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('a Retry-After past the deadline ends the retries at once with the error', async () => {
    const clock = fakeTime();
    const { fn, calls } = failing([unavailable(30_000)]);
    const err = await withRetry(fn, { deadlineMs: 10_000, ...clock }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).retryAfterMs).toBe(30_000);
    expect(calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    ['30', 30_000],
    [' 0 ', 0],
    ['Tue, 01 Dec 2026 10:00:05 GMT', 5000],
    ['Tue, 01 Dec 2026 09:59:00 GMT', 0], // in the past: now
    ['soon', undefined],
    ['-1', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j is %j ms', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});
