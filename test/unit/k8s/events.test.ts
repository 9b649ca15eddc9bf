// EventSender: one prompt attempt, then retries only while the Event's sandbox may still exist (docs/adr/0010),
// with injected time (nothing here waits).
import pino from 'pino';
import { ApiError } from '../../../src/k8s/errors.js';
import { EventSender, PROMPT_MS, RETRY_FOR_MS, sandboxGone, type SandboxView } from '../../../src/k8s/events.js';
import type { EventSpec } from '../../../src/k8s/resources.js';
import type { CachedPod } from '../../../src/k8s/trim.js';

const pod = { namespace: 'default', name: 'p1', uid: 'uid-1' };
const cached = (uid = 'uid-1'): CachedPod => ({
  namespace: 'default',
  name: 'p1',
  uid,
  annotations: {},
  resourceVersion: '1',
});
const spec: EventSpec = {
  pod,
  host: 'node-a',
  type: 'Normal',
  reason: 'AddedInterface',
  message: 'Add net1 [] from default/a',
};
const unavailable = () => new ApiError('server', 504, 'Timeout: request did not complete within requested timeout');

describe('sandboxGone', () => {
  it.each<[string, CachedPod | undefined, boolean, boolean]>([
    ['the pod is cached with the same UID and no DEL came', cached(), false, false],
    ['the pod left the cache (deleted)', undefined, false, true],
    ['the pod was replaced (another UID)', cached('uid-2'), false, true],
    ['a DEL for the pod came since', cached(), true, true],
  ])('%s', (_, inCache, del, gone) => {
    const view: SandboxView = { cachedPod: () => inCache, delSince: () => del };
    expect(sandboxGone(pod, 0, view)).toBe(gone);
  });

  it('asks about DELs since the Event was made', () => {
    const asked: number[] = [];
    const delSince = (_p: unknown, since: number) => {
      asked.push(since);
      return false;
    };
    sandboxGone(pod, 1234, { cachedPod: () => cached(), delSince });
    expect(asked).toEqual([1234]);
  });
});

/** An EventSender whose create fails with `failures` in turn, then succeeds; `later` runs when the test says. */
function harness(failures: unknown[], view: Partial<SandboxView> = {}) {
  let t = 1_000_000;
  const calls: number[] = [];
  const queued: Array<{ fn: () => void; ms: number }> = [];
  const sender = new EventSender({
    log: pino({ level: 'silent' }),
    create: async (_e, timeoutMs) => {
      calls.push(timeoutMs);
      if (calls.length <= failures.length) throw failures[calls.length - 1];
    },
    cachedPod: view.cachedPod ?? (() => cached()),
    delSince: view.delSince ?? (() => false),
    now: () => t,
    later: (fn, ms) => void queued.push({ fn, ms }),
    random: () => 0.5,
  });
  /** Let the clock reach the next scheduled retry and run it. */
  const tick = async () => {
    const next = queued.shift();
    if (!next) return false;
    t += next.ms;
    next.fn();
    await new Promise((r) => setImmediate(r));
    return true;
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return { sender, calls, queued, tick, settle };
}

describe('EventSender', () => {
  it('sends at once, with a prompt timeout, and schedules nothing when that works', async () => {
    const h = harness([]);
    h.sender.send(spec);
    await h.settle();
    expect(h.calls).toEqual([PROMPT_MS]);
    expect(h.queued).toEqual([]);
  });

  it('retries with backoff while the sandbox may still exist', async () => {
    const h = harness([unavailable(), unavailable()]);
    h.sender.send(spec);
    await h.settle();
    expect(h.queued.map((q) => q.ms)).toEqual([1000]);
    await h.tick();
    expect(h.queued.map((q) => q.ms)).toEqual([2000]);
    await h.tick();
    expect(h.calls).toEqual([PROMPT_MS, PROMPT_MS, PROMPT_MS]);
    expect(h.queued).toEqual([]);
  });

  it.each<[string, Partial<SandboxView>]>([
    ['the pod is deleted from the cache', { cachedPod: () => undefined }],
    ['the pod was recreated with another UID', { cachedPod: () => cached('uid-2') }],
    ['a DEL for the pod came first', { delSince: () => true }],
  ])('drops an Event it could not send promptly when %s', async (_, view) => {
    const h = harness([unavailable()], view);
    h.sender.send(spec);
    await h.settle();
    await h.tick();
    expect(h.calls).toHaveLength(1);
    expect(h.queued).toEqual([]);
  });

  it('does not retry what the API refuses (422)', async () => {
    const h = harness([new ApiError('invalid', 422, 'bad event')]);
    h.sender.send(spec);
    await h.settle();
    expect(h.queued).toEqual([]);
  });

  it(`gives up ${RETRY_FOR_MS / 1000} s after the Event was made`, async () => {
    const h = harness(Array.from({ length: 100 }, unavailable));
    h.sender.send(spec);
    await h.settle();
    while (await h.tick());
    // waits 1, 2, 4, 8, 10, 10, 10, 10 s: the next 10 s would end past a minute
    expect(h.calls).toHaveLength(9);
  });
});
