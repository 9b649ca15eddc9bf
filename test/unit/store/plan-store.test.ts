// Plan file names (issue 12): `<containerId>-<ifname>.json` let container "c-y" on eth0 and container "c" on
// "y-eth0" share one file, so a DEL of one tore down the other. Names are now unambiguous; plans saved under the
// old names are still read, but only by the attachment named inside them.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePlanStore } from '../../../src/store/plan-store.js';
import { PLAN_KIND, type SavedPlan } from '../../../src/engine/ports.js';

const plan = (containerId: string, ifname: string, netns = `/var/run/netns/${containerId}`): SavedPlan => ({
  kind: PLAN_KIND,
  containerId,
  ifname,
  netns,
  cniVersion: '1.1.0',
  args: [],
  path: ['/opt/cni/bin'],
  attachments: [],
});

let cacheDir: string;
let store: FilePlanStore;
const plansDir = () => join(cacheDir, 'plans');
/** The plan files (writes go through the directory's .tmp/, which stays empty). */
const planNames = () => readdirSync(plansDir()).filter((n) => n !== '.tmp');
/** A plan as braid before issue 12 saved it. */
const saveOld = (p: SavedPlan, name = `${p.containerId}-${p.ifname}.json`) => {
  mkdirSync(plansDir(), { recursive: true });
  writeFileSync(join(plansDir(), name), JSON.stringify(p));
};
const netnsOf = (containerId: string, ifname: string) => {
  const r = store.read(containerId, ifname);
  return 'plan' in r ? r.plan.netns : 'missing' in r ? 'missing' : 'corrupt';
};
const keys = () =>
  store
    .list()
    .map((p) => `${p.containerId}/${p.ifname}`)
    .sort();

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'braid-plans-'));
  store = new FilePlanStore(cacheDir);
});

afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('PlanStore names', () => {
  it.each([
    ['c-y', 'eth0', 'c', 'y-eth0'],
    ['a-b-c', 'net1', 'a-b', 'c-net1'],
    ['a', 'b-c-d', 'a-b-c', 'd'],
    ['a.b', 'c-d', 'a.b-c', 'd'],
    ['c', 'x-y', 'c', 'x:2Dy'],
    ['c:2Dy', 'eth0', 'c-y', 'eth0'],
    ['c', 'a/b', 'c', 'a:2Fb'],
  ])('%s on %s and %s on %s keep their own plans', (c1, if1, c2, if2) => {
    store.save(plan(c1, if1, 'ns-1'));
    store.save(plan(c2, if2, 'ns-2'));
    expect(netnsOf(c1, if1)).toBe('ns-1');
    expect(netnsOf(c2, if2)).toBe('ns-2');
    expect(keys()).toEqual([`${c1}/${if1}`, `${c2}/${if2}`].sort());
    store.remove(c2, if2);
    expect(netnsOf(c1, if1)).toBe('ns-1');
    expect(netnsOf(c2, if2)).toBe('missing');
  });

  it.each([
    ['a%2Fb', 'plain ifname with an escape in it'],
    ['a+b', 'plus'],
    ['eth0.100', 'a dot'],
    ['é1', 'non-ASCII'],
    ['a/b', 'a slash'],
    ['x:2Dy', 'what an escaped "-" looks like'],
  ])('ifname %j (%s) round-trips and stays in the plans directory', (ifname) => {
    store.save(plan('abc123', ifname, 'ns-x'));
    store.save(plan('abc123', 'eth0', 'ns-0'));
    expect(netnsOf('abc123', ifname)).toBe('ns-x');
    expect(netnsOf('abc123', 'eth0')).toBe('ns-0');
    expect(keys()).toEqual([`abc123/${ifname}`, 'abc123/eth0'].sort());
    expect(readdirSync(cacheDir)).toEqual(['plans']);
  });
});

describe('PlanStore: plans saved under the old names', () => {
  it('an ID and ifname without ":", "-" or "/" keep the name they had', () => {
    store.save(plan('0f3a9c', 'eth0'));
    store.save(plan('0f3a9c', 'net1.100'));
    expect(planNames().sort()).toEqual(['0f3a9c-eth0.json', '0f3a9c-net1.100.json']);
  });

  it.each([
    ['c-1', 'eth0'],
    ['abc', 'net-1'],
    ['a-b', 'c-d'],
  ])('%s on %s: read, listed and removed by the attachment they belong to', (containerId, ifname) => {
    saveOld(plan(containerId, ifname, 'ns-old'));
    expect(netnsOf(containerId, ifname)).toBe('ns-old');
    expect(keys()).toEqual([`${containerId}/${ifname}`]);
    store.remove(containerId, ifname);
    expect(netnsOf(containerId, ifname)).toBe('missing');
    expect(planNames()).toEqual([]);
  });

  it.each([
    ['c-y', 'eth0', 'c', 'y-eth0'],
    ['c', 'y-eth0', 'c-y', 'eth0'],
  ])('holding %s on %s, are not read nor removed for %s on %s', (owner, ownerIf, other, otherIf) => {
    saveOld(plan(owner, ownerIf, 'ns-owner'));
    expect(netnsOf(other, otherIf)).toBe('missing');
    store.remove(other, otherIf);
    expect(netnsOf(owner, ownerIf)).toBe('ns-owner');
    expect(keys()).toEqual([`${owner}/${ownerIf}`]);
  });

  it('give way to a plan saved since for the same attachment; remove takes both', () => {
    saveOld(plan('c-1', 'eth0', 'ns-old'));
    store.save(plan('c-1', 'eth0', 'ns-new'));
    expect(planNames()).toHaveLength(2);
    expect(netnsOf('c-1', 'eth0')).toBe('ns-new');
    expect(store.list().map((p) => p.netns)).toEqual(['ns-new']);
    store.remove('c-1', 'eth0');
    expect(netnsOf('c-1', 'eth0')).toBe('missing');
    expect(planNames()).toEqual([]);
  });

  it('a corrupt one is not read for anyone, nor removed', () => {
    saveOld(plan('c', 'x'), 'c-y-eth0.json');
    writeFileSync(join(plansDir(), 'c-y-eth0.json'), '{"kind":');
    expect(netnsOf('c-y', 'eth0')).toBe('missing');
    expect(netnsOf('c', 'y-eth0')).toBe('missing');
    store.remove('c', 'y-eth0');
    expect(planNames()).toEqual(['c-y-eth0.json']);
  });
});

describe('PlanStore: the IDs inside a plan', () => {
  it.each([
    ['another container', { containerId: 'other' }],
    ['another ifname', { ifname: 'net9' }],
    ['no containerId', { containerId: undefined }],
  ])("a plan file holding %s is not that attachment's plan", (_what, patch) => {
    store.save(plan('c1', 'eth0', 'ns-1'));
    const [name] = planNames();
    const file = join(plansDir(), name!);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...patch }));
    expect(['missing', 'corrupt']).toContain(netnsOf('c1', 'eth0'));
    expect(netnsOf('other', 'eth0')).toBe('missing');
    expect(netnsOf('c1', 'net9')).toBe('missing');
    expect(store.list()).toEqual([]);
  });

  it('list() finds every plan, old names and new, and nothing else', () => {
    store.save(plan('c-y', 'eth0'));
    store.save(plan('c', 'y-eth0'));
    store.save(plan('d1', 'net1'));
    saveOld(plan('e1', 'eth0'));
    saveOld(plan('f-1', 'net-2'));
    writeFileSync(join(plansDir(), 'broken.json'), '{');
    writeFileSync(join(plansDir(), 'notes.txt'), JSON.stringify(plan('g1', 'eth0')));
    writeFileSync(join(plansDir(), `.${'h1-eth0.json'}.1.2.tmp`), JSON.stringify(plan('h1', 'eth0')));
    expect(keys()).toEqual(['c-y/eth0', 'c/y-eth0', 'd1/net1', 'e1/eth0', 'f-1/net-2']);
  });
});

// Fuzz find plan-remove-bad-name: names no file can have are "missing", and removing them is nothing to do.
describe('PlanStore: IDs and ifnames that make no file name', () => {
  it.each([
    ['a container ID of 300 characters', 'x'.repeat(300), 'eth0'],
    ['an ifname with a NUL', 'c1', 'a\u0000b'],
    ['a container ID with a NUL', 'c\u00001', 'eth0'],
  ])('%s: read is missing, remove does not throw, other plans stay', (_, id, ifname) => {
    store.save(plan('c1', 'eth0', 'ns-1'));
    expect(store.read(id, ifname)).toEqual({ missing: true });
    expect(() => store.remove(id, ifname)).not.toThrow();
    expect(store.running(id, ifname)).toEqual([]);
    expect(netnsOf('c1', 'eth0')).toBe('ns-1');
  });

  it('an ID whose escaped name would pass 255 bytes is saved under a hashed name, and read, listed and removed', () => {
    const id = `a${'-'.repeat(127)}`; // 128 characters, each "-" escaped to 3 bytes
    store.save(plan(id, 'eth0-x', 'ns-long'));
    store.save(plan('c1', 'eth0', 'ns-1'));
    const names = planNames();
    for (const n of names) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(255);
    expect(names.some((n) => n.startsWith(':H'))).toBe(true);
    expect(netnsOf(id, 'eth0-x')).toBe('ns-long');
    expect(netnsOf(id, 'eth0-y')).toBe('missing');
    expect(keys()).toEqual([`${id}/eth0-x`, 'c1/eth0'].sort());
    const p = { pid: 4_194_304, startTime: 2 ** 53 - 1, pidNs: 4_026_531_836, plugin: 'bridge' };
    store.recordRunning(id, 'eth0-x', p);
    expect(store.running(id, 'eth0-x')).toEqual([p]);
    store.forgetRunning(id, 'eth0-x', p);
    store.remove(id, 'eth0-x');
    expect(netnsOf(id, 'eth0-x')).toBe('missing');
    expect(keys()).toEqual(['c1/eth0']);
  });
});
