// The CRI harness with plain CNI configs (no braid): containerd, inside a node netns, runs pod sandboxes as
// kubelet would, reports their IPs, stops them twice and removes them, leaving nothing behind.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cniBinDir,
  criUnavailable,
  nsenterNet,
  podSandboxLinks,
  startContainerd,
  type ContainerdInstance,
} from '../support/cri/index.js';
import { CNI_BIN, leases, NetnsLab, TempDir } from '../support/netns.js';
import { TEST_PLUGIN, TestPlugins } from '../support/test-plugin.js';

const unavailable = criUnavailable();
if (unavailable) console.warn(`cri-smoke skipped: ${unavailable}`);
const lab = new NetnsLab();
const tmp = new TempDir();
const started: ContainerdInstance[] = [];
afterAll(async () => {
  try {
    for (const c of started) await c.cleanup();
  } finally {
    lab.cleanup();
    tmp.remove();
  }
});

const NET = 'smoke-net';
const SUBNET = '10.77.0';
const cniNetns = () =>
  existsSync('/var/run/netns') ? readdirSync('/var/run/netns').filter((n) => n.startsWith('cni-')) : [];

/** A conf dir with bridge + host-local (+ `more` plugins chained), and containerd started on it in a new node. */
async function setup(name: string, o: { binDir?: string; more?: object[]; env?: Record<string, string> } = {}) {
  const root = tmp.sub(name);
  const confDir = join(root, 'net.d');
  const dataDir = join(root, 'ipam');
  mkdirSync(confDir);
  const bridge = {
    type: 'bridge',
    bridge: `brs${randomBytes(4).toString('hex')}`,
    isGateway: true,
    ipMasq: false,
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: `${SUBNET}.0/24` }]], routes: [{ dst: '0.0.0.0/0' }] },
  };
  writeFileSync(
    join(confDir, '10-smoke.conflist'),
    JSON.stringify({ cniVersion: '1.0.0', name: NET, plugins: [bridge, ...(o.more ?? [])] }),
  );
  const ctd = await startContainerd({
    dir: join(root, 'ctd'),
    wrap: nsenterNet(lab.node()),
    binDir: o.binDir ?? CNI_BIN,
    confDir,
    env: o.env,
  });
  started.push(ctd);
  await ctd.waitNetworkReady();
  return { root, ctd, dataDir };
}

(unavailable ? describe.skip : describe)(
  `containerd CRI harness${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('runs a pod sandbox with bridge + host-local, reports its IP, stops it twice and removes it', async () => {
      const before = new Set(cniNetns());
      const { root, ctd, dataDir } = await setup('plain');
      const pod = await ctd.runPod({
        name: 'smoke',
        namespace: 'default',
        annotations: { 'example.com/smoke': 'yes' },
      });
      const status = await ctd.status(pod.id);
      expect(status.state).toBe('SANDBOX_READY');
      expect(status.annotations['example.com/smoke']).toBe('yes');
      const ip = status.network?.ip ?? '';
      expect(ip.startsWith(`${SUBNET}.`)).toBe(true);
      expect(await ctd.podIps(pod.id)).toEqual([ip]);
      expect(podSandboxLinks(pod).find((l) => l.ifname === 'eth0')?.ipv4).toEqual([`${ip}/24`]);
      expect(pod.netnsPath).toMatch(/^\/var\/run\/netns\/cni-/);
      expect(leases(dataDir, NET)).toEqual([ip]);

      await ctd.stopPod(pod.id);
      expect(existsSync(pod.netnsPath)).toBe(false); // containerd 1.6 removes the netns at stop
      await ctd.stopPod(pod.id); // kubelet stops more than once
      expect((await ctd.status(pod.id)).state).toBe('SANDBOX_NOTREADY');
      expect(leases(dataDir, NET)).toEqual([]);
      await ctd.removePod(pod.id);
      expect(await ctd.cri.listPodSandbox()).toEqual([]);

      await ctd.cleanup();
      expect(cniNetns().filter((n) => !before.has(n))).toEqual([]);
      expect(existsSync(join(root, 'ctd'))).toBe(false);
    });

    it('hands the pod annotations to a plugin declaring io.kubernetes.cri.pod-annotations, with kubelet-style CNI_ARGS', async () => {
      const rec = new TestPlugins(tmp.sub('recorder'), []);
      const binDir = cniBinDir(join(tmp.sub('annotations-bin'), 'bin'), { recorder: TEST_PLUGIN });
      const more = [{ type: 'recorder', capabilities: { 'io.kubernetes.cri.pod-annotations': true } }];
      const { ctd } = await setup('annotations', { binDir, more, env: rec.env });
      const networks = JSON.stringify([{ name: 'net-a', interface: 'net1' }]);
      const pod = await ctd.runPod({
        name: 'annotated',
        namespace: 'telco',
        annotations: { 'k8s.v1.cni.cncf.io/networks': networks },
      });
      const add = rec.calls().find((c) => c.command === 'ADD');
      expect(add).toMatchObject({ plugin: 'recorder', containerId: pod.id, netns: pod.netnsPath, ifname: 'eth0' });
      expect(JSON.parse(add?.stdin ?? '{}').runtimeConfig['io.kubernetes.cri.pod-annotations']).toMatchObject({
        'k8s.v1.cni.cncf.io/networks': networks,
      });
      expect(add?.args.split(';')).toEqual(
        expect.arrayContaining([
          'K8S_POD_NAMESPACE=telco',
          'K8S_POD_NAME=annotated',
          `K8S_POD_INFRA_CONTAINER_ID=${pod.id}`,
          `K8S_POD_UID=${pod.uid}`,
        ]),
      );
      await ctd.stopPod(pod.id);
      await ctd.stopPod(pod.id);
      await ctd.removePod(pod.id);
      // containerd 1.6 removes the netns at the first stop; every later stop, and the one inside remove, DELs again without it.
      const calls = rec
        .calls()
        .filter((c) => c.command !== 'VERSION')
        .map((c) => `${c.command} ${c.netns || '-'}`);
      expect(calls).toEqual([`ADD ${pod.netnsPath}`, `DEL ${pod.netnsPath}`, 'DEL -', 'DEL -']);
    });
  },
);
