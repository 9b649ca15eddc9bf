// `braid explain --socket` (issue 14 item 1, issue 13 item 4): the node's daemon (the deployed bundle) answers from
// its informer caches, with no API request, the same plan `braid explain --kubeconfig --config <the node's conflist>`
// prints, plus what only it knows: the pod's saved plan after an ADD, that dynamicNetworks is on, and what the next
// hot-plug does when the annotation differs from the saved plan (here an edit naming a NAD that does not exist, which
// the hot-plug cannot make and the plan keeps).
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { startBraidDaemon, type DaemonHandle } from '../support/daemon.js';
import { bridge, macvlanNadObject } from '../support/delegates.js';
import { BRAID_BIN, cniEnv, NetnsLab, netnsPath, runBraid, TempDir } from '../support/netns.js';
import { eventually } from '../support/wait.js';

const lab = new NetnsLab();
const tmp = new TempDir();
const dir = tmp.sub('daemon-explain');
const cacheDir = join(dir, 'cache');
const confDir = join(dir, 'net.d');
const conflist = join(confDir, '00-braid.conflist');
const socket = join(dir, 'braid.sock');
let node: string;
let api: ApiServer;
let daemon: DaemonHandle | undefined;
let podNs: string;

const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
const HOTPLUG =
  "dynamicNetworks is on: editing the pod's k8s.v1.cni.cncf.io/networks annotation attaches the networks added to it " +
  'and removes those taken out, live (docs/dynamic-networks.md)';

const macvlanNad = (name: string, subnet: string) => macvlanNadObject(dir, name, subnet);
const podObject = (name: string, networks: string, nodeName = 'node-a') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: { [NETWORKS]: networks } },
  spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
});

/** The node's braid entry, as `braid install` writes it into 00-braid.conflist and the runtime passes it on stdin. */
const braidEntry = () => ({
  type: 'braid',
  daemonSocket: socket,
  cacheDir,
  binDir: '/usr/lib/cni',
  dynamicNetworks: true,
  delegates: [bridge('1.0.0', dir)],
});

beforeAll(async () => {
  node = lab.node();
  podNs = lab.pod();
  api = await startApiServer({ netns: node });
  await api.control.seed([
    macvlanNad('mv-a', '192.168.120.0/24'),
    macvlanNad('mv-b', '192.168.121.0/24'),
    podObject('p1', 'mv-a'),
    podObject('elsewhere', 'mv-a', 'node-b'),
  ]);
  mkdirSync(confDir, { recursive: true });
  writeFileSync(conflist, JSON.stringify({ cniVersion: '1.1.0', name: 'braid', plugins: [braidEntry()] }));
  daemon = await startBraidDaemon({
    node,
    dir,
    config: { kubeconfig: api.kubeconfigPath, cacheDir, confDir, binDir: '/usr/lib/cni', dynamicNetworks: true },
  });
  await api.control.waitForWatches(2);
});

afterAll(async () => {
  await daemon?.stop();
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

function cni(command: string) {
  return runBraid({
    node,
    stdin: { cniVersion: '1.1.0', name: 'braid', ...braidEntry() },
    env: cniEnv({
      command,
      containerId: 'c-p1',
      netns: podNs,
      ifname: 'eth0',
      args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1;K8S_POD_UID=uid-p1',
    }),
  });
}

const throughSocket = (pod: string, output = 'json') =>
  execa(BRAID_BIN, ['explain', '--socket', socket, '-n', 'default', '--pod', pod, '-o', output], { reject: false });
/** The same question asked of the API server (from the node's netns, where the stand-in listens). */
const throughApi = (pod: string) =>
  execa(
    'ip',
    [
      ...['netns', 'exec', node, BRAID_BIN, 'explain', '--kubeconfig', api.kubeconfigPath],
      ...['-n', 'default', '--pod', pod, '--config', conflist],
    ],
    { reject: false },
  );
/** The API reads made since the counters were reset (watches are counted as WATCH). */
const apiReads = async () => Object.keys(await api.control.counters()).filter((k) => k.startsWith('GET '));

async function setNetworks(name: string, networks: string): Promise<void> {
  const pods = await api.control.objects<{ metadata: { name: string; annotations?: Record<string, string> } }>(
    'pods',
    'default',
  );
  const pod = pods.items.find((p) => p.metadata.name === name)!;
  await api.control.seed({
    ...pod,
    metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, [NETWORKS]: networks } },
  });
}

describe('braid explain --socket', () => {
  it('before any ADD: the --kubeconfig plan, from the caches with no API request; no saved plan', async () => {
    await api.control.resetCounters();
    const live = await throughSocket('p1');
    expect([live.exitCode, live.stderr]).toEqual([0, '']);
    expect(await apiReads()).toEqual([]);
    const { daemon: own, ...plan } = JSON.parse(live.stdout);
    const kube = await throughApi('p1');
    expect([kube.exitCode, kube.stderr]).toEqual([0, '']);
    expect(plan).toEqual(JSON.parse(kube.stdout));
    expect(plan.hotplug).toBe(HOTPLUG);
    expect(plan.attachments.map((a: { interface: string; name: string }) => `${a.interface} ${a.name}`)).toEqual([
      'eth0 br-net',
      'net1 default/mv-a',
    ]);
    expect(own).toEqual({ socket, nodeConfig: conflist, dynamicNetworks: true, sandboxes: [] });
  });

  it('after an ADD: the network-status and the saved plan (container, netns, attachments)', async () => {
    const add = await cni('ADD');
    expect([add.exitCode, add.stderr]).toEqual([0, '']);
    // the status write lands after the answer; then the pod's watch brings it to the cache
    const live = await eventually(async () => {
      const out = await throughSocket('p1');
      return JSON.parse(out.stdout).networkStatus ? out : undefined;
    }, 'the network-status in the daemon cache');
    await api.control.resetCounters();
    const again = await throughSocket('p1');
    expect(await apiReads()).toEqual([]);
    expect(again.stdout).toBe(live.stdout);
    const { daemon: own, ...plan } = JSON.parse(live.stdout);
    const kube = await throughApi('p1');
    expect(plan).toEqual(JSON.parse(kube.stdout));
    expect(plan.networkStatus.map((s: { interface: string }) => s.interface)).toEqual(['eth0', 'net1']);
    expect(own.sandboxes).toEqual([
      {
        containerId: 'c-p1',
        ifname: 'eth0',
        netns: netnsPath(podNs),
        attachments: [
          { interface: 'eth0', network: 'br-net', default: true },
          { interface: 'net1', network: 'default/mv-a', default: false },
        ],
        hotplugging: false,
      },
    ]);

    const text = await throughSocket('p1', 'table');
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`saved plan of sandbox c-p1 (netns ${netnsPath(podNs)}):`);
    expect(text.stdout).toContain('next hot-plug: nothing to do (the plan is what the annotation asks for)');
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(`hot-plug: ${HOTPLUG}`);
  });

  it('an edit the hot-plug cannot make yet: what the next hot-plug removes and adds, and why it fails', async () => {
    await setNetworks('p1', 'mv-b,mv-bb');
    const live = await eventually(async () => {
      const out = await throughSocket('p1');
      return JSON.parse(out.stdout).errors ? out : undefined;
    }, 'the edit in the daemon cache');
    expect(live.exitCode).toBe(1);
    const { daemon: own, ...plan } = JSON.parse(live.stdout);
    expect(plan.errors).toEqual([
      'pod default/p1: network default/mv-bb: NetworkAttachmentDefinition not found; did you mean "mv-b"?',
    ]);
    expect(plan).toEqual(JSON.parse((await throughApi('p1')).stdout));
    expect(own.sandboxes[0].nextHotplug).toEqual({
      remove: [{ interface: 'net1', network: 'default/mv-a' }],
      add: [
        { interface: 'net1', network: 'default/mv-b' },
        { interface: 'net2', network: 'default/mv-bb' },
      ],
    });
    const text = await throughSocket('p1', 'table');
    expect(text.stdout).toContain(
      'next hot-plug: remove net1 default/mv-a; then add net1 default/mv-b, net2 default/mv-bb',
    );
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(`error: ${plan.errors[0]}`);
  });

  it('a pod not in the cache (another node\'s, a typo): 404 with "did you mean"', async () => {
    const typo = await throughSocket('p11');
    expect([typo.exitCode, typo.stderr]).toEqual([
      1,
      `braid explain: pod default/p11 is not in the daemon's cache of this node's pods; did you mean "p1"?`,
    ]);
    const other = await throughSocket('elsewhere');
    expect(other.stderr).toBe("braid explain: pod default/elsewhere is not in the daemon's cache of this node's pods");
    const both = await execa(BRAID_BIN, ['explain', '--socket', socket, '--config', conflist, '--pod', 'p1'], {
      reject: false,
    });
    expect([both.exitCode, both.stderr]).toEqual([
      1,
      "braid explain: --socket plans with the daemon's own node configuration: leave out --config",
    ]);
  });

  it("the pod's DEL removes the saved plan; explain then shows none", async () => {
    const del = await cni('DEL');
    expect([del.exitCode, del.stderr]).toEqual([0, '']);
    const { daemon: own } = JSON.parse((await throughSocket('p1')).stdout);
    expect(own.sandboxes).toEqual([]);
  });
});
