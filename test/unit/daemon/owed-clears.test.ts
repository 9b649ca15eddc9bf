// The daemon's owed network-status clears (src/daemon/owed-clears.ts) over real record files: a clear the API cannot
// take is retried on later passes until it lands, not left for the next start; one refused for good is dropped; one
// pod the API keeps refusing holds up no other; a clear recorded after the first pass is made too (issue 12 item 10).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OwedClears, type ClearStatus } from '../../../src/daemon/owed-clears.js';
import type { PodRef } from '../../../src/engine/ports.js';
import { ApiError } from '../../../src/k8s/errors.js';
import { Backoff } from '../../../src/k8s/retry.js';
import { PendingStatusClears } from '../../../src/store/pending-status.js';

let dir: string;
let owed: PendingStatusClears;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-owed-'));
  owed = new PendingStatusClears(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const pod = (name: string): PodRef => ({ namespace: 'default', name, uid: `uid-${name}` });
const unavailable = () => new ApiError('server', 503, 'PATCH /api/v1/namespaces/default/pods/x: unavailable');

/** A clear that answers from `script` per pod name (an error is thrown), then succeeds; records every call. */
function scripted(script: Record<string, Error[]> = {}) {
  const calls: string[] = [];
  const clear: ClearStatus = async (p, containerId) => {
    calls.push(`${p.name}/${containerId}`);
    const err = script[p.name]?.shift();
    if (err) throw err;
  };
  return { clear, calls };
}

const clears = (clear: ClearStatus) =>
  new OwedClears({ owed, clear, log: pino({ level: 'silent' }), backoff: new Backoff(1, 1, () => 0.5), idleMs: 5 });
const names = () => owed.list().map((e) => e.containerId);

describe('OwedClears', () => {
  it('a clear the API cannot take is kept and made on a later pass', async () => {
    await owed.remove(pod('a'), 'c-a');
    const { clear, calls } = scripted({ a: [unavailable(), unavailable()] });
    const o = clears(clear);
    expect(await o.pass()).toBe(false);
    expect(await o.pass()).toBe(false);
    expect(names()).toEqual(['c-a']);
    expect(await o.pass()).toBe(true);
    expect(names()).toEqual([]);
    expect(calls).toEqual(['a/c-a', 'a/c-a', 'a/c-a']);
  });

  it('passes the UID recorded with the DEL, so another pod under the same name is not cleared', async () => {
    await owed.remove(pod('a'), 'c-a');
    const seen: PodRef[] = [];
    expect(await clears(async (p) => void seen.push(p)).pass()).toBe(true);
    expect(seen).toEqual([{ namespace: 'default', name: 'a', uid: 'uid-a' }]);
  });

  it('one refused for good (not retriable) is dropped', async () => {
    await owed.remove(pod('a'), 'c-a');
    const { clear } = scripted({ a: [new ApiError('other', 418, 'no')] });
    expect(await clears(clear).pass()).toBe(true);
    expect(names()).toEqual([]);
  });

  it('a pod the API keeps refusing goes last, so the others are made', async () => {
    await owed.remove(pod('a'), 'c-a');
    await owed.remove(pod('b'), 'c-b');
    const { clear, calls } = scripted({ a: Array.from({ length: 10 }, unavailable) });
    const o = clears(clear);
    expect(await o.pass()).toBe(false); // a failed: the pass ends there
    expect(await o.pass()).toBe(false); // b first, made; then a, failed again
    expect(names()).toEqual(['c-a']);
    expect(calls).toEqual(['a/c-a', 'b/c-b', 'a/c-a']);
  });

  it('started, it retries until the clear lands, and makes one recorded after its first pass', async () => {
    await owed.remove(pod('a'), 'c-a');
    const { clear, calls } = scripted({ a: [unavailable(), unavailable(), unavailable()] });
    const o = clears(clear);
    o.start();
    try {
      await until(() => names().length === 0);
      expect(calls).toEqual(['a/c-a', 'a/c-a', 'a/c-a', 'a/c-a']);
      await owed.remove(pod('b'), 'c-b'); // an in-process DEL that found no socket while the daemon was starting
      await until(() => names().length === 0);
      expect(calls.at(-1)).toBe('b/c-b');
    } finally {
      o.stop();
    }
  });

  it('stopped, it makes no more passes', async () => {
    const { clear, calls } = scripted();
    const o = clears(clear);
    o.stop();
    o.start();
    await owed.remove(pod('a'), 'c-a');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual([]);
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}
