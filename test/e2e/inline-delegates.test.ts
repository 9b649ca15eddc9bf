// braid with inline delegates, driving the real plugins from /usr/lib/cni in namespaces this file creates.
// Each case: the default delegate on eth0 plus a ptp "side" delegate on net1; ADD, CHECK, DEL, DEL again,
// and DEL of a container braid never saw. Delegates speak 0.4.0 or 1.0.0, braid is asked at 1.1.0 or 0.3.1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridge, bridgeTuning, macvlan, macvlanStatic, ptp, side, TUNED_SYSCTL } from '../support/delegates.js';
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
  type BraidRun,
} from '../support/netns.js';
import { execFileSync } from 'node:child_process';

interface Scenario {
  /** The default delegate, at delegate version `v`, with state in `dir`. */
  make: (v: string, dir: string) => { name: string };
  /** host-local networks whose leases must be released by DEL. */
  hostLocal: string[];
  /** Extra state dirs (inside the case dir) that DEL must leave empty. */
  stateDirs?: string[];
  afterAdd?: (pod: string) => void;
}

const scenarios: Record<string, Scenario> = {
  'bridge + host-local': { make: (v, d) => bridge(v, d), hostLocal: ['br-net'] },
  'macvlan on a veth master': { make: (v, d) => macvlan(v, d), hostLocal: ['mv-net'] },
  ptp: { make: (v, d) => ptp(v, d), hostLocal: ['ptp-net'] },
  'static IPAM (macvlan)': { make: (v) => macvlanStatic(v), hostLocal: [] },
  'bridge + tuning conflist': {
    make: (v, d) => bridgeTuning(v, d),
    hostLocal: ['tuned-net'],
    stateDirs: ['tuning'],
    afterAdd: (pod) => {
      const value = execFileSync('ip', ['netns', 'exec', pod, 'sysctl', '-n', TUNED_SYSCTL]).toString().trim();
      expect(value).toBe('1');
    },
  },
};

const cases = Object.keys(scenarios).flatMap((scenario) =>
  ['0.4.0', '1.0.0'].flatMap((delegateVersion) =>
    ['1.1.0', '0.3.1'].map((braidVersion) => ({ scenario, delegateVersion, braidVersion })),
  ),
);

/** What the spec says braid must print: the delegate's result, re-versioned (0.3.x/0.4.0 carry ips[].version). */
type RawResult = { ips: Array<Record<string, unknown>>; dns?: unknown } & Record<string, unknown>;
function converted(raw: RawResult, version: string) {
  const legacy = version.startsWith('0.');
  return {
    ...raw,
    cniVersion: version,
    ips: raw.ips.map((ip) => {
      const rest = { ...ip };
      delete rest.version;
      return legacy ? { version: '4', ...rest } : rest;
    }),
    dns: raw.dns ?? {},
  };
}

const cachedResult = (cacheDir: string, net: string, cid: string, ifname: string) =>
  JSON.parse(readFileSync(join(cacheDir, 'results', `${net}-${cid}-${ifname}`), 'utf8'));

/** CHECK and DEL succeed silently: exit 0, nothing on stdout, nothing logged. */
const ok = (r: BraidRun) =>
  expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ exitCode: 0, stdout: '', stderr: '' });

describe('inline delegates with real plugins', () => {
  const lab = new NetnsLab();
  const tmp = new TempDir();

  afterAll(() => {
    lab.cleanup();
    tmp.remove();
    expect(leftoverNetns(lab.prefix)).toEqual([]);
  });

  it.concurrent.each(cases)(
    '$scenario: delegates at $delegateVersion, braid asked at $braidVersion',
    async ({ scenario, delegateVersion, braidVersion }) => {
      const s = scenarios[scenario]!;
      const node = lab.node();
      const pod = lab.pod();
      const dir = tmp.sub(`${scenario}-${delegateVersion}-${braidVersion}`);
      const cacheDir = join(dir, 'cache');
      const main = s.make(delegateVersion, dir);
      const stdin = braidConfig({ cniVersion: braidVersion, cacheDir, delegates: [main, side(delegateVersion, dir)] });
      const cid = 'c1';
      const braid = (command: string, containerId = cid) =>
        runBraid({
          node,
          stdin,
          env: cniEnv({
            command,
            containerId,
            netns: pod,
            ifname: 'eth0',
            args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
          }),
        });

      // ADD prints the default delegate's result, converted to braid's version.
      const add = await braid('ADD');
      expect({ exitCode: add.exitCode, stdout: add.exitCode ? add.stdout + add.stderr : 'ok' }).toEqual({
        exitCode: 0,
        stdout: 'ok',
      });
      const raw = cachedResult(cacheDir, main.name, cid, 'eth0').result;
      expect(raw.cniVersion).toBe(delegateVersion); // the delegate kept its own version
      expect(add.json).toEqual(converted(raw, braidVersion));
      for (const ip of add.json.ips) expect('version' in ip).toBe(braidVersion.startsWith('0.'));

      // The interfaces are in the pod, with the addresses and MAC the result reports.
      const links = podLinks(pod);
      expect(links.map((l) => l.ifname).sort()).toEqual(['eth0', 'lo', 'net1']);
      const eth0 = links.find((l) => l.ifname === 'eth0')!;
      expect(eth0.ipv4).toEqual(add.json.ips.map((ip: { address: string }) => ip.address));
      expect(add.json.interfaces.find((i: { sandbox?: string }) => i.sandbox)?.mac).toBe(eth0.mac);
      const sideRaw = cachedResult(cacheDir, 'side-net', cid, 'net1').result;
      expect(links.find((l) => l.ifname === 'net1')!.ipv4).toEqual([sideRaw.ips[0].address]);
      for (const net of s.hostLocal) expect(leases(join(dir, 'ipam'), net)).toHaveLength(1);
      s.afterAdd?.(pod);

      // CHECK: allowed from 0.4.0 on; a 0.3.1 runtime gets skel's "does not allow CHECK" (code 1).
      const check = await braid('CHECK');
      if (braidVersion === '0.3.1') {
        expect([check.exitCode, check.json?.code, check.json?.msg]).toEqual([
          1,
          1,
          'config version does not allow CHECK',
        ]);
      } else {
        ok(check);
      }

      // DEL removes interfaces, cache entries, the plan and the leases; DEL is idempotent.
      ok(await braid('DEL'));
      expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
      expect(listFiles(join(cacheDir, 'results'))).toEqual([]);
      expect(listFiles(join(cacheDir, 'plans'))).toEqual([]);
      for (const net of [...s.hostLocal, 'side-net']) expect(leases(join(dir, 'ipam'), net)).toEqual([]);
      for (const d of s.stateDirs ?? []) expect(listFiles(join(dir, d))).toEqual([]);
      ok(await braid('DEL'));
      ok(await braid('DEL', 'never-added'));
      expect(listFiles(join(cacheDir, 'results'))).toEqual([]);
    },
  );
});
