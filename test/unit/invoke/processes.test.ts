// Stopping a delegate an earlier, killed braid left running (issue 12 item 9): only the process a record names (same
// pid and start time) and its process group are ever killed, and only processes started for the record's container
// (CNI_CONTAINERID in their environment). Real processes, spawned as braid spawns delegates.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownPidNs, ProcProcesses, readStat, spawnedProcess } from '../../../src/invoke/processes.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

const CID = 'c0ffee';

/**
 * A detached (own session and group) child running `script`, as runPlugin starts a delegate: with
 * CNI_CONTAINERID=`containerId` in its environment, or without any when `containerId` is null.
 */
function start(script: string, containerId: string | null = CID): ChildProcess {
  const env = { ...process.env };
  delete env.CNI_CONTAINERID;
  if (containerId !== null) env.CNI_CONTAINERID = containerId;
  const c = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env });
  children.push(c);
  exits.set(c, new Promise((r) => c.once('exit', r)));
  return c;
}

/** Resolves once `c` has exited, also when it exited before this was asked. */
const exits = new Map<ChildProcess, Promise<unknown>>();
const exited = (c: ChildProcess) => exits.get(c)!;

const running = (pid: number) => {
  const st = readStat(pid);
  return st !== undefined && st.state !== 'Z';
};

const firstLine = (c: ChildProcess) =>
  new Promise<string>((resolve) => c.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim())));

const stopper = new ProcProcesses({ waitMs: 3000 });

describe('ProcProcesses.stop', () => {
  it('kills the recorded delegate and everything in its process group', async () => {
    const c = start('sleep 30 & echo $!; wait');
    const child = Number(await firstLine(c));
    const rec = spawnedProcess(c.pid!);
    expect(rec.pidNs).toBe(ownPidNs());
    expect(await stopper.stop(rec, CID)).toBe('killed');
    expect(running(c.pid!)).toBe(false);
    expect(running(child)).toBe(false);
  });

  it('a record whose start time differs names another process (a reused pid): it is left alone', async () => {
    const c = start('sleep 30');
    const rec = spawnedProcess(c.pid!);
    expect(await stopper.stop({ ...rec, startTime: rec.startTime - 1 }, CID)).toBe('gone');
    expect(await stopper.stop({ ...rec, startTime: rec.startTime + 1 }, CID)).toBe('gone');
    expect(running(c.pid!)).toBe(true);
  });

  it('the delegate has exited but a child of its group still runs: the group is killed', async () => {
    const c = start('sleep 30 & echo $!');
    const rec = spawnedProcess(c.pid!); // before any await: until this process reaps it, its /proc entry is there
    const child = Number(await firstLine(c));
    await exited(c);
    await new Promise((r) => setTimeout(r, 50)); // reaped by this process
    expect(running(c.pid!)).toBe(false);
    expect(running(child)).toBe(true);
    expect(await stopper.stop(rec, CID)).toBe('killed');
    expect(running(child)).toBe(false);
  });

  it('a process of another container, or of none, is not the delegate, even with its pid and start time', async () => {
    const c = start('sleep 30', 'other');
    const rec = spawnedProcess(c.pid!);
    expect(await stopper.stop(rec, CID)).toBe('gone');
    expect(await stopper.stop(rec, 'c0ffe')).toBe('gone'); // a prefix of the id is not the id
    expect(running(c.pid!)).toBe(true);
    const d = start('sleep 30', null);
    expect(await stopper.stop(spawnedProcess(d.pid!), CID)).toBe('gone');
    expect(running(d.pid!)).toBe(true);
  });

  // The review's case: the delegate ended, its pid went to a program that daemonizes by double fork, and the
  // intermediate child (the group's leader) exited. Its daemon is in a group of the recorded pid, started later.
  it('a group whose leader has exited, of a process not started for the container: left alone, gone', async () => {
    const c = start('sleep 30 & echo $!', null);
    const rec = spawnedProcess(c.pid!); // before any await: until this process reaps it, its /proc entry is there
    const daemon = Number(await firstLine(c));
    await exited(c);
    await new Promise((r) => setTimeout(r, 50));
    expect(readStat(daemon)?.pgrp).toBe(c.pid);
    expect(await stopper.stop({ ...rec, startTime: rec.startTime - 1 }, CID)).toBe('gone');
    expect(running(daemon)).toBe(true);
  });

  it('of an exited delegate, only the members started for its container are killed', async () => {
    const c = start('sleep 30 & echo $!; env -u CNI_CONTAINERID sleep 30 & echo $!');
    const rec = spawnedProcess(c.pid!); // before any await: until this process reaps it, its /proc entry is there
    const lines = new Promise<string[]>((resolve) => {
      let text = '';
      c.stdout!.on('data', (b: Buffer) => {
        text += b.toString();
        const l = text.trim().split('\n');
        if (l.length === 2) resolve(l);
      });
    });
    const [child, stranger] = (await lines).map(Number) as [number, number];
    await exited(c);
    await new Promise((r) => setTimeout(r, 50));
    expect(await stopper.stop(rec, CID)).toBe('killed');
    expect(running(child)).toBe(false);
    expect(running(stranger)).toBe(true);
    expect(await stopper.stop(rec, CID)).toBe('gone');
  });

  it('a delegate that has ended is gone, and nothing is killed', async () => {
    const c = start('exit 0');
    const rec = spawnedProcess(c.pid!);
    await exited(c);
    await new Promise((r) => setTimeout(r, 50));
    expect(await stopper.stop(rec, CID)).toBe('gone');
    expect(await stopper.stop({ pid: 2 ** 22 + 7, startTime: 1 }, CID)).toBe('gone'); // above any pid_max
  });

  // a pid namespace of its own needs root, as braid has on a node
  (process.getuid?.() === 0 ? it : it.skip)(
    'a record made in another pid namespace (a daemon in its container) is found by its pid there',
    async () => {
      // sleep is pid 1 of a new pid namespace, its own session leader, as a delegate of a daemon in a container is
      const c = spawn('unshare', ['--pid', '--fork', 'setsid', 'sleep', '30'], {
        stdio: 'ignore',
        env: { ...process.env, CNI_CONTAINERID: CID },
      });
      children.push(c);
      let inner = 0;
      for (let i = 0; i < 100 && !inner; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(c.pid)])
          .toString()
          .trim()
          .split(/\s+/)
          .filter(Boolean);
        if (kids[0] && readFileSync(`/proc/${kids[0]}/cmdline`, 'latin1').startsWith('sleep')) inner = Number(kids[0]);
      }
      expect(inner).toBeGreaterThan(0);
      const ns = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${inner}/ns/pid`))![1]);
      expect(ns).not.toBe(ownPidNs());
      const startTime = readStat(inner)!.startTime;
      // another namespace's pid 1 with the wrong start time, or a namespace that does not exist: nothing to stop
      expect(await stopper.stop({ pid: 1, startTime: startTime + 1, pidNs: ns }, CID)).toBe('gone');
      expect(await stopper.stop({ pid: 1, startTime, pidNs: 1 }, CID)).toBe('gone');
      expect(running(inner)).toBe(true);
      expect(await stopper.stop({ pid: 1, startTime, pidNs: ns }, CID)).toBe('killed');
      expect(running(inner)).toBe(false);
    },
  );
});

describe('readStat', () => {
  it('reads past a command name holding spaces and parentheses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-stat-'));
    const odd = join(dir, 'x) (y z');
    symlinkSync('/bin/sleep', odd);
    const c = spawn(odd, ['30'], { detached: true, stdio: 'ignore' });
    children.push(c);
    rmSync(dir, { recursive: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(`/proc/${c.pid}/stat`, 'latin1')).toContain('(x) (y z)');
    const st = readStat(c.pid!)!;
    expect(st.pgrp).toBe(c.pid);
    expect(st.state).toMatch(/^[RS]$/);
    expect(st.startTime).toBeGreaterThan(0);
  });
});
