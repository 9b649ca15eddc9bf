// Issue 12 item 9: a runtime that gives up on ADD SIGKILLs braid, not the delegates braid started in their own
// process groups. A slow one then finished its ADD after the runtime's DEL and leaked its address and link. DEL (and a
// repeated ADD that undoes the unfinished one) must first stop what the killed braid left running.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridge } from '../support/delegates.js';
import {
  BRAID_BIN,
  braidConfig,
  cniEnv,
  leases,
  listFiles,
  NetnsLab,
  podLinks,
  runBraid,
  TempDir,
} from '../support/netns.js';
import { eventually, sleep } from '../support/wait.js';

const lab = new NetnsLab();
const tmp = new TempDir();
afterAll(() => {
  lab.cleanup();
  tmp.remove();
});

/** How long the slow delegate waits before it becomes the real bridge plugin. */
const SLOW_S = 4;

/** Running, or a zombie nobody has reaped yet (which holds nothing). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

/**
 * A bridge plugin that is slow on its first ADD: it writes its pid, sleeps, then execs the real bridge, which reads
 * the config braid wrote to its stdin before braid was killed. The sleep is a child in its process group.
 */
function slowBridge(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = `#!/bin/sh
if [ "$CNI_COMMAND" = ADD ] && [ ! -e ${dir}/slow.pid ]; then
  echo $$ > ${dir}/slow.pid
  sleep ${SLOW_S}
fi
exec /usr/lib/cni/bridge
`;
  writeFileSync(join(bin, 'slow-bridge'), script);
  chmodSync(join(bin, 'slow-bridge'), 0o755);
  return bin;
}

function setup(name: string) {
  const dir = tmp.sub(name);
  const bin = slowBridge(dir);
  const node = lab.node();
  const pod = lab.pod();
  const stdin = braidConfig({
    cniVersion: '1.1.0',
    cacheDir: join(dir, 'cache'),
    delegates: [{ ...bridge('1.0.0', dir), type: 'slow-bridge' }],
    extra: { binDir: bin },
  });
  const env = (command: string) => cniEnv({ command, containerId: 'c1', netns: pod, ifname: 'eth0' });
  const run = (command: string) => runBraid({ node, stdin, env: env(command) });

  /** ADD as a runtime runs it, SIGKILLed on "its own timeout" once the slow delegate is in its sleep. */
  const killedAdd = async (): Promise<number> => {
    const child = spawn('ip', ['netns', 'exec', node, BRAID_BIN], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env('ADD') },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end(JSON.stringify(stdin));
    await eventually(async () => existsSync(join(dir, 'slow.pid')), 'the slow delegate to start', 20_000, 50);
    await sleep(300); // braid has written the delegate's stdin into the pipe by now
    child.kill('SIGKILL'); // `ip netns exec` and bin/braid's env exec braid in this very process
    await exited;
    const pid = Number(readFileSync(join(dir, 'slow.pid'), 'utf8'));
    expect(running(pid)).toBe(true);
    return pid;
  };

  /** Nothing left of the attachment once the slow delegate would have done its work. */
  const nothingLeft = async (delegatePid: number, since: number) => {
    await sleep(Math.max(0, since + (SLOW_S + 2) * 1000 - Date.now()));
    expect(running(delegatePid)).toBe(false);
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
    expect(
      podLinks(node)
        .map((l) => l.ifname)
        .filter((n) => n.startsWith('veth')),
    ).toEqual([]);
    expect(leases(join(dir, 'ipam'), 'br-net')).toEqual([]);
    expect(listFiles(join(dir, 'cache'))).toEqual([]);
  };
  return { dir, pod, node, run, killedAdd, nothingLeft };
}

describe('delegates of a killed braid', () => {
  it('DEL kills a slow delegate the killed ADD left running before it undoes the plan: no link, lease or process left', async () => {
    const f = setup('del');
    const t0 = Date.now();
    const pid = await f.killedAdd();
    const del = await f.run('DEL');
    const stillRunning = running(pid);
    expect(del.exitCode).toBe(0);
    await f.nothingLeft(pid, t0);
    expect(stillRunning).toBe(false); // DEL returned only once it was gone
    expect(del.stderr).toContain('killed a delegate that an earlier, killed braid left running');
  });

  it('a repeated ADD undoes the unfinished one, stopping its delegate first; DEL then leaves nothing', async () => {
    const f = setup('readd');
    const t0 = Date.now();
    const pid = await f.killedAdd();
    const add = await f.run('ADD');
    const stillRunning = running(pid);
    expect(add.exitCode).toBe(0);
    await sleep(Math.max(0, t0 + (SLOW_S + 2) * 1000 - Date.now()));
    // one attachment: the second ADD's, with one address
    expect(podLinks(f.pod).map((l) => l.ifname)).toEqual(['lo', 'eth0']);
    expect(leases(join(f.dir, 'ipam'), 'br-net')).toHaveLength(1);
    expect(stillRunning).toBe(false);
    expect((await f.run('DEL')).exitCode).toBe(0);
    await f.nothingLeft(pid, t0);
  });
});
