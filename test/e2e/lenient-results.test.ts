// Delegate results slightly off the spec (issue 11): a route without dst, an interface index out of range, unknown
// fields, dns that is not an object, a bridge's host-side interfaces and address. ADD succeeds with what could be
// understood, prints a strict result, lists only pod-side interfaces in the network-status, logs what it left out
// (naming plugin and network), and DEL cleans everything up. Local mode with the scriptable test plugin.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nadYaml, podYaml, writeStore } from '../support/local-store.js';
import { braidConfig, cniEnv, listFiles, runBraid, TempDir } from '../support/netns.js';
import { TestPlugins, type PluginCallLog } from '../support/test-plugin.js';

const tmp = new TempDir();
afterAll(() => tmp.remove());

const NETNS = '/var/run/netns/lenient-fake';

/** The default network's first plugin: a result a strict reader (libcni's Go types) would refuse. */
const MAIN_RESULT = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:08:05', sandbox: NETNS, vendorField: 'x' }],
  ips: [
    { address: '10.8.0.5/24', gateway: '10.8.0.1', interface: 0 },
    { address: '10.8.0.6/24', interface: 3 }, // out of range: read as naming no interface
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.8.0.1' }, { gw: '10.8.0.254' }], // the second has no dst
  dns: { nameservers: ['10.8.0.53'] },
  vendorExtension: { anything: true }, // unknown field
};

/** What braid understood of it, at the list's version: what the next plugin gets and what ADD prints. */
const MAIN_UNDERSTOOD = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:08:05', sandbox: NETNS }],
  ips: [{ interface: 0, address: '10.8.0.5/24', gateway: '10.8.0.1' }, { address: '10.8.0.6/24' }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.8.0.1' }],
  dns: { nameservers: ['10.8.0.53'] },
};

/** A bridge-like NAD delegate: host-side bridge and veth, the bridge's own address, dns not an object. */
const SIDE_RESULT = {
  cniVersion: '0.4.0',
  interfaces: [
    { name: 'br-side', mac: '02:00:00:00:09:01' },
    { name: 'veth-side', mac: '02:00:00:00:09:02' },
    { name: 'net1', mac: '02:00:00:00:09:05', sandbox: NETNS },
  ],
  ips: [
    { version: '4', address: '10.9.0.1/24', interface: 0 },
    { version: '4', address: '10.9.0.5/24', gateway: '10.9.0.1', interface: 2 },
  ],
  routes: [{ dst: '10.99.0.0/16' }],
  dns: 'none',
};

interface LogLine {
  level: string;
  msg: string;
  plugin?: string;
  network?: string;
  problems?: string[];
}

describe('delegate results read leniently, written strictly', () => {
  const dir = tmp.sub('lenient');
  const plugins = new TestPlugins(dir, ['tp-main', 'tp-chain', 'tp-side']);
  plugins.answer('tp-main', 'ADD', { result: MAIN_RESULT });
  plugins.answer('tp-side', 'ADD', { result: SIDE_RESULT });
  const store = writeStore(join(dir, 'store'), {
    'nads.yaml': nadYaml('default', 'side', { cniVersion: '0.4.0', type: 'tp-side' }),
    'pod.yaml': podYaml('default', 'p1', { 'k8s.v1.cni.cncf.io/networks': 'side' }),
  });
  const statusFile = join(store, 'status', 'default', 'p1.json');
  const cacheDir = join(dir, 'cache');
  const stdin = braidConfig({
    cniVersion: '1.1.0',
    cacheDir,
    // tp-chain prints its prevResult back (the test plugin's default), so the printed result is what it was handed.
    delegates: [{ cniVersion: '1.0.0', name: 'main-net', plugins: [{ type: 'tp-main' }, { type: 'tp-chain' }] }],
    extra: { binDir: plugins.bin, localStore: store, parallelAttach: false },
  });
  const braid = (command: string) =>
    runBraid({
      stdin,
      env: {
        ...plugins.env,
        ...cniEnv({
          command,
          containerId: 'c-lenient',
          netns: NETNS,
          ifname: 'eth0',
          args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
        }),
      },
    });
  const prevResult = (c: PluginCallLog) => JSON.parse(c.stdin).prevResult;
  let add: Awaited<ReturnType<typeof braid>>;

  beforeAll(async () => {
    add = await braid('ADD');
  });

  it('ADD succeeds and prints what could be understood, at the runtime version, with spec fields only', () => {
    expect([add.exitCode, add.exitCode ? add.stdout : '']).toEqual([0, '']);
    expect(add.json).toEqual({ ...MAIN_UNDERSTOOD, cniVersion: '1.1.0' });
  });

  it('hands the next plugin of the list the understood result as prevResult', () => {
    const chained = plugins.calls().find((c) => c.plugin === 'tp-chain' && c.command === 'ADD')!;
    expect(prevResult(chained)).toEqual(MAIN_UNDERSTOOD);
  });

  it('lists only pod-side interfaces and their addresses in the network-status', () => {
    expect(JSON.parse(readFileSync(statusFile, 'utf8'))).toEqual([
      {
        name: 'main-net',
        interface: 'eth0',
        ips: ['10.8.0.5', '10.8.0.6'],
        mac: '02:00:00:00:08:05',
        default: true,
        dns: { nameservers: ['10.8.0.53'] },
        gateway: ['10.8.0.1'],
      },
      { name: 'default/side', interface: 'net1', ips: ['10.9.0.5'], mac: '02:00:00:00:09:05' },
    ]);
  });

  it('logs what it left out at warn level, naming plugin and network, once per plugin', () => {
    const lines = add.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
    const leftOut = lines.filter((l) => l.problems);
    expect(leftOut.map((l) => [l.level, l.plugin, l.network])).toEqual([
      ['warn', 'tp-main', 'main-net'],
      ['warn', 'tp-side', 'default/side'],
    ]);
    expect(leftOut[0]!.problems).toEqual([
      expect.stringMatching(/^ips\[1\]\.interface: 3 /),
      expect.stringMatching(/^routes\[1\]: no "dst", dropped$/),
    ]);
    expect(leftOut[1]!.problems).toEqual(['dns: not an object, dropped']);
    for (const l of leftOut) expect(l.msg).toContain(`plugin "${l.plugin}" of network ${l.network}`);
  });

  it('DEL runs every plugin with the understood cached result and cleans everything up', async () => {
    plugins.resetCalls();
    const del = await braid('DEL');
    expect([del.exitCode, del.stdout]).toEqual([0, '']);
    const dels = plugins.calls().filter((c) => c.command === 'DEL');
    expect(dels.map((c) => c.plugin)).toEqual(['tp-side', 'tp-chain', 'tp-main']);
    for (const c of dels.filter((x) => x.plugin !== 'tp-side')) expect(prevResult(c)).toEqual(MAIN_UNDERSTOOD);
    expect(prevResult(dels[0]!)).toEqual({
      cniVersion: '0.4.0',
      interfaces: SIDE_RESULT.interfaces,
      ips: SIDE_RESULT.ips,
      routes: SIDE_RESULT.routes,
      dns: {},
    });
    expect(existsSync(statusFile)).toBe(false);
    expect(listFiles(cacheDir).filter((p) => !p.startsWith('.'))).toEqual([]);
    expect((await braid('DEL')).exitCode).toBe(0);
  });
});
