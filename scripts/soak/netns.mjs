// The soak's network namespaces: `braidsoak-<pid>-<hex>-node` with veth pairs as macvlan masters (made by main.mjs
// before the soak process enters it), and a fresh `…-p<cycle>` per pod, made and removed by the soak process from
// inside the node (its mount namespace sees them; main.mjs sweeps any left). The host's links are never touched.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { MASTERS } from '../bench/configs.mjs';
import { run } from '../bench/proc.mjs';

const PREFIX = 'braidsoak-';
const NETNS_DIR = '/var/run/netns';
const execFileAsync = promisify(execFile);

export const newPrefix = () => `${PREFIX}${process.pid}-${randomBytes(2).toString('hex')}`;

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

export const netnsNames = () =>
  run('ip', 'netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);

/** Deletes a netns; a name whose mount is gone (its soak process was killed) is an empty file: removed too. */
export function deleteNetns(name) {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  if (existsSync(`${NETNS_DIR}/${name}`)) rmSync(`${NETNS_DIR}/${name}`, { force: true });
}

/** Namespaces of earlier soaks whose process is gone. */
export function sweepStale() {
  for (const name of netnsNames()) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) deleteNetns(name);
  }
}

/** The node: lo up, veth pairs bm0…bm3 (and their peers bm0p…) up. Returns its name. */
export function makeNode(prefix) {
  const name = `${prefix}-node`;
  run('ip', 'netns', 'add', name);
  run('ip', '-n', name, 'link', 'set', 'lo', 'up');
  for (let i = 0; i < MASTERS; i++) {
    run('ip', '-n', name, 'link', 'add', `bm${i}`, 'type', 'veth', 'peer', 'name', `bm${i}p`);
    run('ip', '-n', name, 'link', 'set', `bm${i}`, 'up');
    run('ip', '-n', name, 'link', 'set', `bm${i}p`, 'up');
  }
  return name;
}

/** Every namespace of this run (the node's included). */
export const ours = (prefix) => netnsNames().filter((n) => n.startsWith(`${prefix}-`));

const ip = async (...args) => (await execFileAsync('ip', args, { encoding: 'utf8' })).stdout;

export const addPodNetns = (name) => ip('netns', 'add', name);
export const delPodNetns = (name) => ip('netns', 'del', name);

/** The links of a netns (this process's own when `netns` is undefined): [{ name, kind }]. */
export async function links(netns) {
  const args = netns ? ['-n', netns, '-d', '-j', 'link'] : ['-d', '-j', 'link'];
  return JSON.parse(await ip(...args)).map((l) => ({ name: l.ifname, kind: l.linkinfo?.info_kind ?? l.link_type }));
}
