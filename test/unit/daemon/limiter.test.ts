// Limiter: at most N tasks at once, the rest in FIFO order; one key strictly one after another.
import { Limiter } from '../../../src/daemon/limiter.js';

/** A task the test finishes by hand, recording when it started. */
interface Gate {
  started: boolean;
  finish: () => void;
  fail: (err: Error) => void;
}

function harness(max: number) {
  const limiter = new Limiter(max);
  const log: string[] = [];
  const gates = new Map<string, Gate>();
  const submit = (key: string, name: string) =>
    limiter.run(key, () => {
      log.push(name);
      return new Promise<string>((resolve, reject) => {
        gates.set(name, { started: true, finish: () => resolve(name), fail: reject });
      });
    });
  const gate = (name: string): Gate => {
    const g = gates.get(name);
    if (!g) throw new Error(`${name} has not started; started: ${log.join(',')}`);
    return g;
  };
  return { limiter, log, submit, gate };
}

/** Lets every pending promise callback run (the limiter hands slots over through a few microtasks). */
const settle = () => new Promise((r) => setImmediate(r));

describe('Limiter', () => {
  it.each([
    [1, ['a', 'b', 'c', 'd'], ['a']],
    [2, ['a', 'b', 'c', 'd'], ['a', 'b']],
    [3, ['a', 'b', 'c', 'd'], ['a', 'b', 'c']],
    [8, ['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd']],
  ])('with max %i and tasks %j on distinct keys, starts %j at once', async (max, tasks, first) => {
    const h = harness(max);
    for (const t of tasks) void h.submit(`key-${t}`, t);
    await settle();
    expect(h.log).toEqual(first);
    expect(h.limiter.active).toBe(first.length);
    expect(h.limiter.queued).toBe(tasks.length - first.length);
  });

  it.each([
    [1, ['t1', 't2', 't3', 't4', 't5']],
    [2, ['t1', 't2', 't3', 't4', 't5', 't6']],
  ])('with max %i the waiting tasks start in arrival order, one per freed slot', async (max, tasks) => {
    const h = harness(max);
    const done = tasks.map((t) => h.submit(`key-${t}`, t));
    await settle();
    for (let i = 0; i + max < tasks.length; i++) {
      expect(h.log).toEqual(tasks.slice(0, i + max));
      h.gate(tasks[i]!).finish();
      await settle();
      expect(h.limiter.active).toBe(max);
    }
    for (const t of tasks.slice(-max)) h.gate(t).finish();
    expect(await Promise.all(done)).toEqual(tasks);
    expect(h.log).toEqual(tasks);
    expect([h.limiter.active, h.limiter.queued]).toEqual([0, 0]);
  });

  it.each([1, 4])('with max %i tasks of one key run strictly one after another, even with free slots', async (max) => {
    const h = harness(max);
    const done = ['k1', 'k2', 'k3'].map((n) => h.submit('same', n));
    await settle();
    expect(h.log).toEqual(['k1']);
    expect(h.limiter.active).toBe(1);
    h.gate('k1').finish();
    await settle();
    expect(h.log).toEqual(['k1', 'k2']);
    h.gate('k2').finish();
    await settle();
    expect(h.log).toEqual(['k1', 'k2', 'k3']);
    h.gate('k3').finish();
    expect(await Promise.all(done)).toEqual(['k1', 'k2', 'k3']);
  });

  it('another key runs beside a busy key when a slot is free', async () => {
    const h = harness(2);
    void h.submit('x', 'x1');
    void h.submit('x', 'x2');
    void h.submit('y', 'y1');
    await settle();
    expect(h.log).toEqual(['x1', 'y1']);
  });

  it.each([
    ['rejects', (g: Gate) => g.fail(new Error('boom'))],
    ['resolves', (g: Gate) => g.finish()],
  ])('a task that %s frees its slot and lets the next task of its key run', async (_, end) => {
    const h = harness(1);
    const first = h.submit('k', 'first');
    const second = h.submit('k', 'second');
    const other = h.submit('o', 'other');
    await settle();
    end(h.gate('first'));
    await first.catch(() => undefined);
    await settle();
    // FIFO across keys: "other" asked for the slot before "second" (which waited for its key).
    expect(h.log).toEqual(['first', 'other']);
    h.gate('other').finish();
    await settle();
    expect(h.log).toEqual(['first', 'other', 'second']);
    h.gate('second').finish();
    await expect(second).resolves.toBe('second');
    await expect(other).resolves.toBe('other');
    expect(h.limiter.active).toBe(0);
  });

  it('a rejection reaches its caller and a synchronous throw is a rejection too', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run('k', () => Promise.reject(new Error('async boom')))).rejects.toThrow('async boom');
    await expect(
      limiter.run('k', () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    await expect(limiter.run('k', async () => 'after')).resolves.toBe('after');
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });
});
