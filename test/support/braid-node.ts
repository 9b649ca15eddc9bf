// A node with braid deployed as deploy/ deploys it: the node's own filesystem (node-host.ts), the real plugins in
// its /opt/cni/bin, a primary network in its /etc/cni/net.d, the API stand-in in its network, the rendered
// DaemonSet's init container run once and its daemon container started, with the in-cluster service account.
import { startApiServer, type ApiServer } from './apiserver/client.js';
import { startContainer, type ContainerHandle } from './container.js';
import { nadObject } from './delegates.js';
import { configMapData, containerOf, daemonSetPod, renderDeploy, type K8sObject } from './deploy.js';
import type { NetnsLab } from './netns.js';
import { NodeHost } from './node-host.js';
import { eventually } from './wait.js';

export const PRIMARY = '/etc/cni/net.d/10-pods.conflist';
export const NODE_NAME = 'node-a';
const PLUGINS = ['bridge', 'host-local', 'macvlan', 'loopback', 'portmap'];

export const nad = (name: string, config: object) => nadObject(name, config);
/** host-local without dataDir: leases go where the runtime's plugins put them, the host's /var/lib/cni/networks. */
export const macvlanNad = (name: string, subnet: string) =>
  nad(name, {
    cniVersion: '1.0.0',
    type: 'macvlan',
    master: 'mvm0',
    mode: 'bridge',
    ipam: { type: 'host-local', subnet },
  });
export const podObject = (name: string, networks: string, uid = `uid-${name}`) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid, annotations: { 'k8s.v1.cni.cncf.io/networks': networks } },
  spec: { nodeName: NODE_NAME, containers: [{ name: 'c', image: 'x' }] },
});

export class BraidNode {
  daemon?: ContainerHandle;

  private constructor(
    readonly host: NodeHost,
    readonly api: ApiServer,
    readonly objects: K8sObject[],
    /** Node keys an operator adds to daemon.json besides the deployed ones. */
    private readonly daemonKeys: Record<string, unknown>,
  ) {}

  static async start(
    lab: NetnsLab,
    o: { seed: object[]; subnet: string; daemonKeys?: Record<string, unknown>; mkdirs?: string[] },
  ): Promise<BraidNode> {
    const host = await NodeHost.start(lab, [
      '/etc/cni/net.d',
      '/opt/cni/bin',
      '/var/lib/kubelet/device-plugins',
      ...(o.mkdirs ?? []),
    ]);
    await host.sh(`cp ${PLUGINS.map((p) => `/usr/lib/cni/${p}`).join(' ')} /opt/cni/bin/`);
    const bridge = {
      type: 'bridge',
      bridge: 'brpods0',
      isGateway: true,
      ipam: { type: 'host-local', subnet: o.subnet, routes: [{ dst: '0.0.0.0/0' }] },
    };
    await host.writeFile(PRIMARY, JSON.stringify({ cniVersion: '1.0.0', name: 'pods', plugins: [bridge] }));
    const api = await startApiServer({ netns: host.netns });
    await api.control.seed(o.seed);
    const node = new BraidNode(host, api, renderDeploy(), o.daemonKeys ?? {});
    const install = node.container('install');
    const code = await install.exited;
    if (code !== 0) throw new Error(`the install init container failed: ${install.logs()}`);
    await node.startDaemon();
    return node;
  }

  /** A container of the rendered DaemonSet on this node. */
  container(name: string): ContainerHandle {
    const data = { ...configMapData(this.objects, 'braid-config') };
    data['daemon.json'] = JSON.stringify({ ...(JSON.parse(data['daemon.json']!) as object), ...this.daemonKeys });
    const url = new URL(this.api.url);
    const pod = daemonSetPod(this.objects);
    return startContainer(this.host, {
      pod,
      container: containerOf(pod, name),
      nodeName: NODE_NAME,
      configMaps: { 'braid-config': data },
      api: { host: url.hostname, port: url.port, token: this.api.token, ca: this.api.ca },
    });
  }

  async startDaemon(): Promise<void> {
    const d = (this.daemon = this.container('daemon'));
    const fatal = () => d.logs().includes('"level":"fatal"') || d.logs().includes('"level":60');
    await eventually(
      async () => (await this.host.ls('/run/braid')).includes('braid.sock') || fatal(),
      'the daemon socket',
      20_000,
    );
    if (fatal()) throw new Error(`the daemon did not start: ${d.logs()}`);
    await this.api.control.waitForWatches(2);
  }

  /** The pod's annotations as the API server has them. */
  async annotations(name: string): Promise<Record<string, string>> {
    const pods = await this.api.control.objects<{ metadata: { name: string; annotations?: Record<string, string> } }>(
      'pods',
      'default',
    );
    return pods.items.find((p) => p.metadata.name === name)?.metadata.annotations ?? {};
  }

  /** host-local's leases of a network in the node's /var/lib/cni/networks. */
  async leases(network: string): Promise<string[]> {
    return (await this.host.ls(`/var/lib/cni/networks/${network}`)).filter((f) => /^[\d.]+$|:/.test(f));
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    await this.api.stop();
    await this.host.stop();
  }
}
