// braid as deploy/ installs it on a node: the node has its own filesystem (test/support/node-host.ts), the init
// container runs `braid install --auto`, the daemon runs in a container holding only the image and the rendered
// DaemonSet's volumes (test/support/container.ts), with the in-cluster service account against the API stand-in.
// What must hold (issue 8): delegates see the host's filesystem (leases land in the node's /var/lib/cni and
// survive a daemon restart; a plugin that reads a host file works), and the executable's in-process DEL (daemon
// down) sees the same state the daemon made, with a CNI config on stdin that holds only daemonSocket.
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { startContainer, type ContainerHandle } from '../support/container.js';
import { configMapData, containerOf, daemonSetPod, renderDeploy, type K8sObject } from '../support/deploy.js';
import { cniEnv, NetnsLab, podLinks } from '../support/netns.js';
import { NodeHost } from '../support/node-host.js';
import { eventually } from '../support/wait.js';

const lab = new NetnsLab();
let node: NodeHost;
let api: ApiServer;
let objects: K8sObject[];
let daemon: ContainerHandle | undefined;

const PRIMARY = '/etc/cni/net.d/10-pods.conflist';
const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const HOST_FILE_PLUGIN = `#!/bin/sh
# Like flannel: reads a file only the host has (/run/flannel/subnet.env) and answers from it.
. /run/flannel/subnet.env
case "$CNI_COMMAND" in
ADD) printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"%s","interface":0}]}' "$CNI_IFNAME" "$CNI_NETNS" "$FLANNEL_SUBNET" ;;
VERSION) printf '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
esac
`;

const nad = (name: string, config: object) => ({
  apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name, namespace: 'default' }, spec: { config: JSON.stringify(config) },
});
// host-local without dataDir: its leases go where the runtime's plugins put them, the host's /var/lib/cni/networks.
const macvlan = (name: string, subnet: string) => nad(name, { cniVersion: '1.0.0', type: 'macvlan', master: 'mvm0', mode: 'bridge', ipam: { type: 'host-local', subnet } });
const pod = (name: string, networks: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: { 'k8s.v1.cni.cncf.io/networks': networks } },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
});

/** A container of the DaemonSet, with daemon.json changed by `daemonJson` where a test needs it. */
function container(name: string, daemonJson: (c: Record<string, unknown>) => Record<string, unknown> = (c) => c) {
  const data = { ...configMapData(objects, 'braid-config') };
  data['daemon.json'] = JSON.stringify(daemonJson(JSON.parse(data['daemon.json']!) as Record<string, unknown>));
  const url = new URL(api.url);
  const podSpec = daemonSetPod(objects);
  return startContainer(node, {
    pod: podSpec, container: containerOf(podSpec, name), nodeName: 'node-a', configMaps: { 'braid-config': data },
    api: { host: url.hostname, port: url.port, token: api.token, ca: api.ca },
  });
}

async function startDaemon(): Promise<void> {
  // The daemon's own node keys: what an operator puts in daemon.json besides the deployed ones (issue 8 item 8).
  daemon = container('daemon', (c) => ({ ...c, clusterNetwork: PRIMARY }));
  await eventually(async () => (await node.ls('/run/braid')).includes('braid.sock') || daemon!.logs().includes('"level":"fatal"'), 'the daemon socket', 20_000);
  expect(daemon.logs()).not.toContain('"level":"fatal"');
  await api.control.waitForWatches(2);
}

async function braid(command: string, podNs: string, name: string, id: string, stdin: object) {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...cniEnv({ command, containerId: id, netns: podNs, ifname: 'eth0', path: '/opt/cni/bin', args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=uid-${name}` }) };
  const out = await node.run(['/opt/cni/bin/braid'], { input: JSON.stringify(stdin), env });
  return { ...out, json: out.stdout.trim() ? (JSON.parse(out.stdout) as Record<string, unknown>) : undefined };
}

/** What the runtime passes from 00-braid.conflist, as libcni does for its one plugin. */
async function installedConfig(): Promise<object> {
  const list = JSON.parse(await node.sh('cat /etc/cni/net.d/00-braid.conflist')) as { cniVersion: string; name: string; plugins: object[] };
  return { cniVersion: list.cniVersion, name: list.name, ...list.plugins[0] };
}

const leaseFiles = async (network: string) => (await node.ls(`/var/lib/cni/networks/${network}`)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
const ipsOf = (json: Record<string, unknown> | undefined) => ((json?.ips as Array<{ address: string }> | undefined) ?? []).map((i) => i.address);

beforeAll(async () => {
  node = await NodeHost.start(lab, ['/etc/cni/net.d', '/opt/cni/bin', '/run/flannel', '/var/lib/kubelet/device-plugins']);
  await node.sh('cp /usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/macvlan /usr/lib/cni/loopback /opt/cni/bin/');
  await node.writeFile('/opt/cni/bin/hostfile', HOST_FILE_PLUGIN, '755');
  await node.writeFile('/run/flannel/subnet.env', 'FLANNEL_SUBNET=10.244.3.7/24\n');
  await node.writeFile(PRIMARY, JSON.stringify({ cniVersion: '1.0.0', name: 'pods', plugins: [{ type: 'bridge', bridge: 'brpods0', isGateway: true, ipam: { type: 'host-local', subnet: '10.88.0.0/24' } }] }));
  objects = renderDeploy();
  api = await startApiServer({ netns: node.netns });
  await api.control.seed([macvlan('mv-a', '192.168.90.0/24'), nad('flannel-like', { cniVersion: '1.0.0', type: 'hostfile' }), pod('p1', 'mv-a'), pod('p2', 'mv-a'), pod('p3', 'flannel-like'), pod('p4', 'mv-a')]);
  const install = container('install');
  expect(await install.exited).toBe(0);
  await startDaemon();
}, 90_000);

afterAll(async () => {
  await daemon?.stop();
  await api?.stop();
  await node?.stop();
  lab.cleanup();
});

describe('braid deployed on a node', () => {
  it('the init container installed the executable and a config pointing at the primary network', async () => {
    expect(await node.ls('/opt/cni/bin')).toContain('braid');
    expect(await installedConfig()).toMatchObject({ type: 'braid', clusterNetwork: PRIMARY, daemonSocket: '/run/braid/braid.sock' });
  });

  it('delegates write their leases into the host\'s /var/lib/cni, which a daemon restart does not lose', async () => {
    const [ns1, ns2] = [lab.pod(), lab.pod()];
    const a = await braid('ADD', ns1, 'p1', 'c1', await installedConfig());
    expect(a.stderr).toBe('');
    expect(a.exitCode).toBe(0);
    expect(await leaseFiles('mv-a')).toHaveLength(1);
    expect(await leaseFiles('pods')).toHaveLength(1);
    await daemon!.stop();
    await startDaemon();
    const b = await braid('ADD', ns2, 'p2', 'c2', await installedConfig());
    expect(b.exitCode).toBe(0);
    const net1 = (ns: string) => podLinks(ns).find((l) => l.ifname === 'net1')!.ipv4;
    expect(net1(ns2)).not.toEqual(net1(ns1)); // no duplicate address after the restart
    expect(ipsOf(b.json)).not.toEqual(ipsOf(a.json));
    for (const [ns, name, id] of [[ns1, 'p1', 'c1'], [ns2, 'p2', 'c2']] as const) expect((await braid('DEL', ns, name, id, await installedConfig())).exitCode).toBe(0);
    expect(await leaseFiles('mv-a')).toEqual([]);
    expect(await leaseFiles('pods')).toEqual([]);
  });

  it('a plugin that reads a host file (as flannel reads /run/flannel/subnet.env) works through the daemon', async () => {
    const ns = lab.pod();
    const add = await braid('ADD', ns, 'p3', 'c3', await installedConfig());
    expect(add.exitCode).toBe(0);
    await eventually(async () => {
      const p = (await api.control.objects<{ metadata: { name: string; annotations?: Record<string, string> } }>('pods', 'default')).items.find((x) => x.metadata.name === 'p3');
      return (p?.metadata.annotations?.[STATUS] ?? '').includes('10.244.3.7');
    }, 'the status with the address read from the host file');
    expect((await braid('DEL', ns, 'p3', 'c3', await installedConfig())).exitCode).toBe(0);
  });

  it('with only daemonSocket on stdin, ADD uses the daemon\'s keys; DEL with the daemon down finds its plan', async () => {
    const ns = lab.pod();
    const stdin = { cniVersion: '1.1.0', name: 'braid', type: 'braid', daemonSocket: '/run/braid/braid.sock' };
    const add = await braid('ADD', ns, 'p4', 'c4', stdin);
    expect(add.exitCode).toBe(0);
    expect(podLinks(ns).map((l) => l.ifname).sort()).toEqual(['eth0', 'lo', 'net1']);
    expect(await node.ls('/var/lib/braid')).not.toEqual([]);
    await daemon!.kill();
    const del = await braid('DEL', ns, 'p4', 'c4', stdin);
    expect(del.exitCode).toBe(0);
    expect(podLinks(ns).map((l) => l.ifname)).toEqual(['lo']);
    expect(await leaseFiles('mv-a')).toEqual([]);
    expect(await leaseFiles('pods')).toEqual([]);
    await startDaemon();
  });
});
