// Delegates of a killed braid (issue 12 item 9), in-process: ADD records each delegate beside the plan while it runs
// (before it has its stdin) and forgets it when it exits; DEL stops what such a record names before it runs any DEL,
// never a process the record does not name, and fails "try again later" with nothing deleted when one outlives the
// wait. Real processes stand in for the orphans; the SIGKILL of braid itself is in test/e2e/orphaned-delegates.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError } from '../../../src/cni/errors.js';
import type { DelegateProcess, Processes } from '../../../src/engine/ports.js';
import { readStat, spawnedProcess } from '../../../src/invoke/processes.js';
import { EngineHarness } from '../../support/engine-harness.js';

const RESULT = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'x', mac: '02:00:00:00:00:09' }],
  ips: [{ address: '10.9.0.2/24', interface: 0 }],
};
const NETWORKS = {
  delegates: [
    { cniVersion: '1.0.0', name: 'main-net', type: 'main' },
    { cniVersion: '1.0.0', name: 'a-net', type: 'slowa' },
    { cniVersion: '1.0.0', name: 'b-net', type: 'slowb' },
  ],
  parallelAttach: true,
};

/** DEL's calls: the secondaries at once (any order), then the default network. */
const ALL_DELS = ['slowa DEL net1', 'slowb DEL net2', 'main DEL eth0'];
const dels = (calls: string[]) => [...calls.slice(0, 2).sort(), ...calls.slice(2)];

let h: EngineHarness;
const children: ChildProcess[] = [];
beforeEach(() => {
  h = new EngineHarness(['main', 'slowa', 'slowb']);
});
afterEach(() => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  h.cleanup();
});

/** A process standing in for a delegate a killed braid left running: its own group, as delegates are spawned. */
function orphan(): ChildProcess {
  const c = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, CNI_CONTAINERID: 'c1' } });
  children.push(c);
  return c;
}

const alive = (pid: number) => {
  const st = readStat(pid);
  return st !== undefined && st.state !== 'Z';
};

/** The real Processes, also noting which delegate calls had been made when DEL stopped each record. */
function watchStops(): Array<{ pid: number; callsBefore: string[] }> {
  const seen: Array<{ pid: number; callsBefore: string[] }> = [];
  const real = h.deps.processes;
  h.deps.processes = {
    stop: (p: DelegateProcess, containerId: string) => {
      seen.push({ pid: p.pid, callsBefore: h.calls() });
      return real.stop(p, containerId);
    },
  };
  return seen;
}

describe('ADD records its delegates while they run', () => {
  it('each, several at once, before it acts; each is forgotten when it exits', async () => {
    h.plugins.answer('slowa', 'ADD', { sleep: 1, result: RESULT });
    h.plugins.answer('slowb', 'ADD', { sleep: 1, result: RESULT });
    const add = h.run('ADD', NETWORKS);
    let most: DelegateProcess[] = [];
    for (let i = 0; i < 150 && most.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const now = h.deps.plans.running('c1', 'eth0');
      if (now.length > most.length) most = now;
    }
    expect(most.map((p) => p.plugin).sort()).toEqual(['slowa ADD', 'slowb ADD']);
    for (const p of most) expect(readStat(p.pid)?.startTime).toBe(p.startTime);
    await add;
    expect(h.deps.plans.running('c1', 'eth0')).toEqual([]);
    expect(h.deps.plans.running('c1', 'net1')).toEqual([]); // recorded under the runtime's key, not the delegate's
  });

  it('a delegate that cannot be recorded is killed before it has its stdin: ADD fails, the delegate never acted', async () => {
    mkdirSync(h.cacheDir, { recursive: true });
    writeFileSync(join(h.cacheDir, 'running'), ''); // the records' directory cannot be made
    const err = (await h.run('ADD', NETWORKS).catch((e: unknown) => e)) as CniError;
    expect(err).toBeInstanceOf(CniError);
    expect(err.message).toContain('plugin "main" (ADD) could not be run: it could not be recorded before it started');
    expect(err.message).toContain(`${join(h.cacheDir, 'running')} is a file, not a directory`);
    expect(h.calls()).not.toContain('main ADD eth0');
    expect(h.planFiles()).toEqual([]);
  });
});

describe('DEL stops what a killed braid left running first', () => {
  it('the recorded delegate and its group are killed before any DEL delegate runs; the record goes', async () => {
    await h.run('ADD', NETWORKS);
    h.plugins.resetCalls();
    const o = orphan();
    h.deps.plans.recordRunning('c1', 'eth0', { ...spawnedProcess(o.pid!), plugin: 'slowa ADD' });
    const stops = watchStops();
    await h.run('DEL', NETWORKS);
    expect(stops).toEqual([{ pid: o.pid, callsBefore: [] }]);
    expect(alive(o.pid!)).toBe(false);
    expect(dels(h.calls()).sort()).toEqual([...ALL_DELS].sort()); // all at once: independent networks
    expect(h.deps.plans.running('c1', 'eth0')).toEqual([]);
    expect(h.planFiles()).toEqual([]);
  });

  it('a record naming a pid now used by another process (another start time): that process is left alone', async () => {
    await h.run('ADD', NETWORKS);
    const other = orphan();
    const rec = spawnedProcess(other.pid!);
    h.deps.plans.recordRunning('c1', 'eth0', { ...rec, startTime: rec.startTime - 1 });
    await h.run('DEL', NETWORKS);
    expect(alive(other.pid!)).toBe(true);
    expect(h.deps.plans.running('c1', 'eth0')).toEqual([]);
    expect(h.planFiles()).toEqual([]);
  });

  it("another attachment's records are not this DEL's", async () => {
    await h.run('ADD', NETWORKS);
    const o = orphan();
    h.deps.plans.recordRunning('c1', 'eth1', spawnedProcess(o.pid!));
    h.deps.plans.recordRunning('c1-eth0', 'x', spawnedProcess(o.pid!));
    await h.run('DEL', NETWORKS);
    expect(alive(o.pid!)).toBe(true);
    expect(h.deps.plans.running('c1', 'eth1')).toHaveLength(1);
  });

  it('one that outlives the wait: DEL fails "try again later" and deletes nothing; the record stays', async () => {
    await h.run('ADD', NETWORKS);
    h.plugins.resetCalls();
    const stuck: Processes = { stop: async () => 'alive' };
    h.deps.processes = stuck;
    h.deps.plans.recordRunning('c1', 'eth0', { pid: 4242, startTime: 7, plugin: 'slowa ADD' });
    const err = (await h.run('DEL', NETWORKS).catch((e: unknown) => e)) as CniError;
    expect(err.code).toBe(11);
    expect(err.message).toBe(
      'container c1 on eth0: slowa ADD (pid 4242), started by an earlier braid that was killed, still runs after SIGKILL; nothing was deleted yet',
    );
    expect(h.calls()).toEqual([]);
    expect(h.planFiles()).toEqual(['c1-eth0.json']);
    expect(h.deps.plans.running('c1', 'eth0')).toHaveLength(1);
  });

  it('a repeated ADD over an unfinished one stops its delegates before undoing it', async () => {
    await h.run('ADD', NETWORKS);
    // as a braid killed mid-ADD leaves it: the plan, not every result, a delegate still running
    h.removeResultFile('b-net-c1-net2');
    const o = orphan();
    h.deps.plans.recordRunning('c1', 'eth0', spawnedProcess(o.pid!));
    h.plugins.resetCalls();
    const stops = watchStops();
    await h.run('ADD', NETWORKS);
    expect(stops).toEqual([{ pid: o.pid, callsBefore: [] }]);
    expect(alive(o.pid!)).toBe(false);
    expect(dels(h.calls().slice(0, 3)).sort()).toEqual([...ALL_DELS].sort());
  });
});
