// Instances whose test process died without cleaning up (a killed jest never runs its afterAll nor its exit
// handlers): each instance's dir holds harness.json with its owner's pid; the next start sweeps the dead ones.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { argOf, pidAlive, processes, waitGone } from './host.js';
import { teardownSync, type Instance } from './teardown.js';

const FILE = 'harness.json';

interface Saved extends Omit<Instance, 'sandboxIds' | 'netnsPaths'> {
  owner: number;
  sandboxIds: string[];
  netnsPaths: string[];
}

/** Records `i` (again after each new sandbox) so that a later run can clean up after this one. */
export function saveInstance(i: Instance): void {
  const saved: Saved = { ...i, owner: process.pid, sandboxIds: [...i.sandboxIds], netnsPaths: [...i.netnsPaths] };
  writeFileSync(join(i.dir, FILE), JSON.stringify(saved));
}

function load(dir: string): Saved | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as Saved;
  } catch {
    return undefined;
  }
}

/** Kills the containerd of every harness instance whose owner is gone, then tears the instance down. */
export function sweepStale(): void {
  const found = new Map<string, number[]>(); // instance dir -> its containerd pids
  for (const p of processes()) {
    const config = p.argv[0]?.endsWith('containerd') ? argOf(p.argv, '--config') : undefined;
    const shimSocket = p.argv[0]?.endsWith('containerd-shim-runc-v2') ? argOf(p.argv, '-address') : undefined;
    const dir = config ? dirname(config) : shimSocket ? dirname(shimSocket) : undefined;
    if (!dir || !existsSync(join(dir, FILE))) continue;
    found.set(dir, [...(found.get(dir) ?? []), ...(config ? [p.pid] : [])]);
  }
  for (const [dir, pids] of found) {
    const saved = load(dir);
    if (!saved || saved.owner === process.pid || pidAlive(saved.owner)) continue;
    for (const pid of pids) {
      process.kill(pid, 'SIGKILL');
      waitGone(pid);
    }
    teardownSync({ ...saved, sandboxIds: new Set(saved.sandboxIds), netnsPaths: new Set(saved.netnsPaths) });
  }
}
