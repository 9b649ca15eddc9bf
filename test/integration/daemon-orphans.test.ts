// Issue 12 item 9 in daemon mode, with real plugins in a node netns: a slow delegate of an ADD the daemon runs.
// - The runtime kills the forwarding executable: the daemon still owns the ADD, and a DEL of the same container
//   waits for it (one request per container at a time: src/daemon/limiter.ts), then undoes it.
// - The daemon is killed: its delegate survives it here (the test's daemon shares the machine's pid namespace), and
//   the DEL the executable then runs in-process stops it first, from the record the daemon left.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { startBraidDaemon, type DaemonHandle } from '../support/daemon.js';
import { bridge } from '../support/delegates.js';
import { BRAID_BIN, cniEnv, leases, listFiles, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';
import { eventually, sleep } from '../support/wait.js';

const SLOW_S = 4;
const lab = new NetnsLab();
const tmp = new TempDir();
let node: string;
let api: ApiServer;
const daemons: DaemonHandle[] = [];
let seq = 0;

beforeAll(async () => {
  node = lab.node();
  api = await startApiServer({ netns: node });
  await api.control.seed([
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p1', namespace: 'default', uid: 'uid-p1' },
      spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
    },
  ]);
});

afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.kill()));
});

afterAll(async () => {
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

async function setup() {
  const dir = tmp.sub(`t${seq++}`);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'slow-bridge'),
    `#!/bin/sh\nif [ "$CNI_COMMAND" = ADD ] && [ ! -e ${dir}/slow.pid ]; then echo $$ > ${dir}/slow.pid; sleep ${SLOW_S}; fi\nexec /usr/lib/cni/bridge\n`,
  );
  chmodSync(join(bin, 'slow-bridge'), 0o755);
  const pod = lab.pod();
  const cacheDir = join(dir, 'cache');
  const daemon = await startBraidDaemon({
    node,
    dir,
    config: { kubeconfig: api.kubeconfigPath, cacheDir, binDir: bin },
  });
  daemons.push(daemon);
  const stdin = {
    cniVersion: '1.1.0',
    name: 'braid',
    type: 'braid',
    daemonSocket: daemon.socket,
    cacheDir,
    binDir: bin,
    delegates: [{ ...bridge('1.0.0', dir), type: 'slow-bridge' }],
  };
  const env = (command: string) =>
    cniEnv({
      command,
      containerId: 'c1',
      netns: pod,
      ifname: 'eth0',
      args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1;K8S_POD_UID=uid-p1',
    });

  /** ADD through the forwarding executable, in the background, once the slow delegate is in its sleep. */
  const slowAdd = async () => {
    const child = spawn('ip', ['netns', 'exec', node, BRAID_BIN], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env('ADD') },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end(JSON.stringify(stdin));
    await eventually(async () => existsSync(join(dir, 'slow.pid')), 'the slow delegate to start', 20_000, 50);
    await sleep(300);
    return { child, exited, pid: Number(readFileSync(join(dir, 'slow.pid'), 'utf8')) };
  };

  const nothingLeft = async (delegatePid: number, since: number) => {
    await sleep(Math.max(0, since + (SLOW_S + 2) * 1000 - Date.now()));
    expect(running(delegatePid)).toBe(false);
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
    expect(leases(join(dir, 'ipam'), 'br-net')).toEqual([]);
    expect(listFiles(join(cacheDir, 'plans'))).toEqual([]);
    expect(listFiles(join(cacheDir, 'running'))).toEqual([]);
  };
  return { daemon, run: (command: string) => runBraid({ node, stdin, env: env(command) }), slowAdd, nothingLeft };
}

describe('daemon mode: delegates of a killed process', () => {
  it('the forwarder is killed mid-ADD: the DEL through the daemon waits for that ADD, then undoes it', async () => {
    const f = await setup();
    const t0 = Date.now();
    const add = await f.slowAdd();
    add.child.kill('SIGKILL');
    await add.exited;
    const del = await f.run('DEL');
    expect(del.exitCode).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(SLOW_S * 1000); // not before the ADD it queued behind
    await f.nothingLeft(add.pid, t0);
  });

  it('the daemon is killed mid-ADD: the in-process DEL kills the delegate it left first, and nothing is left', async () => {
    const f = await setup();
    const t0 = Date.now();
    const add = await f.slowAdd();
    await f.daemon.kill();
    await add.exited;
    expect(running(add.pid)).toBe(true);
    const del = await f.run('DEL');
    const stillRunning = running(add.pid);
    expect(del.exitCode).toBe(0);
    await f.nothingLeft(add.pid, t0);
    expect(stillRunning).toBe(false);
    expect(del.stderr).toContain('killed a delegate that an earlier, killed braid left running');
  });
});
