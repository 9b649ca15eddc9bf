// A node as kubelet drives it (issue 8 item 2): Debian's containerd with its CRI plugin runs on a node that has
// braid deployed from deploy/ (test/support/braid-node.ts); a small gRPC client sends what kubelet sends:
// RunPodSandbox, PodSandboxStatus, StopPodSandbox twice, RemovePodSandbox. containerd calls the braid that
// `braid install --auto` put in /opt/cni/bin with the 00-braid.conflist it wrote.
import { BraidNode, macvlanNad, podObject, PRIMARY } from '../support/braid-node.js';
import { criUnavailable, podSandboxLinks, startContainerd, type ContainerdInstance } from '../support/cri/index.js';
import { NetnsLab, TempDir } from '../support/netns.js';
import { eventually } from '../support/wait.js';

const unavailable = criUnavailable();
if (unavailable) console.warn(`node-cri skipped: ${unavailable}`);
const lab = new NetnsLab();
const tmp = new TempDir();
let n: BraidNode;
let ctd: ContainerdInstance;
/** The node's links before any pod ran ("name:kind"), and the primary's bridge, which the bridge plugin keeps. */
let linksBefore: string[];
let primaryBridge: string;

const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const NETWORKS = 'mv-a,mv-b';
const SUBNET = '10.89.0';

beforeAll(async () => {
  if (unavailable) return;
  const seed = [
    macvlanNad('mv-a', '192.168.91.0/24'),
    macvlanNad('mv-b', '192.168.92.0/24'),
    podObject('web-0', NETWORKS),
    podObject('web-1', NETWORKS),
  ];
  n = await BraidNode.start(lab, { seed, subnet: `${SUBNET}.0/24` });
  ctd = await startContainerd({
    dir: tmp.sub('ctd'),
    wrap: n.host.prefix,
    binDir: '/opt/cni/bin',
    confDir: '/etc/cni/net.d',
  });
  await ctd.waitNetworkReady();
  linksBefore = await nodeLinks();
  primaryBridge = (JSON.parse(await n.host.sh(`cat ${PRIMARY}`)) as { plugins: [{ bridge: string }] }).plugins[0]
    .bridge;
}, 120_000);

afterAll(async () => {
  try {
    await ctd?.cleanup();
  } finally {
    await n?.stop();
    lab.cleanup();
    tmp.remove();
  }
});

const runPod = (name: string) =>
  ctd.runPod({
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    annotations: { 'k8s.v1.cni.cncf.io/networks': NETWORKS },
  });
const statusNames = async (name: string) =>
  (JSON.parse((await n.annotations(name))[STATUS] ?? '[]') as Array<{ interface?: string }>).map((s) => s.interface);

/** The links in the node's network namespace, as "name:kind" (veth, macvlan, bridge, ...; "device" for none). */
async function nodeLinks(): Promise<string[]> {
  const links = JSON.parse(await n.host.sh('ip -j -d link show')) as Array<{
    ifname: string;
    linkinfo?: { info_kind?: string };
  }>;
  return links.map((l) => `${l.ifname}:${l.linkinfo?.info_kind ?? 'device'}`).sort();
}

const CACHE_DIR = '/var/lib/braid'; // daemon.json's cacheDir, the executable's through the node defaults

/**
 * No lease, plan or cached result, and no interface: the node's network namespace has the links it had before the
 * first pod (plus the primary's bridge, which the bridge plugin keeps, with no port left on it), so no host-side
 * veth and no macvlan a delegate created (one is made on the node, then moved into the pod) stayed behind.
 */
async function expectNothingLeft(): Promise<void> {
  for (const net of ['pods', 'mv-a', 'mv-b']) expect(await n.leases(net)).toEqual([]);
  // plans and results are written through each directory's .tmp/, which must be empty too
  const stateDirs = ['plans', 'plans/.tmp', 'results', 'results/.tmp'].map((d) => `${CACHE_DIR}/${d}`);
  const left = (await Promise.all(stateDirs.map((d) => n.host.ls(d)))).flat().filter((f) => f !== '.tmp');
  expect(left).toEqual([]);
  const links = await nodeLinks();
  expect(links.filter((l) => !linksBefore.includes(l))).toEqual([`${primaryBridge}:bridge`]);
  expect(links.filter((l) => /:(veth|macvlan)$/.test(l))).toEqual(
    linksBefore.filter((l) => /:(veth|macvlan)$/.test(l)),
  );
  expect(JSON.parse(await n.host.sh(`ip -j link show master ${primaryBridge}`))).toEqual([]);
}

/** The status clears the executable's in-process DEL owes the API (src/store/pending-status.ts). */
const statusClearsOwed = () => n.host.ls(`${CACHE_DIR}/status-clear`);

(unavailable ? describe.skip : describe)('a node driven through the CRI, braid deployed from deploy/', () => {
  it('a pod with two NADs gets eth0 + net1 + net2; restarted daemon between ADD and DEL; stop twice, remove: nothing left', async () => {
    const pod = await runPod('web-0');
    expect(
      podSandboxLinks(pod)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['eth0', 'lo', 'net1', 'net2']);
    const ip = (await ctd.status(pod.id)).network?.ip ?? '';
    expect(ip.startsWith(`${SUBNET}.`)).toBe(true); // PodSandboxStatus reports eth0's address
    await eventually(async () => (await statusNames('web-0')).length === 3, 'the network-status');
    expect(await statusNames('web-0')).toEqual(['eth0', 'net1', 'net2']);

    await n.daemon!.stop(); // a rolling update: the old daemon goes, the new one comes
    await n.startDaemon();
    await ctd.stopPod(pod.id);
    await ctd.stopPod(pod.id); // kubelet stops again: containerd's DEL with an empty CNI_NETNS must succeed
    await ctd.removePod(pod.id);
    await eventually(async () => !(STATUS in (await n.annotations('web-0'))), 'the network-status to be cleared');
    await expectNothingLeft();
    expect(await statusClearsOwed()).toEqual([]); // the daemon cleared the status itself: nothing was owed
  });

  it('with the daemon killed, StopPodSandbox still releases everything (in-process DEL)', async () => {
    const pod = await runPod('web-1');
    expect(
      podSandboxLinks(pod)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['eth0', 'lo', 'net1', 'net2']);
    await n.daemon!.kill();
    await ctd.stopPod(pod.id);
    await ctd.stopPod(pod.id);
    await ctd.removePod(pod.id);
    await expectNothingLeft();
    // The in-process DEL has no API access: it recorded the status clear it owes, once (stop twice, remove).
    expect(await statusClearsOwed()).toEqual([`${encodeURIComponent(pod.id)}.json`]);
    await n.startDaemon();
    // What the in-process DEL could not clear, the daemon clears when it is back, and forgets it owed it.
    await eventually(
      async () => !(STATUS in (await n.annotations('web-1'))),
      'the network-status to be cleared by the returning daemon',
    );
    await eventually(async () => (await statusClearsOwed()).length === 0, 'no status clear owed any more');
    await expectNothingLeft();
  });
});
