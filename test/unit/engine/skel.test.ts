// The process boundary as values: runSkel over the engine's `handle`, driven with an env map and a stdin string,
// stdout collected in a string. What a runtime would read back, byte for byte, and the exit code.
import type { JsonObject } from '../../../src/cni/types.js';
import { cniFailure, EngineHarness } from '../../support/engine-harness.js';

const A_RESULT = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:aa', sandbox: '/var/run/netns/fake' }],
  ips: [{ address: '10.7.0.5/24', gateway: '10.7.0.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.7.0.1' }],
  dns: { nameservers: ['10.7.0.53'] },
};
const NETWORKS = {
  delegates: [
    { cniVersion: '1.0.0', name: 'main-net', type: 'main' },
    { cniVersion: '1.0.0', name: 'side-net', type: 'side' },
  ],
};
const SUPPORTED = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

let h: EngineHarness;
beforeEach(() => {
  h = new EngineHarness(['main', 'side']);
  h.plugins.answer('main', 'ADD', { result: A_RESULT });
});
afterEach(() => h.cleanup());

const stdin = (extra: JsonObject = {}) => JSON.stringify(h.stdin({ ...NETWORKS, ...extra }));

describe('runSkel over handle: answers', () => {
  it.each([
    // [runtime version, what braid prints], keys in the order braid writes them
    [
      '1.1.0',
      {
        cniVersion: '1.1.0',
        interfaces: A_RESULT.interfaces,
        ips: [{ interface: 0, address: '10.7.0.5/24', gateway: '10.7.0.1' }],
        routes: A_RESULT.routes,
        dns: A_RESULT.dns,
      },
    ],
    [
      '1.0.0',
      {
        cniVersion: '1.0.0',
        interfaces: A_RESULT.interfaces,
        ips: [{ interface: 0, address: '10.7.0.5/24', gateway: '10.7.0.1' }],
        routes: A_RESULT.routes,
        dns: A_RESULT.dns,
      },
    ],
    [
      '0.4.0',
      {
        cniVersion: '0.4.0',
        interfaces: A_RESULT.interfaces,
        ips: [{ version: '4', interface: 0, address: '10.7.0.5/24', gateway: '10.7.0.1' }],
        routes: A_RESULT.routes,
        dns: A_RESULT.dns,
      },
    ],
    [
      '0.3.1',
      {
        cniVersion: '0.3.1',
        interfaces: A_RESULT.interfaces,
        ips: [{ version: '4', interface: 0, address: '10.7.0.5/24', gateway: '10.7.0.1' }],
        routes: A_RESULT.routes,
        dns: A_RESULT.dns,
      },
    ],
  ])("ADD at %s prints the default network's result at that version", async (version, printed) => {
    const out = await h.skel(h.env('ADD'), stdin({ cniVersion: version }));
    expect(out).toEqual({ exitCode: 0, stdout: JSON.stringify(printed), stderr: '' });
    expect(h.calls()).toEqual(['main ADD eth0', 'side ADD net1']);
  });

  it('DEL prints nothing and exits 0; the plan and cache entries are gone', async () => {
    await h.skel(h.env('ADD'), stdin());
    h.plugins.resetCalls();
    const out = await h.skel(h.env('DEL'), stdin());
    expect(out).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(h.calls()).toEqual(['side DEL net1', 'main DEL eth0']);
    expect([h.planFiles(), h.resultFiles()]).toEqual([[], []]);
  });

  it('DEL needs no CNI_NETNS', async () => {
    const env = { ...h.env('DEL'), CNI_NETNS: undefined };
    const out = await h.skel(env, stdin());
    expect(out).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(h.calls()).toEqual(['side DEL net1', 'main DEL eth0']); // no record: the configured networks
  });

  it('CHECK after ADD checks every attachment in order with its cached result and prints nothing', async () => {
    await h.skel(h.env('ADD'), stdin());
    h.plugins.resetCalls();
    const out = await h.skel(h.env('CHECK'), stdin());
    expect(out).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(h.calls()).toEqual(['main CHECK eth0', 'side CHECK net1']);
    expect(h.stdinOf('main', 'CHECK')[0]!.prevResult).toEqual(A_RESULT);
  });

  it('VERSION is answered by the skel alone, with no stdin and no delegate', async () => {
    const out = await h.skel({ CNI_COMMAND: 'VERSION' }, '');
    expect(out).toEqual({
      exitCode: 0,
      stdout: JSON.stringify({ cniVersion: '1.1.0', supportedVersions: SUPPORTED }),
      stderr: '',
    });
    expect(h.calls()).toEqual([]);
  });
});

describe('runSkel over handle: errors print the CNI error JSON on stdout and exit 1', () => {
  const ok = () => h.env('ADD');
  it.each([
    [
      'an unknown command',
      () => ({ ...ok(), CNI_COMMAND: 'FOO' }),
      () => stdin({ cniVersion: '1.0.0' }),
      {
        cniVersion: '1.0.0',
        code: 4,
        msg: 'unknown CNI_COMMAND "FOO": expected one of ADD, DEL, CHECK, VERSION, STATUS, GC',
      },
    ],
    [
      'no CNI_COMMAND',
      () => ({ ...ok(), CNI_COMMAND: undefined }),
      () => stdin(),
      { cniVersion: '1.1.0', code: 4, msg: 'required env variables [CNI_COMMAND] missing' },
    ],
    [
      'ADD without CNI_NETNS and CNI_PATH',
      () => ({ ...ok(), CNI_NETNS: undefined, CNI_PATH: '' }),
      () => stdin(),
      { cniVersion: '1.1.0', code: 4, msg: 'required env variables [CNI_NETNS CNI_PATH] missing' },
    ],
    [
      'a container ID libcni would refuse',
      () => ({ ...ok(), CNI_CONTAINERID: '-c1' }),
      () => stdin(),
      {
        cniVersion: '1.1.0',
        code: 4,
        msg: 'CNI_CONTAINERID "-c1" must start with a letter or digit and hold only letters, digits, "_", "." and "-"',
      },
    ],
    [
      'an interface name too long',
      () => ({ ...ok(), CNI_IFNAME: 'a-very-long-ifname' }),
      () => stdin(),
      {
        cniVersion: '1.1.0',
        code: 4,
        msg: 'CNI_IFNAME "a-very-long-ifname" is 18 bytes long, more than the kernel\'s limit of 15',
      },
    ],
    [
      'CNI_ARGS that are not KEY=VALUE',
      () => ({ ...ok(), CNI_ARGS: 'K8S_POD_NAME=p1;novalue' }),
      () => stdin(),
      { cniVersion: '1.1.0', code: 4, msg: 'CNI_ARGS: "novalue" is not KEY=VALUE' },
    ],
    [
      'an empty stdin',
      ok,
      () => '',
      { cniVersion: '1.1.0', code: 6, msg: 'stdin is empty: the runtime must pass the network configuration as JSON' },
    ],
    [
      'a stdin that is a JSON array',
      ok,
      () => '[]',
      { cniVersion: '1.1.0', code: 6, msg: 'network configuration on stdin must be a JSON object' },
    ],
    [
      'a configuration version braid does not speak',
      ok,
      () => stdin({ cniVersion: '0.2.0' }),
      {
        cniVersion: '1.1.0',
        code: 1,
        msg: 'incompatible CNI versions',
        details: 'config is "0.2.0", braid supports ["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]',
      },
    ],
    [
      'CHECK in a 0.3.1 configuration',
      () => ({ ...ok(), CNI_COMMAND: 'CHECK' }),
      () => stdin({ cniVersion: '0.3.1' }),
      {
        cniVersion: '0.3.1',
        code: 1,
        msg: 'config version does not allow CHECK',
        details: 'CHECK needs cniVersion 0.4.0 or later; the configuration says "0.3.1"',
      },
    ],
    [
      'GC in a 1.0.0 configuration',
      () => ({ ...ok(), CNI_COMMAND: 'GC' }),
      () => stdin({ cniVersion: '1.0.0', 'cni.dev/valid-attachments': [] }),
      {
        cniVersion: '1.0.0',
        code: 1,
        msg: 'config version does not allow GC',
        details: 'GC needs cniVersion 1.1.0 or later; the configuration says "1.0.0"',
      },
    ],
    [
      "an unknown key in braid's configuration",
      ok,
      () => stdin({ clusterNetwrok: 'x' }),
      {
        cniVersion: '1.1.0',
        code: 7,
        msg: 'invalid braid configuration: unknown key "clusterNetwrok"; did you mean "clusterNetwork"?',
        details: 'see docs/configuration.md for the keys braid accepts',
      },
    ],
    [
      'CHECK of a container braid has no record of',
      () => ({ ...ok(), CNI_COMMAND: 'CHECK' }),
      () => stdin(),
      { cniVersion: '1.1.0', code: 3, msg: 'CHECK: braid has no record of container c1 on eth0' },
    ],
    [
      'GC without the valid-attachments list',
      () => ({ ...ok(), CNI_COMMAND: 'GC' }),
      () => stdin(),
      { cniVersion: '1.1.0', code: 7, msg: 'GC needs "cni.dev/valid-attachments" in the configuration' },
    ],
  ])('%s', async (_name, env, input, printed) => {
    const out = await h.skel(env(), input());
    expect(out).toEqual({ exitCode: 1, stdout: JSON.stringify(printed), stderr: '' });
    expect(h.calls()).toEqual([]);
    expect(h.planFiles()).toEqual([]);
  });

  it('stdin that is not JSON: decode failure at the current version', async () => {
    const out = await h.skel(ok(), '{"cniVersion":');
    expect(out.exitCode).toBe(1);
    const printed = JSON.parse(out.stdout) as JsonObject;
    expect(Object.keys(printed)).toEqual(['cniVersion', 'code', 'msg']);
    expect(printed).toMatchObject({ cniVersion: '1.1.0', code: 6 });
    expect(String(printed.msg)).toMatch(/^network configuration on stdin is not valid JSON: /);
  });

  it("a delegate's ADD error reaches stdout with its code, prefixed with where, at the runtime's version", async () => {
    h.plugins.answer('side', 'ADD', cniFailure(100, 'no VLAN here'));
    const out = await h.skel(
      h.env('ADD', { args: 'K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1' }),
      stdin({ cniVersion: '1.0.0' }),
    );
    expect(out).toEqual({
      exitCode: 1,
      stdout: JSON.stringify({
        cniVersion: '1.0.0',
        code: 100,
        msg: 'container c1: network side-net (net1): plugin type="side" name="side-net" failed (add): no VLAN here',
      }),
      stderr: '',
    });
    expect(h.calls()).toEqual(['main ADD eth0', 'side ADD net1', 'side DEL net1', 'main DEL eth0']);
    expect([h.planFiles(), h.resultFiles()]).toEqual([[], []]);
  });

  it('a delegate missing from every search path: configuration error with a hint, and the rollback still runs', async () => {
    const out = await h.skel(
      h.env('ADD'),
      stdin({ delegates: [NETWORKS.delegates[0], { cniVersion: '1.0.0', name: 'ghost-net', type: 'ghost' }] }),
    );
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      cniVersion: '1.1.0',
      code: 7,
      msg: `container c1: network ghost-net (net1): plugin type="ghost" name="ghost-net" failed (add): failed to find plugin "ghost" in path [${h.plugins.bin}]`,
      details: 'install the plugin binary into binDir or a CNI_PATH directory, or fix the "type" in the network config',
    });
    expect(h.calls()).toEqual(['main ADD eth0', 'main DEL eth0']);
    expect(h.planFiles()).toEqual([]);
  });
});

// Fuzz finds plan-remove-bad-name and request-ids-unchecked: IDs libcni refuses are code 4 for ADD and CHECK, and a
// DEL of them is a no-op (no ADD can have attached anything under them: docs/adr/0008), never a 999 retried forever.
describe('runSkel over handle: container IDs and interface names no ADD accepts', () => {
  it.each([
    ['a container ID of 300 characters', { CNI_CONTAINERID: 'x'.repeat(300) }, 'CNI_CONTAINERID'],
    ['a container ID with a "/"', { CNI_CONTAINERID: 'a/b' }, 'CNI_CONTAINERID'],
    ['an ifname with a NUL', { CNI_IFNAME: 'a\u0000b' }, 'CNI_IFNAME'],
    ['an ifname of 15 characters but 30 bytes', { CNI_IFNAME: 'é'.repeat(15) }, 'CNI_IFNAME'],
  ])('%s: ADD and CHECK are code 4 naming %s, DEL exits 0 and runs nothing', async (_, bad, variable) => {
    for (const command of ['ADD', 'CHECK']) {
      const out = await h.skel({ ...h.env(command), ...bad }, stdin());
      expect(out.exitCode).toBe(1);
      expect(JSON.parse(out.stdout)).toMatchObject({ code: 4, msg: expect.stringContaining(`${variable} "`) });
    }
    const del = await h.skel({ ...h.env('DEL'), ...bad }, stdin());
    expect(del).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(h.calls()).toEqual([]);
    expect(h.planFiles()).toEqual([]);
  });
});
