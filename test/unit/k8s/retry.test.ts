// withRetry: exponential backoff up to a deadline, with injected time (no test waits).
import { ApiError } from '../../../src/k8s/errors.js';
import { withRetry, type RetryOptions } from '../../../src/k8s/retry.js';

/** A clock that only moves when the code under test sleeps. */
function fakeTime(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    elapsed: () => t - start,
  };
}

/** fn failing with `errors` in turn, then answering 'ok'; records the clock at each attempt. */
function failing(errors: unknown[], clock: { now: () => number }) {
  const at: number[] = [];
  const fn = async () => {
    at.push(clock.now());
    if (at.length <= errors.length) throw errors[at.length - 1];
    return 'ok';
  };
  return { fn, at };
}

const http = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('withRetry', () => {
  it.each<[string, unknown]>([
    ['a 500', http(500)],
    ['a 503', http(503)],
    ['a 409', http(409)],
    ['a 429', http(429)],
    ['a 401', http(401)],
    ['a refused connection', refused()],
  ])('retries after %s and returns the answer', async (_, error) => {
    const clock = fakeTime();
    const { fn, at } = failing([error, error], clock);
    await expect(withRetry(fn, { deadlineMs: 10_000, ...clock })).resolves.toBe('ok');
    expect(at).toHaveLength(3);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it.each<[string, Partial<RetryOptions>, number[]]>([
    // deadline 1000 ms, base 100: it sleeps only while the next wait still ends before the deadline
    ['defaults (base 100 ms)', { deadlineMs: 1000 }, [100, 200, 400]],
    ['base 50 ms', { deadlineMs: 1000, baseDelayMs: 50 }, [50, 100, 200, 400]],
    ['a cap of 300 ms', { deadlineMs: 1000, maxDelayMs: 300 }, [100, 200, 300, 300]],
    ['the default cap of 2 s', { deadlineMs: 20_000, baseDelayMs: 500 }, [500, 1000, ...Array<number>(9).fill(2000)]],
    ['a deadline shorter than the first wait', { deadlineMs: 50 }, []],
  ])('backs off exponentially up to the deadline: %s', async (_, opts, sleeps) => {
    const clock = fakeTime();
    const { fn, at } = failing(Array.from({ length: 100 }, () => http(503)), clock);
    const err = await withRetry(fn, { deadlineMs: 0, ...opts, now: clock.now, sleep: clock.sleep }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('server');
    expect(clock.sleeps).toEqual(sleeps);
    expect(at).toHaveLength(sleeps.length + 1);
    expect(clock.elapsed()).toBeLessThanOrEqual(opts.deadlineMs!);
  });

  it.each<[string, unknown, string]>([
    ['a 404', http(404), 'notFound'],
    ['a 403', http(403), 'forbidden'],
    ['a 410', http(410), 'gone'],
    ['a 422', http(422), 'invalid'],
    ['an unknown error', new Error('bug'), 'other'],
  ])('stops at once on %s and throws it classified', async (_, error, kind) => {
    const clock = fakeTime();
    const retried: number[] = [];
    const onRetry = (_e: ApiError, attempt: number) => void retried.push(attempt);
    const { fn, at } = failing([error], clock);
    const err = await withRetry(fn, { deadlineMs: 10_000, ...clock, onRetry }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe(kind);
    expect(at).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(retried).toEqual([]);
  });

  it('calls onRetry with the classified error and the attempt number before each wait', async () => {
    const clock = fakeTime();
    const events: string[] = [];
    const { fn } = failing([http(401), refused(), http(500)], clock);
    const sleep = async (ms: number) => {
      events.push(`sleep ${ms}`);
      await clock.sleep(ms);
    };
    const onRetry = async (err: ApiError, attempt: number) => {
      events.push(`retry ${attempt} ${err.kind}`);
    };
    await expect(withRetry(fn, { deadlineMs: 10_000, now: clock.now, sleep, onRetry })).resolves.toBe('ok');
    expect(events).toEqual(['retry 1 unauthorized', 'sleep 100', 'retry 2 connection', 'sleep 200', 'retry 3 server', 'sleep 400']);
  });

  it('a retriable error followed by a non-retriable one stops there', async () => {
    const clock = fakeTime();
    const { fn, at } = failing([http(500), http(404)], clock);
    await expect(withRetry(fn, { deadlineMs: 10_000, ...clock })).rejects.toMatchObject({ kind: 'notFound', status: 404 });
    expect(at).toHaveLength(2);
  });

  it('counts time spent in the calls themselves against the deadline', async () => {
    const clock = fakeTime();
    let calls = 0;
    const slow = async () => {
      calls++;
      await clock.sleep(400); // each attempt takes 400 ms of the clock
      throw http(503);
    };
    await expect(withRetry(slow, { deadlineMs: 1000, ...clock })).rejects.toMatchObject({ kind: 'server' });
    // t=400 fails (wait 100, to 500), t=900 fails: 900 + 200 > 1000, give up
    expect(calls).toBe(2);
  });
});
