#!/usr/bin/env node
// The demo: a telco-style pod (management, data-plane and signalling networks) attached by braid with
// real CNI plugins in throwaway network namespaces, through the local store. Cleans up after itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const braid = join(root, 'bin', 'braid');
const tag = `braiddemo${process.pid % 10000}`;
const node = `${tag}-node`;
const pod = `${tag}-pod`;
const dir = mkdtempSync(join(tmpdir(), 'braid-demo-'));
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' });
const say = (s) => process.stdout.write(`\n\x1b[1m== ${s}\x1b[0m\n`);

function setup() {
  for (const ns of [node, pod]) sh('ip', ['netns', 'add', ns]);
  const inNode = (...a) => sh('ip', ['-n', node, ...a]);
  inNode('link', 'set', 'lo', 'up');
  // veth pairs stand in for the node's data and signalling NICs (this kernel has no dummy links)
  for (const [nic, peer, addr] of [
    ['data0m', 'data0p', '192.168.50.1/24'],
    ['sig0m', 'sig0p', '172.30.0.1/24'],
  ]) {
    inNode('link', 'add', nic, 'type', 'veth', 'peer', 'name', peer);
    inNode('link', 'set', nic, 'up');
    inNode('link', 'set', peer, 'up');
    inNode('addr', 'add', addr, 'dev', peer);
  }
}

function writeStore() {
  const store = join(dir, 'store');
  mkdirSync(store, { recursive: true });
  const ipam = (subnet, extra = {}) => ({
    type: 'host-local',
    dataDir: join(dir, 'ipam'),
    ranges: [[{ subnet, ...extra }]],
  });
  const nad = (name, config) =>
    `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\n  namespace: telco\nspec:\n  config: '${JSON.stringify(config)}'\n`;
  const nads = [
    nad('data-plane', {
      cniVersion: '1.0.0',
      type: 'macvlan',
      master: 'data0m',
      mode: 'bridge',
      capabilities: { ips: true, mac: true },
      ipam: { type: 'static' },
    }),
    nad('signalling', {
      cniVersion: '0.4.0',
      type: 'macvlan',
      master: 'sig0m',
      mode: 'bridge',
      ipam: ipam('172.30.0.0/24', { rangeStart: '172.30.0.10', rangeEnd: '172.30.0.50' }),
    }),
  ];
  const podYaml = `apiVersion: v1
kind: Pod
metadata:
  name: upf-0
  namespace: telco
  uid: 7f6c2d1e-0000-4000-8000-000000000001
  annotations:
    k8s.v1.cni.cncf.io/networks: |
      [{"name": "data-plane", "interface": "data0", "ips": ["192.168.50.20/24"], "mac": "02:00:00:00:50:20"},
       {"name": "signalling"}]
spec:
  containers: [{name: upf, image: example/upf}]
`;
  writeFileSync(join(store, 'networks.yaml'), nads.join('---\n'));
  writeFileSync(join(store, 'upf-0.yaml'), podYaml);
  const config = {
    cniVersion: '1.1.0',
    name: 'braid',
    type: 'braid',
    localStore: store,
    cacheDir: join(dir, 'cache'),
    binDir: '/usr/lib/cni',
    delegates: [
      {
        cniVersion: '1.0.0',
        name: 'mgmt',
        type: 'bridge',
        bridge: `${tag}br`,
        isGateway: true,
        ipMasq: false,
        ipam: { ...ipam('10.244.7.0/24'), routes: [{ dst: '0.0.0.0/0' }] },
      },
    ],
  };
  writeFileSync(join(dir, 'braid.json'), JSON.stringify(config, null, 2));
  return store;
}

function cni(command) {
  const env = {
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: 'demo-upf-0',
    CNI_NETNS: `/var/run/netns/${pod}`,
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/usr/lib/cni',
    CNI_ARGS:
      'IgnoreUnknown=1;K8S_POD_NAMESPACE=telco;K8S_POD_NAME=upf-0;K8S_POD_UID=7f6c2d1e-0000-4000-8000-000000000001',
  };
  const r = spawnSync(
    'ip',
    ['netns', 'exec', node, 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), braid],
    {
      input: readFileSync(join(dir, 'braid.json')),
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`braid ${command} failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

let failed = false;
try {
  setup();
  const store = writeStore();
  say('braid explain: the plan for pod telco/upf-0, nothing attached yet');
  process.stdout.write(
    sh(braid, [
      'explain',
      '--local-store',
      store,
      '--namespace',
      'telco',
      '--pod',
      'upf-0',
      '--config',
      join(dir, 'braid.json'),
      '--output',
      'text',
    ]),
  );
  say("CNI ADD (what the runtime sees: the default network's result)");
  process.stdout.write(`${JSON.stringify(JSON.parse(cni('ADD')), null, 2)}\n`);
  say(`interfaces inside the pod (ip -n ${pod} -br addr)`);
  process.stdout.write(sh('ip', ['-n', pod, '-br', 'addr']));
  say('k8s.v1.cni.cncf.io/network-status (local store: status/telco/upf-0.json)');
  process.stdout.write(readFileSync(join(store, 'status', 'telco', 'upf-0.json'), 'utf8'));
  say('CNI DEL');
  cni('DEL');
  const left = sh('ip', ['-n', pod, '-br', 'addr'])
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('lo'));
  const leases = spawnSync(
    'sh',
    ['-c', `ls ${join(dir, 'ipam')}/*/ | grep -v -e lock -e last_reserved -e '^$' -e : || true`],
    { encoding: 'utf8' },
  ).stdout.trim();
  process.stdout.write(
    `interfaces left in the pod: ${left.length ? left.join(', ') : 'none'}\naddresses still leased: ${leases || 'none'}\n`,
  );
  if (left.length || leases) failed = true;
} catch (err) {
  failed = true;
  process.stderr.write(`demo failed: ${err.message}\n`);
} finally {
  for (const ns of [pod, node]) spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
  say(`cleaned up: network namespaces ${node}, ${pod} and ${dir} removed`);
}
process.exitCode = failed ? 1 : 0;
