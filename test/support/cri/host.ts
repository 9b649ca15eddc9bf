// What the harness reads from /proc: processes by their command line, mounts under its temp dir, and the
// cgroup hierarchies where runc made its sandboxes' cgroups.
import { readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

interface MountEntry {
  point: string;
  fstype: string;
}

function mountinfo(): MountEntry[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      return { point: (f[4] ?? '').replace(/\\040/g, ' '), fstype: f[f.indexOf('-') + 1] ?? '' };
    });
}

/** Mount points under `dir` in this mount namespace, deepest first. */
export const mountsUnder = (dir: string) =>
  mountinfo()
    .map((m) => m.point)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);

/** `parent` (cgroupfs syntax, e.g. /braidt-…) in every mounted cgroup hierarchy, v1 and v2. */
export const cgroupDirs = (parent: string) =>
  mountinfo()
    .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
    .map((m) => join(m.point, parent));

/** rmdir of a cgroup and its children, deepest first (a cgroup dir goes once it has no process and no child). */
export function removeCgroupTree(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return true; // not there
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Every process's pid and argv (those that vanish while being read are left out). */
export function processes(): Array<{ pid: number; argv: string[] }> {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        return [{ pid: Number(p), argv: readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0') }];
      } catch {
        return [];
      }
    });
}

/** The value after `flag` in `argv`, if any. */
export const argOf = (argv: string[], flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits (synchronously: this also runs in exit handlers) until `pid` is gone, at most `ms`. */
export function waitGone(pid: number, ms = 2000): void {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (const end = Date.now() + ms; pidAlive(pid) && Date.now() < end;) Atomics.wait(tick, 0, 0, 20);
}
