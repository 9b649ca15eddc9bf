// The records of ADD's delegates while they run (issue 12 item 9): one file per delegate beside the plans, named by
// attachment key, pid, start time and pid namespace, so delegates of one ADD running at once never share a file
// and a DEL reads exactly its own attachment's.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DelegateProcess } from '../../../src/engine/ports.js';
import { FilePlanStore } from '../../../src/store/plan-store.js';

let cacheDir: string;
let store: FilePlanStore;
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'braid-running-'));
  store = new FilePlanStore(cacheDir);
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

const proc = (pid: number, extra: Partial<DelegateProcess> = {}): DelegateProcess => ({
  pid,
  startTime: 1000 + pid,
  pidNs: 4026531836,
  plugin: 'bridge ADD',
  ...extra,
});
const byPid = (ps: DelegateProcess[]) => [...ps].sort((a, b) => a.pid - b.pid);

describe('running delegate records', () => {
  it('records, lists and forgets each delegate of one attachment, several at once', () => {
    expect(store.running('c1', 'eth0')).toEqual([]); // no directory yet
    store.recordRunning('c1', 'eth0', proc(10));
    store.recordRunning('c1', 'eth0', proc(11, { plugin: 'macvlan ADD' }));
    expect(byPid(store.running('c1', 'eth0'))).toEqual([proc(10), proc(11, { plugin: 'macvlan ADD' })]);
    store.forgetRunning('c1', 'eth0', proc(10));
    expect(store.running('c1', 'eth0')).toEqual([proc(11, { plugin: 'macvlan ADD' })]);
    store.forgetRunning('c1', 'eth0', proc(11));
    store.forgetRunning('c1', 'eth0', proc(11)); // twice is fine
    expect(store.running('c1', 'eth0')).toEqual([]);
    expect(readdirSync(join(cacheDir, 'running'))).toEqual([]);
  });

  it.each([
    ['c-y', 'eth0', 'c', 'y-eth0'],
    ['c', 'eth0', 'c', 'eth0@1'],
    ['c', 'a@b', 'c', 'a'],
    ['c1', 'eth0', 'c1', 'net1'],
  ])('%s on %s and %s on %s see only their own', (c1, if1, c2, if2) => {
    store.recordRunning(c1, if1, proc(1));
    store.recordRunning(c2, if2, proc(2));
    expect(store.running(c1, if1)).toEqual([proc(1)]);
    expect(store.running(c2, if2)).toEqual([proc(2)]);
  });

  it('a record without a pid namespace or plugin, and one torn by a kill, still name their process', () => {
    store.recordRunning('c1', 'eth0', { pid: 7, startTime: 99 });
    expect(store.running('c1', 'eth0')).toEqual([{ pid: 7, startTime: 99 }]);
    writeFileSync(join(cacheDir, 'running', 'c1-eth0@8-100-5'), ''); // created, killed before its text
    writeFileSync(join(cacheDir, 'running', 'c1-eth0@junk'), '');
    expect(byPid(store.running('c1', 'eth0'))).toEqual([
      { pid: 7, startTime: 99 },
      { pid: 8, startTime: 100, pidNs: 5 },
    ]);
  });

  it('a record that cannot be written throws (ADD then never starts the delegate); reading and forgetting do not', () => {
    rmSync(cacheDir, { recursive: true });
    writeFileSync(cacheDir, '');
    expect(() => store.recordRunning('c1', 'eth0', proc(1))).toThrow(`${cacheDir} is a file, not a directory`);
    expect(store.running('c1', 'eth0')).toEqual([]);
    expect(() => store.forgetRunning('c1', 'eth0', proc(1))).not.toThrow();
  });
});
