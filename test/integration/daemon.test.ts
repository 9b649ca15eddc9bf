// The daemon as it runs in a cluster: informer caches against the API-server stand-in (real client, real
// HTTPS), the executable forwarding over the unix socket, real plugins in network namespaces.
import { execa } from 'execa';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { startBraidDaemon, socketRequest, type DaemonHandle } from '../support/daemon.js';
import { bridge, macvlanNadObject, nadObject } from '../support/delegates.js';
import { cniEnv, leases, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';
import { eventually, sleep } from '../support/wait.js';

const lab = new NetnsLab();
const tmp = new TempDir();
const dir = tmp.sub('daemon');
const plugins = new TestPlugins(tmp.sub('plugins'), ['slow']);
let node: string;
let api: ApiServer;
let daemon: DaemonHandle | undefined;

const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const nad = (name: string, config: object) => nadObject(name, config);
const macvlanNad = (name: string, subnet: string) => macvlanNadObject(dir, name, subnet);
const pod = (name: string, networks: string, uid = `uid-${name}`) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid, annotations: { 'k8s.v1.cni.cncf.io/networks': networks } },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
});

async function startDaemon() {
  daemon = await startBraidDaemon({
    node,
    dir,
    config: {
      kubeconfig: api.kubeconfigPath,
      cacheDir: join(dir, 'cache'),
      binDir: '/usr/lib/cni',
      maxConcurrentRequests: 4,
    },
  });
  await api.control.waitForWatches(2);
}

beforeAll(async () => {
  node = lab.node();
  api = await startApiServer({ netns: node });
  await api.control.seed([
    macvlanNad('mv-a', '192.168.70.0/24'),
    macvlanNad('mv-b', '192.168.71.0/24'),
    pod('p1', 'mv-a,mv-b@data0'),
  ]);
  await startDaemon();
});

afterAll(async () => {
  await daemon?.stop();
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

const nodeConfig = () => ({
  cniVersion: '1.1.0',
  name: 'braid',
  type: 'braid',
  daemonSocket: daemon!.socket,
  cacheDir: join(dir, 'cache'),
  binDir: '/usr/lib/cni',
  delegates: [bridge('1.0.0', dir)],
});

function cni(command: string, podNs: string, name: string, id: string, uid = `uid-${name}`) {
  return runBraid({
    node,
    stdin: nodeConfig(),
    env: cniEnv({
      command,
      containerId: id,
      netns: podNs,
      ifname: 'eth0',
      args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=${uid}`,
    }),
  });
}

const podAnnotations = async (name: string) =>
  (
    await api.control.objects<{ metadata: { name: string; annotations?: Record<string, string> } }>('pods', 'default')
  ).items.find((p) => p.metadata.name === name)?.metadata.annotations ?? {};

/** The daemon answers before its status write lands (issue 9): wait for the write, or for the clear. */
const statusOf = (name: string) =>
  eventually(async () => (await podAnnotations(name))[STATUS], `network-status on pod ${name}`);
const statusCleared = (name: string) =>
  eventually(async () => (await podAnnotations(name))[STATUS] === undefined, `network-status of pod ${name} cleared`);

const allLeases = () => [
  ...leases(join(dir, 'ipam'), 'br-net'),
  ...leases(join(dir, 'ipam'), 'mv-a'),
  ...leases(join(dir, 'ipam'), 'mv-b'),
];

describe('braid daemon', () => {
  it('ADD sets network-status with zero API reads and one write; DEL clears it and releases every address', async () => {
    const p = lab.pod();
    await api.control.resetCounters();
    const add = await cni('ADD', p, 'p1', 'd1');
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    expect(
      podLinks(p)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['data0', 'eth0', 'lo', 'net1']);
    const status = JSON.parse(await statusOf('p1'));
    const counters = await api.control.counters();
    const reads = Object.entries(counters).filter(([k]) => k.startsWith('GET '));
    const writes = Object.entries(counters).filter(([k]) => /^(PATCH|PUT) /.test(k));
    expect(reads).toEqual([]);
    expect(writes).toEqual([['PATCH /api/v1/namespaces/default/pods/p1', 1]]);
    expect(status.map((s: { name: string; interface: string }) => `${s.name} ${s.interface}`)).toEqual([
      'br-net eth0',
      'default/mv-a net1',
      'default/mv-b data0',
    ]);

    await eventually(
      async () =>
        (await api.control.objects<{ reason: string }>('events', 'default')).items.filter(
          (e) => e.reason === 'AddedInterface',
        ).length >= 3,
      'AddedInterface events',
    );

    expect((await cni('DEL', p, 'p1', 'd1')).exitCode).toBe(0);
    await statusCleared('p1');
    expect(allLeases()).toEqual([]);
    expect(podLinks(p).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('a repeated ADD is answered from the saved plan; one for another netns fails and the first pod stays attached', async () => {
    const p = lab.pod();
    const add = await cni('ADD', p, 'p1', 'd20');
    expect(add.exitCode).toBe(0);
    const again = await cni('ADD', p, 'p1', 'd20');
    expect(again.exitCode).toBe(0);
    expect(again.json).toEqual(add.json);
    const other = lab.pod();
    const clash = await cni('ADD', other, 'p1', 'd20');
    expect(clash.json?.code).toBe(7);
    expect(clash.json?.msg).toMatch(/already attached on eth0/);
    expect(
      podLinks(p)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['data0', 'eth0', 'lo', 'net1']);
    expect(podLinks(other).map((l) => l.ifname)).toEqual(['lo']);
    expect(allLeases()).toHaveLength(3);
    expect((await cni('DEL', p, 'p1', 'd20')).exitCode).toBe(0);
    await statusCleared('p1');
    expect(allLeases()).toEqual([]);
  });

  it("a stale DEL never erases a newer sandbox's status, also for a pod this node does not cache (issue 12)", async () => {
    // A StatefulSet pod that moved: it runs on another node under the same name now, whose sandbox owns its status.
    const OWNER = 'braid.k8s.io/network-status-owner';
    const base = pod('p-moved', '', 'uid-moved-2');
    const moved = {
      ...base,
      metadata: {
        ...base.metadata,
        annotations: { [STATUS]: '[{"name":"br-net","interface":"eth0"}]', [OWNER]: 'c-node-b' },
      },
      spec: { ...base.spec, nodeName: 'node-b' },
    };
    await api.control.seed([moved]);
    const annotationsOf = () => podAnnotations('p-moved');
    const patches = async () => (await api.control.counters())['PATCH /api/v1/namespaces/default/pods/p-moved'] ?? 0;
    await api.control.resetCounters();
    // This node's old sandbox of the pod (another container, the pod's old UID): its DEL reaches the API ...
    expect((await cni('DEL', lab.pod(), 'p-moved', 'c-node-a-old', 'uid-moved-1')).exitCode).toBe(0);
    await eventually(async () => (await patches()) >= 1, 'the stale clear to reach the API');
    // ... and is refused there: the status is the other node's sandbox's.
    expect((await annotationsOf())[OWNER]).toBe('c-node-b');
    expect((await annotationsOf())[STATUS]).toBeDefined();
    // The owning container under another UID (a pod recreated under the same name) is refused too.
    expect((await cni('DEL', lab.pod(), 'p-moved', 'c-node-b', 'uid-moved-1')).exitCode).toBe(0);
    await eventually(async () => (await patches()) >= 2, 'the second clear to reach the API');
    expect((await annotationsOf())[OWNER]).toBe('c-node-b');
    // Its owner, with its UID, clears it.
    expect((await cni('DEL', lab.pod(), 'p-moved', 'c-node-b', 'uid-moved-2')).exitCode).toBe(0);
    await eventually(async () => (await annotationsOf())[OWNER] === undefined, 'the owner to clear its status');
    expect((await annotationsOf())[STATUS]).toBeUndefined();
  });

  it('an unknown selection key does not fail the pod: ADD succeeds and a Warning Event on the pod names the key', async () => {
    await api.control.seed([pod('p-warn', '[{"name":"mv-a","interfce":"data0"},{"name":"mv-b","futureKey":1}]')]);
    const p = lab.pod();
    const add = await eventually(async () => {
      const out = await cni('ADD', p, 'p-warn', 'dw');
      return out.exitCode === 0 ? out : undefined;
    }, 'ADD of p-warn');
    expect(add.stderr).toBe('');
    // The typo is read past, so the network gets its positional name: the Event is how the user finds out.
    expect(
      podLinks(p)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['eth0', 'lo', 'net1', 'net2']);
    type Ev = { type: string; reason: string; message: string; involvedObject: { kind: string; name: string } };
    const warnings = async () =>
      (await api.control.objects<Ev>('events', 'default')).items.filter((e) => e.reason === 'SelectionWarning');
    await eventually(async () => (await warnings()).length === 2, 'two SelectionWarning events');
    const events = await warnings();
    expect(events.map((e) => [e.type, e.involvedObject.kind, e.involvedObject.name])).toEqual([
      ['Warning', 'Pod', 'p-warn'],
      ['Warning', 'Pod', 'p-warn'],
    ]);
    expect(events.map((e) => e.message).sort()).toEqual([
      'network 1 ("mv-a"): unknown key "interfce" ignored; did you mean "interface"?',
      'network 2 ("mv-b"): unknown key "futureKey" ignored (vendor keys are reverse-DNS, e.g. "org.example.futureKey")',
    ]);
    expect((await cni('DEL', p, 'p-warn', 'dw')).exitCode).toBe(0);
    expect(allLeases()).toEqual([]);
  });

  it('takes the selection from the runtime (io.kubernetes.cri.pod-annotations) without reading the API, even on a cache miss', async () => {
    // Scheduled elsewhere as far as the informer knows, so not in this node's cache; and no annotation in the API.
    await api.control.seed([
      {
        ...pod('p-rt', ''),
        metadata: { name: 'p-rt', namespace: 'default', uid: 'uid-p-rt' },
        spec: { nodeName: 'node-b', containers: [] },
      },
    ]);
    const p = lab.pod();
    await api.control.resetCounters();
    const stdin = {
      ...nodeConfig(),
      capabilities: { 'io.kubernetes.cri.pod-annotations': true },
      runtimeConfig: {
        'io.kubernetes.cri.pod-annotations': { 'k8s.v1.cni.cncf.io/networks': 'mv-b@fromrt0', 'other/annotation': 'x' },
      },
    };
    const env = (command: string) =>
      cniEnv({
        command,
        containerId: 'drt',
        netns: p,
        ifname: 'eth0',
        args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-rt;K8S_POD_UID=uid-p-rt',
      });
    const add = await runBraid({ node, stdin, env: env('ADD') });
    expect(add.exitCode).toBe(0);
    expect(podLinks(p).map((l) => l.ifname)).toContain('fromrt0');
    const counters = await api.control.counters();
    expect(Object.keys(counters).filter((k) => k.startsWith('GET '))).toEqual([]);
    expect(counters['PATCH /api/v1/namespaces/default/pods/p-rt']).toBe(1);
    expect((await runBraid({ node, stdin, env: env('DEL') })).exitCode).toBe(0);
  });

  it('a NAD created after the daemon started is used by the next ADD', async () => {
    await api.control.seed([macvlanNad('mv-late', '192.168.72.0/24'), pod('p2', 'mv-late')]);
    const p = lab.pod();
    await eventually(async () => (await cni('ADD', p, 'p2', 'd2')).exitCode === 0, 'ADD with the new NAD', 5000);
    expect(podLinks(p).map((l) => l.ifname)).toContain('net1');
    expect((await cni('DEL', p, 'p2', 'd2')).exitCode).toBe(0);
  });

  it('a 409 on the status write is retried', async () => {
    const p = lab.pod();
    await api.control.resetCounters();
    await api.control.setFaults({ failNext: { count: 1, code: 409, verb: 'PATCH' } });
    expect((await cni('ADD', p, 'p1', 'd3')).exitCode).toBe(0);
    await statusOf('p1');
    expect((await api.control.counters())['PATCH /api/v1/namespaces/default/pods/p1']).toBe(2);
    expect((await cni('DEL', p, 'p1', 'd3')).exitCode).toBe(0);
  });

  it('answers before the status write lands, and a DEL right after its ADD clears the status after the write, never before', async () => {
    const p = lab.pod();
    await api.control.setFaults({ latencyMs: 400 });
    try {
      await api.control.resetCounters();
      expect((await cni('ADD', p, 'p1', 'd3o')).exitCode).toBe(0);
      expect((await podAnnotations('p1'))[STATUS]).toBeUndefined(); // the PATCH is still held by the API's latency
      expect((await cni('DEL', p, 'p1', 'd3o')).exitCode).toBe(0);
      // Both PATCHes reach the API (the write, then the clear); were the clear to overtake the write, the write
      // would land last and the status would stay.
      await eventually(
        async () => (await api.control.counters())['PATCH /api/v1/namespaces/default/pods/p1'] === 2,
        'both PATCHes',
      );
    } finally {
      await api.control.clearFaults();
    }
    await sleep(1000); // longer than the latency: both have landed
    expect((await podAnnotations('p1'))[STATUS]).toBeUndefined();
    expect(allLeases()).toEqual([]);
  });

  it('during a full API outage: ADD of a cached pod succeeds, DEL succeeds and releases every address', async () => {
    const p = lab.pod();
    await api.control.setFaults({ outage: 'refuse' });
    try {
      const add = await cni('ADD', p, 'p1', 'd4');
      expect(add.exitCode).toBe(0);
      expect((await cni('DEL', p, 'p1', 'd4')).exitCode).toBe(0);
      expect(allLeases()).toEqual([]);
    } finally {
      await api.control.clearFaults();
    }
  });

  it('a status write deferred by an outage is dropped when its container is deleted before the API returns', async () => {
    const p = lab.pod();
    await api.control.setFaults({ outage: 'refuse' });
    try {
      expect((await cni('ADD', p, 'p1', 'd4b')).exitCode).toBe(0);
      expect((await cni('DEL', p, 'p1', 'd4b')).exitCode).toBe(0);
    } finally {
      await api.control.clearFaults();
    }
    await new Promise((r) => setTimeout(r, 2500)); // longer than the background retry interval
    expect((await podAnnotations('p1'))[STATUS]).toBeUndefined();
  });

  it('survives token rotation', async () => {
    const next = 'rotated-token-0123456789';
    api.rotateTokens([next]);
    const p = lab.pod();
    expect((await cni('ADD', p, 'p1', 'd5')).exitCode).toBe(0);
    expect(await statusOf('p1')).toContain('default/mv-a');
    expect((await cni('DEL', p, 'p1', 'd5')).exitCode).toBe(0);
  });

  it.each([
    ['a pod that does not exist', 'ghost', 'uid-ghost', /pod default\/ghost does not exist/],
    ['a UID mismatch', 'p1', 'uid-other', /pod default\/p1: expected UID uid-other but the API server has uid-p1/],
  ])('%s is error 3 and attaches nothing', async (_, name, uid, msg) => {
    const p = lab.pod();
    const add = await cni('ADD', p, name, 'd6', uid);
    expect(add.json).toMatchObject({ code: 3 });
    expect(add.json.msg).toMatch(msg);
    expect(podLinks(p).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('an API that answers garbage on every try of a cache miss: code 11 naming the pod; the daemon keeps serving', async () => {
    await api.control.setFaults({ garbageNext: { count: 1000, verb: 'GET', path: '/pods/not-cached' } });
    const p = lab.pod();
    const add = await cni('ADD', p, 'not-cached', 'd9');
    expect(add.json).toMatchObject({ code: 11 });
    expect(add.json.msg).toMatch(/pod default\/not-cached: cannot read it from the API server: .*not JSON/);
    expect(podLinks(p).map((l) => l.ifname)).toEqual(['lo']);
    await api.control.clearFaults();
    expect((await cni('ADD', p, 'p1', 'd9')).exitCode).toBe(0);
    expect((await cni('DEL', p, 'p1', 'd9')).exitCode).toBe(0);
  });

  it('a NAD removed after the pod was created: ADD fails naming the network, nothing attached', async () => {
    await api.control.seed([macvlanNad('mv-gone', '192.168.73.0/24'), pod('p4', 'mv-a,mv-gone')]);
    await eventually(async () => {
      const probe = lab.pod();
      const r = await cni('ADD', probe, 'p4', 'd10');
      if (r.exitCode === 0) await cni('DEL', probe, 'p4', 'd10');
      return r.exitCode === 0;
    }, 'the daemon to know the NAD');
    await api.control.deleteObject('network-attachment-definitions', 'default', 'mv-gone');
    const p = lab.pod();
    await eventually(async () => {
      const r = await cni('ADD', p, 'p4', 'd11');
      return r.json?.code === 7 && /network default\/mv-gone: NetworkAttachmentDefinition not found/.test(r.json.msg)
        ? r
        : undefined;
    }, 'ADD to fail on the removed NAD');
    expect(podLinks(p).map((l) => l.ifname)).toEqual(['lo']);
    expect(allLeases()).toEqual([]);
  });

  it('a socket request that is not a CNI request, or is too large, gets a CNI error; the daemon keeps serving', async () => {
    const garbage = await socketRequest(daemon!.socket, 'POST', '/cni', 'not json');
    expect(JSON.parse(JSON.parse(garbage.text).stdout)).toMatchObject({ code: 6 });
    const huge = await socketRequest(
      daemon!.socket,
      'POST',
      '/cni',
      JSON.stringify({ env: {}, stdin: 'x'.repeat(2 << 20) }),
    ).catch((e: Error) => ({ status: 0, text: e.message }));
    expect(huge.status).toBe(400);
    expect(JSON.parse(JSON.parse(huge.text).stdout)).toMatchObject({
      code: 7,
      msg: expect.stringContaining('larger than'),
    });
    const p = lab.pod();
    expect((await cni('ADD', p, 'p1', 'd7')).exitCode).toBe(0);
    expect((await cni('DEL', p, 'p1', 'd7')).exitCode).toBe(0);
  });

  it('the daemon killed mid-ADD leaves nothing that a later DEL (in-process, daemon down) does not clean', async () => {
    await api.control.seed([nad('slow', { cniVersion: '1.0.0', type: 'slow' }), pod('p3', 'mv-a,slow')]);
    plugins.answer('slow', 'ADD', { sleep: 5, result: { cniVersion: '1.0.0' } });
    const p = lab.pod();
    const config = { ...nodeConfig(), binDir: plugins.bin };
    // The runtime's environment reaches the delegates through the daemon, as if the runtime ran them (ADR 0013).
    const env = {
      ...cniEnv({
        command: 'ADD',
        containerId: 'd8',
        netns: p,
        ifname: 'eth0',
        args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p3;K8S_POD_UID=uid-p3',
      }),
      CNI_PATH: `${plugins.bin}:/usr/lib/cni`,
      ...plugins.env,
    };
    const adding = runBraid({ node, stdin: config, env });
    await eventually(
      async () => plugins.calls().some((c) => c.command === 'ADD' && c.containerId === 'd8'),
      'the slow delegate to start',
    );
    await daemon!.kill();
    const add = await adding;
    expect(add.exitCode).not.toBe(0);
    const down = await runBraid({ node, stdin: config, env: { ...env, CNI_COMMAND: 'ADD' } });
    expect(down.json).toMatchObject({ code: 11 });
    expect(down.json.msg).toMatch(/the braid daemon is down/);
    const del = await runBraid({ node, stdin: config, env: { ...env, CNI_COMMAND: 'DEL' } });
    expect(del.exitCode).toBe(0);
    expect(allLeases()).toEqual([]);
    expect(podLinks(p).map((l) => l.ifname)).toEqual(['lo']);
    expect((await execa('ls', [join(dir, 'cache', 'results')], { reject: false })).stdout).toBe('');
    await startDaemon();
  });
});
