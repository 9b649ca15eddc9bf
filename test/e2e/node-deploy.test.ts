// braid as deploy/ installs it on a node: the node has its own filesystem (test/support/node-host.ts), the init
// container runs `braid install --auto`, the daemon runs in a container holding only the image and the rendered
// DaemonSet's volumes (test/support/container.ts), with the in-cluster service account against the API stand-in.
// What must hold (issue 8): delegates see the host's filesystem (leases land in the node's /var/lib/cni and
// survive a daemon restart; a plugin that reads a host file works), and the executable's in-process DEL (daemon
// down) sees the same state the daemon made, with a CNI config on stdin that holds only daemonSocket.
// Issue 11: a pod Multus attached before braid took over the node (Multus' record in the host's /var/lib/cni/multus)
// is deleted by the daemon, which reads that record through /hostroot, and by the in-process DEL with the daemon down.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BraidNode, macvlanNad, nad, podObject, PRIMARY } from '../support/braid-node.js';
import { attachAsMultus, type Json, type MultusDelegate, type MultusPod } from '../support/multus-node.js';
import { cniEnv, NetnsLab, netnsPath, podLinks } from '../support/netns.js';
import { eventually } from '../support/wait.js';

const lab = new NetnsLab();
let n: BraidNode;

const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const HOST_FILE_PLUGIN = `#!/bin/sh
# Like flannel: reads a file only the host has (/run/flannel/subnet.env) and answers from it.
. /run/flannel/subnet.env
case "$CNI_COMMAND" in
ADD) echo "$PPID" >> /run/flannel/parents
    printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"%s","interface":0}]}' "$CNI_IFNAME" "$CNI_NETNS" "$FLANNEL_SUBNET" ;;
VERSION) printf '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
esac
`;

async function braid(command: string, podNs: string, name: string, id: string, stdin: object) {
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    ...cniEnv({
      command,
      containerId: id,
      netns: podNs,
      ifname: 'eth0',
      path: '/opt/cni/bin',
      args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=uid-${name}`,
    }),
  };
  const out = await n.host.run(['/opt/cni/bin/braid'], { input: JSON.stringify(stdin), env });
  return { ...out, json: out.stdout.trim() ? (JSON.parse(out.stdout) as Record<string, unknown>) : undefined };
}

/** What the runtime passes from 00-braid.conflist, as libcni does for its one plugin. */
async function installedConfig(): Promise<object> {
  const list = JSON.parse(await n.host.sh('cat /etc/cni/net.d/00-braid.conflist')) as {
    cniVersion: string;
    name: string;
    plugins: object[];
  };
  return { cniVersion: list.cniVersion, name: list.name, ...list.plugins[0] };
}

const ipsOf = (json: Record<string, unknown> | undefined) =>
  ((json?.ips as Array<{ address: string }> | undefined) ?? []).map((i) => i.address);

/** Multus' cniDir on the node (its default); the daemon sees it as /hostroot/var/lib/cni/multus. */
const MULTUS_DIR = '/var/lib/cni/multus';
/** A NAD's config as Multus runs it (the NAD's name filled in): macvlan, leases in the node's /var/lib/cni/networks. */
const MULTUS_NAD = 'mv-multus';
const multusNadConf = {
  cniVersion: '1.0.0',
  name: MULTUS_NAD,
  type: 'macvlan',
  master: 'mvm0',
  mode: 'bridge',
  ipam: { type: 'host-local', subnet: '192.168.93.0/24' },
};
/** libcni's result files of one container in Multus' cniDir. */
const multusResultsOf = async (cid: string) =>
  (await n.host.ls(`${MULTUS_DIR}/results`)).filter((f) => f.includes(`-${cid}-`)).sort();
const nodeLinks = () =>
  podLinks(n.host.netns)
    .map((l) => l.ifname)
    .sort();

/**
 * A pod Multus attached on this node before braid took over: the real plugins run on the node with Multus' CNI_ARGS
 * (the node's primary network, then one NAD), Multus' record <MULTUS_DIR>/<containerID> and libcni's results written
 * as Multus writes them (dirs 0700, files 0600). The pod and its NAD are in the API, as they would be.
 */
async function attachedByMultus(name: string) {
  const ns = lab.pod();
  const pod: MultusPod = {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    containerId: randomBytes(32).toString('hex'),
    netnsPath: netnsPath(ns),
  };
  await n.api.control.seed([nad(MULTUS_NAD, multusNadConf), podObject(name, MULTUS_NAD)]);
  const primary = JSON.parse(await n.host.sh(`cat ${PRIMARY}`)) as Json;
  const delegates: MultusDelegate[] = [
    { config: primary, name: String(primary.name), ifname: 'eth0' },
    { config: multusNadConf, name: `default/${MULTUS_NAD}`, ifname: 'net1' },
  ];
  const [eth0, net1] = await attachAsMultus({
    pod,
    delegates,
    run: (type, input, cni) =>
      n.host.run([`/opt/cni/bin/${type}`], {
        input,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...cni, CNI_PATH: '/opt/cni/bin' },
      }),
    write: async (path, text) => {
      const script = 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1"';
      const out = await n.host.run(['sh', '-c', script, 'sh', `${MULTUS_DIR}/${path}`], { input: text });
      if (out.exitCode !== 0) throw new Error(`cannot write ${path} in ${MULTUS_DIR}: ${out.stderr}`);
    },
  });
  const bare = (r: Json | undefined) => ipsOf(r)[0]!.split('/')[0]!;
  const cid = pod.containerId;
  const results = [`pods-${cid}-eth0`, `${MULTUS_NAD}-${cid}-net1`].sort();

  expect(
    podLinks(ns)
      .map((l) => l.ifname)
      .sort(),
  ).toEqual(['eth0', 'lo', 'net1']);
  expect(await n.leases('pods')).toContain(bare(eth0));
  expect(await n.leases(MULTUS_NAD)).toEqual([bare(net1)]);
  expect(await n.host.sh(`stat -c %a ${MULTUS_DIR} ${MULTUS_DIR}/${cid} ${MULTUS_DIR}/results`)).toBe(
    '700\n600\n700\n',
  );
  expect(await multusResultsOf(cid)).toEqual(results);
  expect((await n.host.ls('/var/lib/braid/plans')).filter((f) => f.startsWith(cid))).toEqual([]); // no plan of braid's
  return { ns, pod, addresses: { eth0: bare(eth0), net1: bare(net1) } };
}

/** Everything Multus attached is gone: the pod's interfaces, the host end of its veth, its leases, Multus' files. */
async function expectReleased(p: Awaited<ReturnType<typeof attachedByMultus>>, linksBefore: string[]) {
  expect(podLinks(p.ns).map((l) => l.ifname)).toEqual(['lo']);
  expect(nodeLinks()).toEqual(linksBefore);
  expect(await n.leases('pods')).not.toContain(p.addresses.eth0);
  expect(await n.leases(MULTUS_NAD)).toEqual([]);
  expect(await n.host.ls(MULTUS_DIR)).not.toContain(p.pod.containerId);
  expect(await multusResultsOf(p.pod.containerId)).toEqual([]);
}

beforeAll(async () => {
  const seed = [
    macvlanNad('mv-a', '192.168.90.0/24'),
    nad('flannel-like', { cniVersion: '1.0.0', type: 'hostfile' }),
    ...['p1', 'p2', 'p4'].map((p) => podObject(p, 'mv-a')),
    ...['p0', 'p3'].map((p) => podObject(p, 'flannel-like')),
  ];
  // clusterNetwork in daemon.json: a node key the daemon holds for every request (issue 8 item 8).
  n = await BraidNode.start(lab, {
    seed,
    subnet: '10.88.0.0/24',
    daemonKeys: { clusterNetwork: PRIMARY },
    mkdirs: ['/run/flannel'],
  });
  await n.host.writeFile('/opt/cni/bin/hostfile', HOST_FILE_PLUGIN, '755');
  await n.host.writeFile('/run/flannel/subnet.env', 'FLANNEL_SUBNET=10.244.3.7/24\n');
}, 90_000);

afterAll(async () => {
  await n?.stop();
  lab.cleanup();
});

describe('braid deployed on a node', () => {
  it('the init container installed the executable and a config pointing at the primary network', async () => {
    expect(await n.host.ls('/opt/cni/bin')).toContain('braid');
    expect(await installedConfig()).toMatchObject({
      type: 'braid',
      clusterNetwork: PRIMARY,
      daemonSocket: '/run/braid/braid.sock',
    });
  });

  it("the daemon's delegates are started by its spawn helper, the image's braid (ADR 0021)", async () => {
    const pid = n.daemon!.pid;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const cmdlines = children.map((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').filter(Boolean));
    const helper = children[cmdlines.findIndex((c) => c.join(' ') === '/usr/local/bin/braid spawn-helper')];
    expect(helper).toBeDefined();
    const ns = lab.pod();
    expect((await braid('ADD', ns, 'p0', 'c0', await installedConfig())).exitCode).toBe(0);
    // the flannel-like plugin wrote its parent's pid: the helper, not the daemon (chroot execs the plugin in place)
    expect((await n.host.run(['cat', '/run/flannel/parents'])).stdout.trim().split('\n')).toEqual([helper]);
    expect((await braid('DEL', ns, 'p0', 'c0', await installedConfig())).exitCode).toBe(0);
    expect(n.daemon!.logs()).not.toMatch(/spawn helper/);
  });

  it("delegates write their leases into the host's /var/lib/cni, which a daemon restart does not lose", async () => {
    const [ns1, ns2] = [lab.pod(), lab.pod()];
    const a = await braid('ADD', ns1, 'p1', 'c1', await installedConfig());
    expect(a.stderr).toBe('');
    expect(a.exitCode).toBe(0);
    expect(await n.leases('mv-a')).toHaveLength(1);
    expect(await n.leases('pods')).toHaveLength(1);
    await n.daemon!.stop();
    await n.startDaemon();
    const b = await braid('ADD', ns2, 'p2', 'c2', await installedConfig());
    expect(b.exitCode).toBe(0);
    const net1 = (ns: string) => podLinks(ns).find((l) => l.ifname === 'net1')!.ipv4;
    expect(net1(ns2)).not.toEqual(net1(ns1)); // no duplicate address after the restart
    expect(ipsOf(b.json)).not.toEqual(ipsOf(a.json));
    for (const [ns, name, id] of [
      [ns1, 'p1', 'c1'],
      [ns2, 'p2', 'c2'],
    ] as const)
      expect((await braid('DEL', ns, name, id, await installedConfig())).exitCode).toBe(0);
    expect(await n.leases('mv-a')).toEqual([]);
    expect(await n.leases('pods')).toEqual([]);
  });

  it('a plugin that reads a host file (as flannel reads /run/flannel/subnet.env) works through the daemon', async () => {
    const ns = lab.pod();
    const add = await braid('ADD', ns, 'p3', 'c3', await installedConfig());
    expect(add.exitCode).toBe(0);
    await eventually(
      async () => ((await n.annotations('p3'))[STATUS] ?? '').includes('10.244.3.7'),
      'the status with the address read from the host file',
    );
    expect((await braid('DEL', ns, 'p3', 'c3', await installedConfig())).exitCode).toBe(0);
  });

  it("with only daemonSocket on stdin, ADD uses the daemon's keys; DEL with the daemon down finds its plan", async () => {
    const ns = lab.pod();
    const stdin = { cniVersion: '1.1.0', name: 'braid', type: 'braid', daemonSocket: '/run/braid/braid.sock' };
    const add = await braid('ADD', ns, 'p4', 'c4', stdin);
    expect(add.exitCode).toBe(0);
    expect(
      podLinks(ns)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['eth0', 'lo', 'net1']);
    expect(await n.host.ls('/var/lib/braid')).not.toEqual([]);
    await n.daemon!.kill();
    const del = await braid('DEL', ns, 'p4', 'c4', stdin);
    expect(del.exitCode).toBe(0);
    expect(podLinks(ns).map((l) => l.ifname)).toEqual(['lo']);
    expect(await n.leases('mv-a')).toEqual([]);
    expect(await n.leases('pods')).toEqual([]);
    await n.startDaemon();
  });

  it("a pod Multus attached: the daemon reads Multus' record in the host's /var/lib/cni/multus through /hostroot and releases it all", async () => {
    const linksBefore = nodeLinks();
    const p = await attachedByMultus('mp-daemon');
    const del = await braid('DEL', p.ns, p.pod.name, p.pod.containerId, await installedConfig());
    expect(del.stderr).toBe('');
    expect(del.stdout).toBe('');
    expect(del.exitCode).toBe(0);
    await expectReleased(p, linksBefore);
    // The daemon (not an in-process fallback) made this DEL, from the record as its mount namespace sees it.
    const record = `/hostroot${MULTUS_DIR}/${p.pod.containerId}`;
    await eventually(async () => n.daemon!.logs().includes(record), "the daemon's log of the record it used");
    const used = n
      .daemon!.logs()
      .split('\n')
      .filter((l) => l.includes('DEL: using the Multus record'))
      .map((l) => JSON.parse(l) as { multusRecord?: string; containerId?: string });
    expect(used).toEqual([
      expect.objectContaining({
        containerId: p.pod.containerId,
        multusRecord: record,
      }),
    ]);
    expect((await braid('DEL', p.ns, p.pod.name, p.pod.containerId, await installedConfig())).exitCode).toBe(0);
  });

  it("a pod Multus attached, the daemon down: the executable's in-process DEL reads Multus' record on the host", async () => {
    const linksBefore = nodeLinks();
    const p = await attachedByMultus('mp-down');
    await n.daemon!.kill();
    try {
      const del = await braid('DEL', p.ns, p.pod.name, p.pod.containerId, await installedConfig());
      expect(del.stderr).toBe('');
      expect(del.stdout).toBe('');
      expect(del.exitCode).toBe(0);
      await expectReleased(p, linksBefore);
    } finally {
      await n.startDaemon();
    }
  });
});
