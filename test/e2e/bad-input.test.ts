// Bad input, each in its own test: the CNI error code and a message that says what to fix on stdout, exit 1,
// and nothing left behind (no cache file, no interface in the pod, no host-local lease).
// Delegate failures run after a real bridge delegate, so "nothing left" also proves the rollback.
import { join } from 'node:path';
import { bridge } from '../support/delegates.js';
import {
  braidConfig,
  cniEnv,
  leases,
  leftoverNetns,
  listFiles,
  NetnsLab,
  podLinks,
  runBraid,
  TempDir,
} from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

const lab = new NetnsLab();
const tmp = new TempDir();
afterAll(() => {
  lab.cleanup();
  tmp.remove();
  expect(leftoverNetns(lab.prefix)).toEqual([]);
});

interface Case {
  name: string;
  code: number;
  /** What the message (msg, then details) must say. */
  says: RegExp;
  /** Builds the request from a fresh case setup. */
  req: (c: Setup) => { env: Record<string, string>; stdin: unknown };
  /** The runtime's follow-up DEL with the same config must exit 0 and still leave nothing. */
  delAfter?: boolean;
}

interface Setup {
  dir: string;
  pod: string;
  plugins: TestPlugins;
  conf: (delegates: unknown[], extra?: Record<string, unknown>) => unknown;
  env: (over?: Record<string, string | undefined>) => Record<string, string>;
}

function setup(name: string): Setup & { node: string } {
  const dir = tmp.sub(name);
  const node = lab.node();
  const pod = lab.pod();
  const plugins = new TestPlugins(dir, ['crash', 'garbage', 'hang', 'failing']);
  plugins.answer('crash', 'ADD', { exitCode: 2, stderr: 'panic: runtime error\n' });
  plugins.answer('garbage', 'ADD', { stdout: 'hello, I am not JSON' });
  plugins.answer('hang', 'ADD', { sleep: 30 });
  plugins.answer('failing', 'ADD', {
    exitCode: 1,
    result: { cniVersion: '1.0.0', code: 117, msg: 'no VLAN left on trunk0', details: 'free one' },
  });
  const conf = (delegates: unknown[], extra: Record<string, unknown> = {}) =>
    braidConfig({
      cniVersion: '1.1.0',
      cacheDir: join(dir, 'cache'),
      delegates,
      extra: { binDir: plugins.bin, pluginTimeoutSeconds: 1, ...extra },
    });
  const env = (over: Record<string, string | undefined> = {}) => {
    const base = {
      ...cniEnv({ command: 'ADD', containerId: 'c1', netns: pod, ifname: 'eth0', path: `${plugins.bin}:/usr/lib/cni` }),
      ...plugins.env,
      ...over,
    };
    return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
  };
  return { dir, node, pod, plugins, conf, env };
}

/** Nothing left: no result cache or plan file, only lo in the pod, no lease in any host-local network. */
function expectNothingLeft(s: Setup): void {
  expect(listFiles(join(s.dir, 'cache'))).toEqual([]);
  expect(podLinks(s.pod).map((l) => l.ifname)).toEqual(['lo']);
  const ipam = join(s.dir, 'ipam');
  const nets = [...new Set(listFiles(ipam).map((f) => f.split('/')[0]!))];
  for (const net of nets) expect(leases(ipam, net)).toEqual([]);
}

const withBridge = (s: Setup, second: unknown) => s.conf([bridge('1.0.0', s.dir), second]);
const bad = (type: string) => ({ cniVersion: '1.0.0', name: `${type.replace(/\W/g, '') || 'x'}-net`, type });

const cases: Case[] = [
  {
    name: 'missing env variables',
    code: 4,
    says: /required env variables \[CNI_NETNS CNI_IFNAME\] missing/,
    req: (s) => ({
      env: s.env({ CNI_NETNS: undefined, CNI_IFNAME: undefined }),
      stdin: s.conf([bridge('1.0.0', s.dir)]),
    }),
  },
  {
    name: 'stdin that is not JSON',
    code: 6,
    says: /not valid JSON/,
    req: (s) => ({ env: s.env(), stdin: '{"cniVersion": "1.1.0", oops' }),
  },
  {
    name: 'empty stdin',
    code: 6,
    says: /stdin is empty.*must pass the network configuration/,
    req: (s) => ({ env: s.env(), stdin: '' }),
  },
  {
    name: 'a delegate config without type',
    code: 7,
    says: /delegates\[1\].*neither "type" nor "plugins"/,
    req: (s) => ({ env: s.env(), stdin: withBridge(s, { cniVersion: '1.0.0', name: 'untyped' }) }),
  },
  {
    name: 'an unknown braid cniVersion',
    code: 1,
    says: /incompatible CNI versions.*"9\.9\.9".*1\.1\.0/,
    req: (s) => ({ env: s.env(), stdin: { ...(s.conf([bridge('1.0.0', s.dir)]) as object), cniVersion: '9.9.9' } }),
  },
  {
    name: 'a delegate type "../../bin/sh"',
    code: 7,
    says: /delegates\[1\].*"\.\.\/\.\.\/bin\/sh" must be a plain binary name/,
    req: (s) => ({ env: s.env(), stdin: withBridge(s, bad('../../bin/sh')) }),
  },
  {
    name: 'a delegate binary that does not exist',
    code: 7,
    says: /nosuch-net.*net1.*failed to find plugin "nosuch".*install the plugin/,
    req: (s) => ({ env: s.env(), stdin: withBridge(s, bad('nosuch')) }),
  },
  {
    name: 'a delegate that crashes with no output',
    code: 999,
    says: /crash-net.*net1.*"crash" \(ADD\) exited with status 2 without a CNI error.*panic: runtime error/,
    req: (s) => ({ env: s.env(), stdin: withBridge(s, bad('crash')) }),
    delAfter: true,
  },
  {
    name: 'a delegate that prints garbage',
    code: 6,
    says: /garbage-net.*net1.*printed output that is not JSON: hello, I am not JSON/,
    req: (s) => ({ env: s.env(), stdin: withBridge(s, bad('garbage')) }),
    delAfter: true,
  },
  {
    name: 'a delegate that hangs',
    code: 11,
    says: /hang-net.*net1.*did not answer within 1s and was killed.*raise "pluginTimeoutSeconds"/,
    req: (s) => ({ env: s.env(), stdin: withBridge(s, bad('hang')) }),
    delAfter: true,
  },
  {
    name: 'an interface name of 16 characters',
    code: 4,
    says: /CNI_IFNAME "eth0123456789abc" is 16 bytes long, more than the kernel's limit of 15/,
    req: (s) => ({ env: s.env({ CNI_IFNAME: 'eth0123456789abc' }), stdin: s.conf([bridge('1.0.0', s.dir)]) }),
  },
  {
    name: "an unknown key in braid's config",
    code: 7,
    says: /unknown key "delegate".*configuration\.md/,
    req: (s) => ({ env: s.env(), stdin: s.conf([bridge('1.0.0', s.dir)], { delegate: [] }) }),
  },
];

describe('bad input', () => {
  it.each(cases)('$name → code $code', async ({ name, code, says, req, delAfter }) => {
    const s = setup(name);
    const started = Date.now();
    const r = await runBraid({ node: s.node, ...req(s) });
    expect({ exitCode: r.exitCode, code: r.json?.code }).toEqual({ exitCode: 1, code });
    expect(r.json.cniVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(`${r.json.msg} | ${r.json.details ?? ''}`).toMatch(says);
    expect(Date.now() - started).toBeLessThan(15_000); // a hang is bounded by pluginTimeoutSeconds, not by the plugin
    expectNothingLeft(s);
    if (delAfter) {
      const { env, stdin } = req(s);
      const del = await runBraid({ node: s.node, stdin, env: { ...env, CNI_COMMAND: 'DEL' } });
      expect([del.exitCode, del.stdout]).toEqual([0, '']);
      expectNothingLeft(s);
    }
  });

  it('a failing second delegate after a real first one rolls back: address released, eth0 gone, the delegate error kept', async () => {
    const s = setup('rollback');
    const r = await runBraid({
      node: s.node,
      env: s.env(),
      stdin: s.conf([bridge('1.0.0', s.dir), bad('failing')], { parallelAttach: false }),
    });
    expect([r.exitCode, r.json.code, r.json.details]).toEqual([1, 117, 'free one']);
    expect(r.json.msg).toMatch(/^container c1: network failing-net \(net1\): .*no VLAN left on trunk0$/);
    // the bridge really allocated an address (host-local wrote last_reserved_ip) and gave it back
    expect(listFiles(join(s.dir, 'ipam', 'br-net'))).toContain('last_reserved_ip.0');
    expectNothingLeft(s);
    expect(s.plugins.order()).toEqual(['failing ADD', 'failing DEL']);
  });
});
