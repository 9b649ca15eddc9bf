// Delegate chaining as libcni does it, observed through the scriptable test plugin (really exec'd):
// ADD in order with prevResult, DEL in reverse with the cached result, capabilities → runtimeConfig,
// CNI_ARGS with IgnoreUnknown=1, name/cniVersion injected, stdin keys sorted as Go's encoding/json does.
import { join } from 'node:path';
import { braidConfig, cniEnv, listFiles, runBraid, TempDir } from '../support/netns.js';
import { TestPlugins, type PluginCallLog } from '../support/test-plugin.js';

const tmp = new TempDir();
afterAll(() => tmp.remove());

const A_RESULT = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:aa', sandbox: '/var/run/netns/fake' }],
  ips: [{ address: '10.7.0.5/24', gateway: '10.7.0.1', interface: 0 }],
  dns: {},
};

const chain = {
  cniVersion: '1.0.0',
  name: 'chain-net',
  plugins: [
    { type: 'tp-a', zeta: 1, alpha: { z: true, a: [{ y: 1, b: 2 }] } },
    { type: 'tp-b', capabilities: { portMappings: true, bandwidth: false } },
    { type: 'tp-c', capabilities: { mac: true } },
  ],
};

const runtimeConfig = {
  portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  bandwidth: { ingressRate: 1 },
};

function keysSorted(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(keysSorted);
  if (v === null || typeof v !== 'object') return true;
  const keys = Object.keys(v);
  return keys.join() === [...keys].sort().join() && Object.values(v).every(keysSorted);
}

describe('delegate chaining through the test plugin', () => {
  const dir = tmp.sub('chain');
  const plugins = new TestPlugins(dir, ['tp-a', 'tp-b', 'tp-c', 'tp-side']);
  plugins.answer('tp-a', 'ADD', { result: A_RESULT });
  const stdin = braidConfig({
    cniVersion: '1.1.0',
    cacheDir: join(dir, 'cache'),
    delegates: [chain, { cniVersion: '0.4.0', name: 'side-net', type: 'tp-side' }],
    extra: { binDir: plugins.bin, runtimeConfig, parallelAttach: false },
  });
  const braid = (command: string, args = 'K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1') =>
    runBraid({
      stdin,
      env: {
        ...plugins.env,
        ...cniEnv({ command, containerId: 'c9', netns: '/var/run/netns/fake', ifname: 'eth0', args }),
      },
    });
  const parsed = (c: PluginCallLog) => JSON.parse(c.stdin);
  let addCalls: PluginCallLog[] = [];

  beforeAll(async () => {
    const add = await braid('ADD');
    expect([add.exitCode, add.stderr]).toEqual([0, '']);
    expect(add.json).toEqual({ ...A_RESULT, cniVersion: '1.1.0' }); // tp-b and tp-c pass prevResult through
    addCalls = plugins.calls().filter((c) => c.command === 'ADD');
  });

  it('runs ADD in order, each plugin getting the previous result as prevResult', () => {
    expect(addCalls.map((c) => `${c.plugin} ${c.ifname}`)).toEqual([
      'tp-a eth0',
      'tp-b eth0',
      'tp-c eth0',
      'tp-side net1',
    ]);
    expect(parsed(addCalls[0]!)).not.toHaveProperty('prevResult');
    expect(parsed(addCalls[1]!).prevResult).toEqual(A_RESULT);
    expect(parsed(addCalls[2]!).prevResult).toEqual(A_RESULT);
    expect(parsed(addCalls[3]!)).not.toHaveProperty('prevResult');
  });

  it('injects name and cniVersion from the list into every plugin config', () => {
    expect(addCalls.map((c) => [parsed(c).name, parsed(c).cniVersion])).toEqual([
      ['chain-net', '1.0.0'],
      ['chain-net', '1.0.0'],
      ['chain-net', '1.0.0'],
      ['side-net', '0.4.0'],
    ]);
  });

  it('gives runtimeConfig only to plugins declaring the capability, and only those keys', () => {
    expect(addCalls.map((c) => parsed(c).runtimeConfig)).toEqual([
      undefined,
      { portMappings: runtimeConfig.portMappings },
      undefined,
      undefined,
    ]);
  });

  it('passes the runtime CNI_ARGS with IgnoreUnknown=1 in front to every delegate', async () => {
    for (const c of addCalls) expect(c.args).toBe('IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1');
    for (const c of addCalls) expect([c.containerId, c.netns]).toEqual(['c9', '/var/run/netns/fake']);
  });

  it('writes stdin with keys sorted at every depth, as libcni re-marshals through a Go map', () => {
    for (const c of addCalls) expect(keysSorted(parsed(c))).toBe(true);
    expect(addCalls[0]!.stdin).toBe(
      '{"alpha":{"a":[{"b":2,"y":1}],"z":true},"cniVersion":"1.0.0","name":"chain-net","type":"tp-a","zeta":1}',
    );
  });

  it('runs CHECK in order with the cached result, then DEL in reverse with it, and forgets the container', async () => {
    plugins.resetCalls();
    const check = await braid('CHECK');
    expect([check.exitCode, check.stdout]).toEqual([0, '']);
    const del = await braid('DEL');
    expect([del.exitCode, del.stdout]).toEqual([0, '']);
    const calls = plugins.calls().filter((c) => c.command !== 'VERSION');
    expect(calls.map((c) => `${c.plugin} ${c.command}`)).toEqual([
      'tp-a CHECK',
      'tp-b CHECK',
      'tp-c CHECK',
      'tp-side CHECK',
      'tp-side DEL',
      'tp-c DEL',
      'tp-b DEL',
      'tp-a DEL',
    ]);
    for (const c of calls.filter((x) => x.plugin !== 'tp-side')) expect(parsed(c).prevResult).toEqual(A_RESULT);
    const sidePrev = parsed(calls.find((c) => c.plugin === 'tp-side')!).prevResult;
    expect(sidePrev).toMatchObject({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.123.0.2/24' }] });
    expect(listFiles(join(dir, 'cache'))).toEqual([]);
  });

  it('gives IgnoreUnknown=1 alone when the runtime sends no CNI_ARGS', async () => {
    plugins.resetCalls();
    const r = await runBraid({
      stdin,
      env: { ...plugins.env, ...cniEnv({ command: 'DEL', containerId: 'c10', netns: '/x', ifname: 'eth0' }) },
    });
    expect(r.exitCode).toBe(0);
    const calls = plugins.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.args).toBe('IgnoreUnknown=1');
  });
});

describe('DEL with parallelAttach', () => {
  const dir = tmp.sub('parallel-del');
  const plugins = new TestPlugins(dir, ['tp-main', 'tp-s1', 'tp-s2']);
  const stdin = braidConfig({
    cniVersion: '1.1.0',
    cacheDir: join(dir, 'cache'),
    delegates: [
      { cniVersion: '1.0.0', name: 'main-net', type: 'tp-main' },
      { cniVersion: '1.0.0', name: 's1', type: 'tp-s1' },
      { cniVersion: '1.0.0', name: 's2', type: 'tp-s2' },
    ],
    extra: { binDir: plugins.bin, parallelAttach: true },
  });
  const braid = (command: string) =>
    runBraid({
      stdin,
      env: { ...plugins.env, ...cniEnv({ command, containerId: 'c11', netns: '/var/run/netns/fake', ifname: 'eth0' }) },
    });

  it('removes every network at once, the default network too, and forgets the container', async () => {
    expect((await braid('ADD')).exitCode).toBe(0);
    plugins.resetCalls();
    // each waits until all three are running: one after another, the first would give up
    for (const p of ['tp-main', 'tp-s1', 'tp-s2']) plugins.answer(p, 'DEL', { barrier: 3 });
    expect((await braid('DEL')).exitCode).toBe(0);
    const dels = plugins
      .calls()
      .filter((c) => c.command === 'DEL')
      .map((c) => `${c.plugin} ${c.ifname}`);
    expect([...dels].sort()).toEqual(['tp-main eth0', 'tp-s1 net1', 'tp-s2 net2']);
    expect(listFiles(join(dir, 'cache'))).toEqual([]);
  });
});
