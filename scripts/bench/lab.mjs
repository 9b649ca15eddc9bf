// The throwaway network namespaces: one "node" (lo up, veth pairs as macvlan masters: this kernel has no
// dummy links) and the pod sandboxes. All are made before the measuring process starts inside the node
// (a netns added from inside `ip netns exec` would live in its private mount namespace), and all are removed
// at the end, also on failure. The host's own links, routes and sysctls are never touched.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { MASTERS } from './configs.mjs';
import { run } from './proc.mjs';

const PREFIX = 'braidbench-';

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

const netnsNames = () =>
  run('ip', 'netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);

/** Namespaces of earlier bench runs whose process is gone (a killed run never reached its cleanup). */
function sweepStale() {
  for (const name of netnsNames()) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) spawnSync('ip', ['netns', 'del', name]);
  }
}

export class Lab {
  prefix = `${PREFIX}${process.pid}-${randomBytes(2).toString('hex')}`;
  created = [];

  constructor() {
    sweepStale();
  }

  add(role) {
    const name = `${this.prefix}-${role}`;
    run('ip', 'netns', 'add', name);
    this.created.push(name);
    return name;
  }

  /** The node: lo up and MASTERS veth pairs bm0..bmN (and peers) up. */
  node() {
    const name = this.add('node');
    run('ip', '-n', name, 'link', 'set', 'lo', 'up');
    for (let i = 0; i < MASTERS; i++) {
      run('ip', '-n', name, 'link', 'add', `bm${i}`, 'type', 'veth', 'peer', 'name', `bm${i}p`);
      run('ip', '-n', name, 'link', 'set', `bm${i}`, 'up');
      run('ip', '-n', name, 'link', 'set', `bm${i}p`, 'up');
    }
    return name;
  }

  /** `count` pod sandboxes named `<prefix>-<role><i>`. */
  pods(role, count) {
    return Array.from({ length: count }, (_, i) => this.add(`${role}${i}`));
  }

  /** Deleting a netns removes every link in it (bridge, veths, macvlans). Also sweeps any other of ours. */
  cleanup() {
    const ours = new Set([...this.created.splice(0), ...netnsNames().filter((n) => n.startsWith(`${this.prefix}-`))]);
    for (const name of ours) spawnSync('ip', ['netns', 'del', name]);
  }
}
