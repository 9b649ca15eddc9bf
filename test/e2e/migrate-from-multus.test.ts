// Migrating a node from Multus to braid (issue 11, docs/migrate-from-multus.md), for both Multus flavours, with the
// real plugins in real network namespaces and the real braid executable:
//   1. the node as Multus leaves it: its 00-multus.conf (thin: the primary inline in "delegates"; thick: multus-shim
//      with clusterNetwork), the primary conflist, and a pod Multus attached to the default network and two NADs:
//      the real delegates ran with Multus' CNI_ARGS, Multus' record <cniDir>/<containerID> and libcni's results
//      <cniDir>/results/<network>-<containerID>-<ifname> written as Multus writes them;
//   2. `braid install --auto` picks the primary behind Multus' config and leaves Multus' config untouched;
//   3. DEL of the old pod by the installed executable releases every delegate Multus recorded;
//   4. ADD and DEL of a new pod with two NADs work under braid;
//   5. `braid install --cleanup` rolls back: Multus' config is again the first in the conf dir.
// The shapes of Multus' files come from reading Multus v4 (its thin entrypoint, thick config generator, DEL cache).
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BRIDGE, hostLocal } from '../support/delegates.js';
import { nadYaml, podYaml, writeStore } from '../support/local-store.js';
import { attachAsMultus, goMarshal, type Json, type MultusDelegate } from '../support/multus-node.js';
import {
  BRAID_BIN,
  CNI_BIN,
  cniEnv,
  leases,
  listFiles,
  MACVLAN_MASTER,
  NetnsLab,
  netnsPath,
  podLinks,
  runBraid,
  TempDir,
} from '../support/netns.js';

const lab = new NetnsLab();
const tmp = new TempDir();
afterAll(() => {
  lab.cleanup();
  tmp.remove();
});

/** Multus' default networks below speak 0.4.0: Multus thin then writes `00-multus.conf` (1.0.0 gives a .conflist). */
const V = '0.4.0';
const PRIMARY_FILE = '10-bridge.conflist';
const PRIMARY_NET = 'k8s-pod-network';
const MULTUS_CONF = '00-multus.conf';
const NS = 'default';

/** The primary network: bridge + host-local, its leases in the case's temp dir. */
const primaryConflist = (dir: string) => ({
  cniVersion: V,
  name: PRIMARY_NET,
  plugins: [
    {
      type: 'bridge',
      bridge: BRIDGE,
      isGateway: true,
      ipMasq: false,
      ipam: { ...hostLocal(dir, '10.88.10.0/24'), routes: [{ dst: '0.0.0.0/0' }] },
    },
  ],
});

/** The two NADs' configs: macvlan on the node's veth master, each its own host-local range. */
const macvlanConf = (dir: string, name: string, subnet: string) => ({
  cniVersion: V,
  name,
  type: 'macvlan',
  master: MACVLAN_MASTER,
  mode: 'bridge',
  ipam: hostLocal(dir, subnet),
});

/** Multus thin's 00-multus.conf (thin entrypoint template, defaults): the primary inline, keys sorted. */
const thinMultusConf = (primary: Json) =>
  `{
        "cniVersion": "${V}",
        "name": "multus-cni-network",
        "type": "multus",
        "cniConf": "/host/etc/cni/multus/net.d",
        "kubeconfig": "/etc/cni/net.d/multus.d/multus.kubeconfig",
        "delegates": [
                ${goMarshal(primary)}
        ]
}
`;

/** Multus thick's 00-multus.conf (daemon config generator, shipped daemon-config): the primary by its path. */
const thickMultusConf = () =>
  JSON.stringify({
    cniVersion: V,
    logLevel: 'verbose',
    logToStderr: true,
    name: 'multus-cni-network',
    clusterNetwork: `/host/etc/cni/net.d/${PRIMARY_FILE}`,
    type: 'multus-shim',
  });

/** The CNI_ARGS the runtime (containerd, CRI-O) passes the node's plugin. */
const runtimeArgs = (pod: PodId) =>
  `IgnoreUnknown=1;K8S_POD_NAMESPACE=${NS};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId};K8S_POD_UID=${pod.uid}`;

/** The uid podYaml gives a pod of that name, so the runtime's K8S_POD_UID matches the manifest. */
const podUid = (name: string) =>
  `00000000-0000-4000-8000-${name
    .padStart(12, '0')
    .slice(-12)
    .replace(/[^0-9a-f]/g, '0')}`;

interface PodId {
  name: string;
  containerId: string;
  uid: string;
  netns: string;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Json;
const confFilesIn = (dir: string) =>
  readdirSync(dir)
    .filter((n) => /\.(conf|conflist|json)$/.test(n))
    .sort();
const nodeLinks = (node: string) => podLinks(node).map((l) => l.ifname);

describe.each(['thin', 'thick'] as const)('migrating a node from Multus %s to braid', (flavour) => {
  const root = tmp.sub(flavour);
  const confDir = join(root, 'etc/cni/net.d');
  const binDir = join(root, 'opt/cni/bin');
  const multusDir = join(root, 'var/lib/cni/multus');
  const cacheDir = join(root, 'var/lib/braid');
  const ipamDir = join(root, 'ipam');
  const storeDir = join(root, 'store');
  const settingsFile = join(root, 'braid-settings.json');
  const primaryPath = join(confDir, PRIMARY_FILE);
  const multusConfPath = join(confDir, MULTUS_CONF);
  const braidConfPath = join(confDir, '00-braid.conflist');
  const settings = { cacheDir, multusCacheDir: multusDir, localStore: storeDir, binDir: CNI_BIN };

  const node = lab.node();
  const oldPod: PodId = {
    name: 'old-pod',
    containerId: `${flavour === 'thin' ? 'a1' : 'b2'}${'0123456789abcdef'.repeat(4).slice(2)}`,
    uid: podUid('old-pod'),
    netns: lab.pod(),
  };
  const newPod: PodId = {
    name: 'new-pod',
    containerId: `${flavour === 'thin' ? 'c3' : 'd4'}${'fedcba9876543210'.repeat(4).slice(2)}`,
    uid: podUid('new-pod'),
    netns: lab.pod(),
  };
  const primary = primaryConflist(root);
  const nadA = macvlanConf(root, 'macvlan-a', '192.168.77.0/24');
  const nadB = macvlanConf(root, 'macvlan-b', '192.168.78.0/24');
  /** Multus' delegates for the old pod, in ADD order: the default network first. */
  const delegates: MultusDelegate[] = [
    { config: primary, name: PRIMARY_NET, ifname: 'eth0' },
    { config: nadA, name: `${NS}/macvlan-a`, ifname: 'net1' },
    { config: nadB, name: `${NS}/macvlan-b`, ifname: 'data0', ifnameRequest: 'data0' },
  ];
  const networks = [PRIMARY_NET, 'macvlan-a', 'macvlan-b'];
  let multusConfBytes: Buffer;

  /** What a libcni runtime hands the installed plugin: the conflist's only entry, its name and cniVersion injected. */
  const installedStdin = () => {
    const list = readJson(braidConfPath);
    return { ...(list.plugins as Json[])[0], name: list.name, cniVersion: list.cniVersion };
  };
  const runInstalled = (pod: PodId, command: string) =>
    runBraid({
      node,
      bin: join(binDir, 'braid'),
      stdin: installedStdin(),
      env: cniEnv({
        command,
        containerId: pod.containerId,
        netns: pod.netns,
        ifname: 'eth0',
        args: runtimeArgs(pod),
      }),
    });
  const install = (...args: string[]) =>
    execa(BRAID_BIN, ['install', '--conf-dir', confDir, '--bin-dir', binDir, '--log-level', 'warn', ...args], {
      reject: false,
    });

  it("1. the node as Multus leaves it: its config, a pod with two NADs, Multus' record and host-local leases", async () => {
    mkdirSync(join(confDir, 'multus.d'), { recursive: true });
    mkdirSync(binDir, { recursive: true });
    writeFileSync(primaryPath, `${JSON.stringify(primary, null, 2)}\n`);
    writeFileSync(multusConfPath, flavour === 'thin' ? thinMultusConf(primary) : thickMultusConf(), { mode: 0o600 });
    if (flavour === 'thin') writeFileSync(join(confDir, 'multus.d', 'multus.kubeconfig'), 'apiVersion: v1\n');
    writeFileSync(join(binDir, flavour === 'thin' ? 'multus' : 'multus-shim'), '#!/bin/sh\nexit 1\n', {
      mode: 0o755,
    });
    multusConfBytes = readFileSync(multusConfPath);
    writeStore(storeDir, {
      'nads.yaml': [nadYaml(NS, 'macvlan-a', nadA), nadYaml(NS, 'macvlan-b', nadB)].join('---\n'),
      'old-pod.yaml': podYaml(NS, oldPod.name, {
        'k8s.v1.cni.cncf.io/networks': JSON.stringify([
          { name: 'macvlan-a' },
          { name: 'macvlan-b', interface: 'data0' },
        ]),
      }),
    });

    // Multus' ADD: the record first (before any delegate runs), then each delegate, libcni caching its result.
    const recordPath = join(multusDir, oldPod.containerId);
    await attachAsMultus({
      pod: { ...oldPod, namespace: NS, netnsPath: netnsPath(oldPod.netns) },
      delegates,
      run: (type, input, cni) =>
        execa('ip', ['netns', 'exec', node, join(CNI_BIN, type)], {
          input,
          env: { PATH: process.env.PATH, ...cni, CNI_PATH: CNI_BIN },
          extendEnv: false,
          reject: false,
        }).then((out) => ({ exitCode: out.exitCode ?? -1, stdout: out.stdout, stderr: out.stderr })),
      write: (path, text) => {
        mkdirSync(dirname(join(multusDir, path)), { recursive: true, mode: 0o700 });
        writeFileSync(join(multusDir, path), text, { mode: 0o600 });
      },
    });

    const links = Object.fromEntries(podLinks(oldPod.netns).map((l) => [l.ifname, l.ipv4]));
    expect(Object.keys(links).sort()).toEqual(['data0', 'eth0', 'lo', 'net1']);
    expect(links.eth0).toEqual([expect.stringMatching(/^10\.88\.10\.\d+\/24$/)]);
    expect(links.net1).toEqual([expect.stringMatching(/^192\.168\.77\.\d+\/24$/)]);
    expect(links.data0).toEqual([expect.stringMatching(/^192\.168\.78\.\d+\/24$/)]);
    const oldAddresses = [links.eth0![0]!, links.net1![0]!, links.data0![0]!].map((a) => a.split('/')[0]!);
    expect(networks.map((n) => leases(ipamDir, n))).toEqual(oldAddresses.map((a) => [a]));
    expect(statSync(multusDir).mode & 0o777).toBe(0o700);
    expect(statSync(recordPath).mode & 0o777).toBe(0o600);
    expect(listFiles(join(multusDir, 'results'))).toEqual(
      [
        `${PRIMARY_NET}-${oldPod.containerId}-eth0`,
        `macvlan-a-${oldPod.containerId}-net1`,
        `macvlan-b-${oldPod.containerId}-data0`,
      ].sort(),
    );
  });

  it("2. braid install --auto takes the primary behind Multus' config and leaves 00-multus.conf untouched", async () => {
    writeFileSync(settingsFile, JSON.stringify(settings));
    const out = await install('--auto', '--settings', settingsFile);
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(0);
    expect(readJson(braidConfPath)).toEqual({
      cniVersion: V,
      name: 'braid',
      plugins: [
        {
          type: 'braid',
          ...settings,
          capabilities: { 'io.kubernetes.cri.pod-annotations': true },
          clusterNetwork: primaryPath,
        },
      ],
    });
    // 00-braid.conflist sorts before 00-multus.conf: the runtime now runs braid.
    expect(confFilesIn(confDir)).toEqual(['00-braid.conflist', MULTUS_CONF, PRIMARY_FILE]);
    expect(readFileSync(multusConfPath).equals(multusConfBytes)).toBe(true);
    expect(existsSync(join(binDir, 'braid'))).toBe(true);
  });

  it("3. DEL of the pod Multus attached releases everything Multus recorded, and removes Multus' record", async () => {
    const del = await runInstalled(oldPod, 'DEL');
    expect(del.stderr).toBe('');
    expect(del.stdout).toBe('');
    expect(del.exitCode).toBe(0);
    expect(podLinks(oldPod.netns).map((l) => l.ifname)).toEqual(['lo']);
    for (const n of networks) expect(leases(ipamDir, n)).toEqual([]);
    // Only host-local's own bookkeeping remains: its lock and the last address it handed out.
    for (const n of networks) expect(listFiles(join(ipamDir, n))).toEqual(['last_reserved_ip.0', 'lock']);
    expect(existsSync(join(multusDir, oldPod.containerId))).toBe(false);
    expect(listFiles(join(multusDir, 'results'))).toEqual([]);
    // The host end of the pod's veth went with it; the bridge and the macvlan master stay.
    expect(nodeLinks(node).sort()).toEqual([BRIDGE, 'lo', MACVLAN_MASTER, `${MACVLAN_MASTER}p`].sort());
    expect(listFiles(cacheDir).filter((p) => !p.startsWith('.'))).toEqual([]);

    const again = await runInstalled(oldPod, 'DEL');
    expect(again.exitCode).toBe(0);
  });

  it('4. a new pod with two NADs is attached by braid, its network-status written, and its DEL leaves nothing', async () => {
    writeStore(storeDir, {
      'new-pod.yaml': podYaml(NS, newPod.name, { 'k8s.v1.cni.cncf.io/networks': 'macvlan-a, macvlan-b' }),
    });
    const add = await runInstalled(newPod, 'ADD');
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    const links = Object.fromEntries(podLinks(newPod.netns).map((l) => [l.ifname, l]));
    expect(Object.keys(links).sort()).toEqual(['eth0', 'lo', 'net1', 'net2']);
    expect(links.eth0!.ipv4).toEqual([expect.stringMatching(/^10\.88\.10\.\d+\/24$/)]);
    expect(links.net1!.ipv4).toEqual([expect.stringMatching(/^192\.168\.77\.\d+\/24$/)]);
    expect(links.net2!.ipv4).toEqual([expect.stringMatching(/^192\.168\.78\.\d+\/24$/)]);
    const bare = (ifname: string) => links[ifname]!.ipv4.map((a) => a.split('/')[0]);

    const statusFile = join(storeDir, 'status', NS, `${newPod.name}.json`);
    expect(readJson(statusFile)).toEqual([
      {
        name: PRIMARY_NET,
        interface: 'eth0',
        ips: bare('eth0'),
        mac: links.eth0!.mac,
        default: true,
        gateway: ['10.88.10.1'],
      },
      { name: `${NS}/macvlan-a`, interface: 'net1', ips: bare('net1'), mac: links.net1!.mac },
      { name: `${NS}/macvlan-b`, interface: 'net2', ips: bare('net2'), mac: links.net2!.mac },
    ]);
    expect(networks.map((n) => leases(ipamDir, n))).toEqual([bare('eth0'), bare('net1'), bare('net2')]);

    expect((await runInstalled(newPod, 'DEL')).exitCode).toBe(0);
    expect(podLinks(newPod.netns).map((l) => l.ifname)).toEqual(['lo']);
    for (const n of networks) expect(leases(ipamDir, n)).toEqual([]);
    expect(existsSync(statusFile)).toBe(false);
    expect(listFiles(cacheDir).filter((p) => !p.startsWith('.'))).toEqual([]);
    expect(nodeLinks(node).sort()).toEqual([BRIDGE, 'lo', MACVLAN_MASTER, `${MACVLAN_MASTER}p`].sort());
  });

  it("5. rollback: braid install --cleanup removes braid and Multus' config is again the first in the dir", async () => {
    const out = await install('--cleanup');
    expect(out.exitCode).toBe(0);
    expect(existsSync(braidConfPath)).toBe(false);
    expect(existsSync(join(binDir, 'braid'))).toBe(false);
    expect(confFilesIn(confDir)).toEqual([MULTUS_CONF, PRIMARY_FILE]);
    expect(readFileSync(multusConfPath).equals(multusConfBytes)).toBe(true);
    expect(readdirSync(binDir)).toEqual([flavour === 'thin' ? 'multus' : 'multus-shim']);
  });
});
