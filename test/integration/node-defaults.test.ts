// One configuration, whichever file it is in (issue 8, item 8), through the daemon: the daemon's node keys are the
// defaults for every request and the request's own keys win, a Multus alias counting as the key it stands for. The
// daemon's config names the default network (clusterNetwork) and, by the Multus alias multusNamespace, the
// namespace it is looked up in; requests override one or the other, and the pod's eth0 shows which network it got.
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { startBraidDaemon, type DaemonHandle } from '../support/daemon.js';
import { ptp } from '../support/delegates.js';
import { cniEnv, leases, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';
import { eventually } from '../support/wait.js';

const lab = new NetnsLab();
const tmp = new TempDir();
const dir = tmp.sub('node-defaults');
let node: string;
let api: ApiServer;
let daemon: DaemonHandle | undefined;

const STATUS = 'k8s.v1.cni.cncf.io/network-status';

/** Three candidate default networks, each with its own subnet and config name (what network-status shows). */
const NETWORKS = [
  { namespace: 'ns-d', name: 'prim', subnet: '10.77.1.0/24' },
  { namespace: 'ns-d', name: 'prim-r', subnet: '10.77.2.0/24' },
  { namespace: 'ns-r', name: 'prim', subnet: '10.77.3.0/24' },
];
const netName = (n: (typeof NETWORKS)[number]) => `${n.namespace}-${n.name}`;
const nadOf = (n: (typeof NETWORKS)[number]) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name: n.name, namespace: n.namespace },
  spec: { config: JSON.stringify(ptp('1.0.0', dir, netName(n), n.subnet)) },
});
const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
});

beforeAll(async () => {
  node = lab.node();
  api = await startApiServer({ netns: node });
  await api.control.seed([...NETWORKS.map(nadOf), pod('only-socket'), pod('own-network'), pod('own-namespace')]);
  daemon = await startBraidDaemon({
    node,
    dir,
    config: {
      kubeconfig: api.kubeconfigPath,
      cacheDir: join(dir, 'cache'),
      binDir: '/usr/lib/cni',
      // The node keys requests do not carry: the default network, and (Multus's name) the namespace it is in.
      clusterNetwork: 'prim',
      multusNamespace: 'ns-d',
      logLevel: 'debug',
    },
  });
  await api.control.waitForWatches(2);
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

/** What the runtime passes: the conflist's braid entry, which in daemon mode may hold only daemonSocket. */
const cni = (command: string, name: string, netns: string, keys: Record<string, unknown>) =>
  runBraid({
    node,
    stdin: { cniVersion: '1.1.0', name: 'braid', type: 'braid', daemonSocket: daemon!.socket, ...keys },
    env: cniEnv({
      command,
      containerId: `c-${name}`,
      netns,
      ifname: 'eth0',
      args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=uid-${name}`,
    }),
  });

const eth0 = (netns: string) => podLinks(netns).find((l) => l.ifname === 'eth0')?.ipv4 ?? [];
const statusNames = async (name: string) => {
  const raw = await eventually(
    async () =>
      (
        await api.control.objects<{ metadata: { name: string; annotations?: Record<string, string> } }>(
          'pods',
          'default',
        )
      ).items.find((p) => p.metadata.name === name)?.metadata.annotations?.[STATUS],
    `network-status of ${name}`,
  );
  return (JSON.parse(raw) as Array<{ name: string; interface?: string }>).map((s) => `${s.name} ${s.interface}`);
};
const allLeases = () => NETWORKS.flatMap((n) => leases(join(dir, 'ipam'), netName(n)));

describe("the daemon's node keys are every request's defaults; the request's own keys win", () => {
  it.each([
    {
      what: "a request holding only daemonSocket gets the daemon's clusterNetwork, in the daemon's multusNamespace",
      pod: 'only-socket',
      keys: {},
      subnet: /^10\.77\.1\.\d+\/24$/,
      status: 'ns-d-prim eth0',
    },
    {
      what: "the request's clusterNetwork beats the daemon's (the namespace still the daemon's alias)",
      pod: 'own-network',
      keys: { clusterNetwork: 'prim-r' },
      subnet: /^10\.77\.2\.\d+\/24$/,
      status: 'ns-d-prim-r eth0',
    },
    {
      what: "the request's defaultNetworkNamespace beats the daemon's multusNamespace, the key it stands for",
      pod: 'own-namespace',
      keys: { defaultNetworkNamespace: 'ns-r' },
      subnet: /^10\.77\.3\.\d+\/24$/,
      status: 'ns-r-prim eth0',
    },
  ])('$what', async (c) => {
    const p = lab.pod();
    const add = await cni('ADD', c.pod, p, c.keys);
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    expect(eth0(p)).toEqual([expect.stringMatching(c.subnet)]);
    expect(add.json.ips.map((i: { address: string }) => i.address)).toEqual([expect.stringMatching(c.subnet)]);
    expect(await statusNames(c.pod)).toEqual([c.status]);

    const del = await cni('DEL', c.pod, p, c.keys);
    expect(del.exitCode).toBe(0);
    expect(allLeases()).toEqual([]);
  });
});
