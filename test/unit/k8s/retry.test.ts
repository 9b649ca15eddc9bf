// withRetry, Backoff and jitter: jittered exponential backoff up to a deadline that bounds whole attempts, with
// injected time and randomness (no test waits). random() = 0.5 is the middle of the jitter: the plain step.
import { ApiError } from '../../../src/k8s/errors.js';
import { Backoff, jitter, withRetry, type RetryOptions } from '../../../src/k8s/retry.js';

/** A clock that only moves when the code under test sleeps; randomness fixed at the middle of the jitter. */
function fakeTime(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    random: () => 0.5,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    /** Time passing inside an attempt (not a wait of withRetry's). */
    advance: (ms: number) => void (t += ms),
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
    ['a 403 (an API server warming its RBAC cache after a restart)', http(403)],
    ['a 504 (storage down)', http(504)],
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
    const { fn, at } = failing(
      Array.from({ length: 100 }, () => http(503)),
      clock,
    );
    const err = await withRetry(fn, {
      deadlineMs: 0,
      ...opts,
      now: clock.now,
      sleep: clock.sleep,
      random: clock.random,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('server');
    expect(clock.sleeps).toEqual(sleeps);
    expect(at).toHaveLength(sleeps.length + 1);
    expect(clock.elapsed()).toBeLessThanOrEqual(opts.deadlineMs!);
  });

  it.each<[string, unknown, string]>([
    ['a 404', http(404), 'notFound'],
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
    await expect(
      withRetry(fn, { deadlineMs: 10_000, now: clock.now, sleep, onRetry, random: clock.random }),
    ).resolves.toBe('ok');
    expect(events).toEqual([
      'retry 1 unauthorized',
      'sleep 100',
      'retry 2 connection',
      'sleep 200',
      'retry 3 server',
      'sleep 400',
    ]);
  });

  it('a retriable error followed by a non-retriable one stops there', async () => {
    const clock = fakeTime();
    const { fn, at } = failing([http(500), http(404)], clock);
    await expect(withRetry(fn, { deadlineMs: 10_000, ...clock })).rejects.toMatchObject({
      kind: 'notFound',
      status: 404,
    });
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

describe('withRetry: the deadline bounds whole attempts', () => {
  it.each<[string, number, number[], number[]]>([
    // [what, how long each attempt takes before failing, timeouts given to the attempts, sleeps]
    ['fast failures: each attempt gets what is left', 0, [2000, 1900, 1700, 1300, 500], [100, 200, 400, 800]],
    ['attempts that use up their time (storage down holds each write)', Infinity, [2000], []],
    ['attempts of 500 ms', 500, [2000, 1400, 700], [100, 200]],
  ])('%s', async (_, takesMs, timeouts, sleeps) => {
    const clock = fakeTime();
    const given: number[] = [];
    // An attempt that would take longer than its timeout ends at its timeout, as ApiClient's timer makes it.
    const fn = async (timeoutMs: number) => {
      given.push(timeoutMs);
      clock.advance(Math.min(takesMs, timeoutMs));
      throw http(504);
    };
    await expect(withRetry(fn, { deadlineMs: 2000, ...clock })).rejects.toMatchObject({ kind: 'server', status: 504 });
    expect(given).toEqual(timeouts);
    expect(clock.sleeps).toEqual(sleeps);
    expect(clock.elapsed()).toBeLessThanOrEqual(2000);
  });

  it('a 403 window shorter than the deadline is ridden out', async () => {
    const clock = fakeTime();
    const windowEnds = clock.now() + 200;
    const fn = async () => {
      if (clock.now() < windowEnds) throw http(403);
      return 'ok';
    };
    await expect(withRetry(fn, { deadlineMs: 2000, ...clock })).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([100, 200]);
  });
});

describe('jitter and Backoff', () => {
  it.each<[number, number, number]>([
    [1000, 0, 500],
    [1000, 0.25, 750],
    [1000, 0.5, 1000],
    [1000, 0.999, 1499],
    [100, 0.1, 60],
  ])('jitter(%i) with random %f is %i: spread over [ms/2, 3ms/2)', (ms, r, out) => {
    expect(jitter(ms, () => r)).toBe(out);
  });

  it.each<[string, [number, number], number[], number[]]>([
    [
      'plain steps at the middle of the jitter',
      [200, 5000],
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      [200, 400, 800, 1600, 3200, 5000, 5000],
    ],
    ['each step jittered on its own', [1000, 30_000], [0, 1 - 1e-9, 0.5, 0.25], [500, 3000, 4000, 6000]],
  ])('%s', (_, [base, max], randoms, waits) => {
    const rs = [...randoms];
    const b = new Backoff(base, max, () => rs.shift()!);
    expect(randoms.map(() => b.next())).toEqual(waits);
  });

  it('reset() starts again from the base step', () => {
    const b = new Backoff(200, 5000, () => 0.5);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(200);
  });

  it('withRetry jitters its waits', async () => {
    const clock = fakeTime();
    const rs = [0, 0.999];
    const { fn } = failing([http(503), http(503)], clock);
    await withRetry(fn, { deadlineMs: 10_000, now: clock.now, sleep: clock.sleep, random: () => rs.shift() ?? 0.5 });
    expect(clock.sleeps).toEqual([50, 300]);
  });
});
