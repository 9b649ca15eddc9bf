// DEL with the daemon down runs in the executable, which has no API access: it records the network-status clear it
// owes (src/store/pending-status.ts), and the daemon makes it when it is back, removing only what that container
// wrote (its ID as the owner, the pod's UID), retrying until the API takes it. Also: the daemon and an API server
// that takes requests and never answers. The deployed bundle in a node netns, the API-server stand-in, real plugins
// (issue 12 item 10).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { startBraidDaemon, type DaemonHandle } from '../support/daemon.js';
import { bridge, hostLocal } from '../support/delegates.js';
import { cniEnv, leases, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';
import { eventually } from '../support/wait.js';

const lab = new NetnsLab();
const tmp = new TempDir();
const dir = tmp.sub('daemon-owed-status');
let node: string;
let api: ApiServer;
let daemon: DaemonHandle | undefined;

const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const OWNER = 'braid.k8s.io/network-status-owner';
const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
const KEEP = 'example.com/keep-me';
const CACHE = join(dir, 'cache');
const OWED = join(CACHE, 'status-clear');
/** The daemon's documented bound on a read that misses its caches (docs/adr/0010), and the slack allowed. */
const DAEMON_BOUND_MS = 2000;
const SLACK_MS = 2000;

const pod = (name: string, uid = `uid-${name}`, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid, annotations: { [NETWORKS]: 'mv-a', [KEEP]: 'yes', ...annotations } },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
});

beforeAll(async () => {
  node = lab.node();
  api = await startApiServer({ netns: node });
  await api.control.seed([
    {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'mv-a', namespace: 'default' },
      spec: {
        config: JSON.stringify({
          cniVersion: '1.0.0',
          type: 'macvlan',
          master: 'mvm0',
          mode: 'bridge',
          ipam: hostLocal(dir, '192.168.93.0/24'),
        }),
      },
    },
    ...['o1', 'o2', 'o3', 'o4', 'h1'].map((n) => pod(n)),
  ]);
  await startDaemon();
});

afterEach(async () => {
  await api.control.clearFaults();
});

afterAll(async () => {
  await daemon?.stop();
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

async function startDaemon(): Promise<void> {
  daemon = await startBraidDaemon({
    node,
    dir,
    config: { kubeconfig: api.kubeconfigPath, cacheDir: CACHE, binDir: '/usr/lib/cni' },
  });
  await api.control.waitForWatches(2); // synced: its caches have the pods
}

async function stopDaemon(): Promise<void> {
  await daemon?.stop();
  daemon = undefined;
}

function cni(command: string, podNs: string, name: string, id: string, uid = `uid-${name}`) {
  return runBraid({
    node,
    stdin: {
      cniVersion: '1.1.0',
      name: 'braid',
      type: 'braid',
      daemonSocket: join(dir, 'braid.sock'),
      cacheDir: CACHE,
      binDir: '/usr/lib/cni',
      delegates: [bridge('1.0.0', dir)],
    },
    env: cniEnv({
      command,
      containerId: id,
      netns: podNs,
      ifname: 'eth0',
      args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=${uid}`,
    }),
  });
}

const annotations = async (name: string) =>
  (
    await api.control.objects<{ metadata: { name: string; annotations?: Record<string, string> } }>('pods', 'default')
  ).items.find((p) => p.metadata.name === name)?.metadata.annotations ?? {};

const owed = () => (existsSync(OWED) ? readdirSync(OWED).sort() : []);
const allLeases = () => [...leases(join(dir, 'ipam'), 'br-net'), ...leases(join(dir, 'ipam'), 'mv-a')];

/** ADD through the daemon, and the status it writes after answering. */
async function attach(name: string, id: string): Promise<string> {
  const p = lab.pod();
  const add = await cni('ADD', p, name, id);
  expect([add.exitCode, add.stderr]).toEqual([0, '']);
  await eventually(async () => (await annotations(name))[OWNER] === id, `pod ${name}'s status, owned by ${id}`);
  return p;
}

/** DEL with the daemon down: in-process, succeeds, releases everything, and owes the status clear. */
async function detachWhileDown(p: string, name: string, id: string): Promise<void> {
  const del = await cni('DEL', p, name, id);
  expect([del.exitCode, del.stdout]).toEqual([0, '']);
  expect(podLinks(p).map((l) => l.ifname)).toEqual(['lo']);
  expect(owed()).toContain(`${id}.json`);
  expect((await annotations(name))[OWNER]).toBe(id); // nothing could clear it yet
}

describe('network-status clears owed by a DEL made while the daemon was down', () => {
  it('the returning daemon clears the status that container wrote, and only the keys braid writes', async () => {
    const p = await attach('o1', 'c1');
    await stopDaemon();
    await detachWhileDown(p, 'o1', 'c1');
    expect(allLeases()).toEqual([]);
    await startDaemon();
    await eventually(async () => (await annotations('o1'))[OWNER] === undefined, 'the owed clear to land');
    const after = await annotations('o1');
    expect(after[STATUS]).toBeUndefined();
    expect(after).toEqual({ [NETWORKS]: 'mv-a', [KEEP]: 'yes' });
    await eventually(async () => owed().length === 0, 'no clear owed any more');
  });

  it('a status another container wrote since, or a pod recreated under the same name, is left as it is', async () => {
    const p2 = await attach('o2', 'c2');
    const p3 = await attach('o3', 'c3');
    await stopDaemon();
    await detachWhileDown(p2, 'o2', 'c2');
    await detachWhileDown(p3, 'o3', 'c3');
    // While the daemon is down: o2 gets a newer sandbox (elsewhere), whose status replaces c2's; o3 is deleted and
    // recreated under the same name (a new UID) with c3's status copied along (a restored backup, say).
    const newer = { [STATUS]: '[{"name":"br-net","interface":"eth0"}]', [OWNER]: 'c2-newer' };
    const copied = { [STATUS]: (await annotations('o3'))[STATUS]!, [OWNER]: 'c3' };
    await api.control.seed([pod('o2', 'uid-o2', newer), pod('o3', 'uid-o3-recreated', copied)]);
    await startDaemon();
    await eventually(async () => owed().length === 0, 'the owed clears to be settled');
    expect(await annotations('o2')).toEqual({ [NETWORKS]: 'mv-a', [KEEP]: 'yes', ...newer });
    expect(await annotations('o3')).toEqual({ [NETWORKS]: 'mv-a', [KEEP]: 'yes', ...copied });
    expect(allLeases()).toEqual([]);
  });

  it('an API that cannot take the clear when the daemon starts: the clear is retried until it lands', async () => {
    const p = await attach('o4', 'c4');
    await stopDaemon();
    await detachWhileDown(p, 'o4', 'c4');
    // Storage down: the daemon's lists come from the watch cache (it syncs and serves), its writes are held, then 504.
    await api.control.resetCounters();
    await api.control.setFaults({ storageDown: { timeoutMs: 1000 } });
    await startDaemon();
    // Its first try (attempts within its bound) has failed for good when the daemon says so.
    await eventually(async () => /owed network-status clear failed/.test(daemon!.logs()), 'the owed clear to fail');
    const patches = (await api.control.requests()).filter((r) => r.verb === 'PATCH' && r.path.endsWith('/pods/o4'));
    expect(patches.length).toBeGreaterThan(0);
    expect((await annotations('o4'))[OWNER]).toBe('c4');
    expect(owed()).toEqual(['c4.json']);
    await api.control.clearFaults(); // storage is back; the daemon was not restarted
    await eventually(async () => (await annotations('o4'))[OWNER] === undefined, 'the retried clear to land', 45_000);
    expect(await annotations('o4')).toEqual({ [NETWORKS]: 'mv-a', [KEEP]: 'yes' });
    await eventually(async () => owed().length === 0, 'no clear owed any more');
  });
});

describe('the daemon and an API server that never answers', () => {
  it('ADD of a cached pod succeeds; of a pod the caches miss, code 11 within the read bound', async () => {
    await api.control.seed({ ...pod('h-elsewhere'), spec: { nodeName: 'node-b', containers: [] } });
    await api.control.setFaults({ outage: 'hang' }); // until cleared below: far longer than the bound
    const p = lab.pod();
    const cached = await cni('ADD', p, 'h1', 'hc1');
    expect([cached.exitCode, cached.stderr]).toEqual([0, '']);
    const t0 = Date.now();
    const missed = await cni('ADD', lab.pod(), 'h-elsewhere', 'hc2');
    const ms = Date.now() - t0;
    expect(missed.json).toMatchObject({ code: 11 });
    expect(missed.json.msg).toMatch(
      /^pod default\/h-elsewhere: cannot read it from the API server: .*no answer within/,
    );
    expect(ms).toBeLessThan(DAEMON_BOUND_MS + SLACK_MS);
    expect((await cni('DEL', p, 'h1', 'hc1')).exitCode).toBe(0);
    await api.control.clearFaults();
    await eventually(async () => (await annotations('h1'))[OWNER] === undefined, 'the held write and clear to settle');
    expect(allLeases()).toEqual([]);
  });
});
