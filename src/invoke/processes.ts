// Delegates as /proc sees them: who a freshly spawned one is (pid, start time, pid namespace), and stopping one that
// an earlier, killed braid left running (issue 12, docs/adr/0019-orphaned-delegates.md). Linux only, as braid is.
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import type { DelegateProcess, Processes, StopOutcome } from '../engine/ports.js';

interface Stat {
  /** R, S, D, Z, … */
  state: string;
  pgrp: number;
  startTime: number;
}

/** Holds one /proc/<pid>/stat (a few hundred bytes; at most 52 numbers and a 16-byte name). */
const statBuf = Buffer.allocUnsafe(4096);

/** One read, not readFileSync's stat-then-read: on every delegate ADD spawns (issue 9). */
function readProcStat(pid: number): string {
  const fd = openSync(`/proc/${pid}/stat`, 'r');
  try {
    return statBuf.toString('latin1', 0, readSync(fd, statBuf, 0, statBuf.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** /proc/<pid>/stat, read past the command name (which may hold spaces and parentheses); undefined when gone. */
export function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readProcStat(pid);
  } catch {
    return undefined;
  }
  // after ")": state (field 3), ppid, pgrp (5), … starttime (22)
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTime = Number(f[19]);
  if (!f[0] || !Number.isFinite(startTime)) return undefined;
  return { state: f[0], pgrp: Number(f[2]), startTime };
}

const nsInode = (link: string): number | undefined => {
  const m = /^pid:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
};

let ownNs: number | undefined | null = null;

/** The inode of this process's pid namespace (read once). */
export function ownPidNs(): number | undefined {
  if (ownNs === null) {
    try {
      ownNs = nsInode(readlinkSync('/proc/self/ns/pid'));
    } catch {
      ownNs = undefined;
    }
  }
  return ownNs;
}

/**
 * A process just spawned, as a record names it. Called before the child is given its stdin, so it has not been
 * reaped: its /proc entry is there even when it has already exited. Throws when /proc cannot tell.
 */
export function spawnedProcess(pid: number): DelegateProcess {
  const st = readStat(pid);
  if (!st) throw new Error(`/proc/${pid}/stat cannot be read`);
  const pidNs = ownPidNs();
  return { pid, startTime: st.startTime, ...(pidNs !== undefined ? { pidNs } : {}) };
}

const pids = (): number[] => {
  try {
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
};

/**
 * `p.pid` as this process numbers it. A record made in another pid namespace (a daemon in its own container) names
 * its process by that namespace's pid: found as the process living in that namespace whose last NSpid is `p.pid`.
 */
function localPid(p: DelegateProcess): number | undefined {
  if (p.pidNs === undefined || p.pidNs === ownPidNs()) return p.pid;
  for (const pid of pids()) {
    try {
      if (nsInode(readlinkSync(`/proc/${pid}/ns/pid`)) !== p.pidNs) continue;
      const nspid = /^NSpid:\s*(.*)$/m
        .exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]
        ?.trim()
        .split(/\s+/);
      if (Number(nspid?.at(-1)) === p.pid) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const alive = (st: Stat | undefined): st is Stat => st !== undefined && st.state !== 'Z' && st.state !== 'X';

const NUL = Buffer.from([0]);

/**
 * Whether `pid` was started for `containerId`: its environment (as it was exec'd) holds `CNI_CONTAINERID=<it>`. Every
 * delegate is given it, and whatever a delegate starts (an IPAM plugin, a `sleep` of a script) inherits it. Read only
 * on DEL's rare orphan path; braid runs as root, and a process it cannot read is not taken for a delegate.
 */
function startedFor(pid: number, containerId: string): boolean {
  let env: Buffer;
  try {
    env = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false;
  }
  // entries are NUL-terminated; NULs around the file let the first and an unterminated last entry match too
  return Buffer.concat([NUL, env, NUL]).includes(Buffer.from(`\0CNI_CONTAINERID=${containerId}\0`));
}

/**
 * What of a recorded delegate still runs, as what to SIGKILL: `-pid` (its whole group) while the delegate itself
 * runs, else the members of its group it started; [] when nothing of it runs. A process counts only with the
 * delegate's container in its environment (`startedFor`), and the delegate also only with its recorded start time.
 *
 * The group's id is the delegate's pid (it was spawned as a session leader). While the delegate runs, its group holds
 * nothing but what it started, so the group is killed whole. Once it has exited, a group of that id may be another
 * process's: its pid given out again to a program that daemonizes by double fork, whose group outlives its leader.
 * Members are then killed one by one, and only those started no earlier than the delegate and for its container.
 */
function running(pid: number, startTime: number, containerId: string): number[] {
  const leader = readStat(pid);
  if (leader && leader.startTime !== startTime) return []; // the pid belongs to another process now
  if (alive(leader)) return startedFor(pid, containerId) ? [-pid] : [];
  return pids().filter((other) => {
    if (other === pid) return false;
    const st = readStat(other);
    return alive(st) && st.pgrp === pid && st.startTime >= startTime && startedFor(other, containerId);
  });
}

export interface ProcProcessesOptions {
  /** How long to wait for a killed group to be gone (default 5 s: SIGKILL cannot be caught). */
  waitMs?: number;
  pollMs?: number;
}

export class ProcProcesses implements Processes {
  constructor(private readonly opts: ProcProcessesOptions = {}) {}

  async stop(p: DelegateProcess, containerId: string): Promise<StopOutcome> {
    const pid = localPid(p);
    if (pid === undefined || !running(pid, p.startTime, containerId).length) return 'gone';
    const deadline = Date.now() + (this.opts.waitMs ?? 5000);
    for (;;) {
      for (const target of running(pid, p.startTime, containerId)) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone meanwhile, or only a zombie leader is left
        }
      }
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 10));
      if (!running(pid, p.startTime, containerId).length) return 'killed';
      if (Date.now() >= deadline) return 'alive';
    }
  }
}
