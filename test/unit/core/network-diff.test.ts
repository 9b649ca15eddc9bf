// Dynamic networks (issue 13): the saved plan's annotation attachments against the selections the annotation asks
// for now → what is kept, removed and added, and on which interface.
import { CniError } from '../../../src/cni/errors.js';
import { diffNetworks, planHotplug } from '../../../src/core/network-diff.js';
import { parseNodeConfig } from '../../../src/core/node-config.js';
import type { PlannedAttachment } from '../../../src/core/plan.js';
import { parseSelections } from '../../../src/core/selection.js';
import type { ConfFiles, Nad, NadSource } from '../../../src/core/sources.js';

/** An attachment as ADD planned it from the selection `sel` ("net" or "net@if" or JSON), on `ifname`. */
function att(sel: string, ifname: string): PlannedAttachment {
  const s = parseSelections(sel, 'ns')[0]!;
  return {
    name: `${s.namespace}/${s.name}`,
    ifname,
    isDefault: false,
    conf: { cniVersion: '1.0.0', name: s.name, plugins: [{ type: 'macvlan' }] },
    capabilityArgs: {},
    extraArgs: [],
    selection: s,
  };
}

interface Row {
  what: string;
  /** [selection, ifname] or [selection, ifname, 'addFailed'] for one kept after a failed addition's failed undo. */
  old: Array<[string, string] | [string, string, 'addFailed']>;
  wanted: string;
  /** Per wanted selection: the old interface kept, or "+ifname" for an attachment made on that interface. */
  result: string[];
  removed: string[];
}

const ROWS: Row[] = [
  { what: 'unchanged', old: [['a', 'net1']], wanted: 'a', result: ['net1'], removed: [] },
  { what: 'from nothing', old: [], wanted: 'a,b', result: ['+net1', '+net2'], removed: [] },
  { what: 'to nothing', old: [['a', 'net1']], wanted: '', result: [], removed: ['net1'] },
  { what: 'one added at the end', old: [['a', 'net1']], wanted: 'a,b', result: ['net1', '+net2'], removed: [] },
  {
    what: 'the first removed: the second keeps its interface',
    old: [
      ['a', 'net1'],
      ['b', 'net2'],
    ],
    wanted: 'b',
    result: ['net2'],
    removed: ['net1'],
  },
  {
    what: 'reordered: nothing to do',
    old: [
      ['a', 'net1'],
      ['b', 'net2'],
    ],
    wanted: 'b,a',
    result: ['net2', 'net1'],
    removed: [],
  },
  {
    what: 'a network twice, by position: the second of two removed',
    old: [
      ['a', 'net1'],
      ['a', 'net2'],
    ],
    wanted: 'a',
    result: ['net1'],
    removed: ['net2'],
  },
  {
    what: 'by interface name when given',
    old: [
      ['a@x1', 'x1'],
      ['a@x2', 'x2'],
    ],
    wanted: 'a@x2',
    result: ['x2'],
    removed: ['x1'],
  },
  {
    what: 'an interface name reused by another network: removed, then added there',
    old: [['a@x1', 'x1']],
    wanted: 'b@x1',
    result: ['+x1'],
    removed: ['x1'],
  },
  {
    what: 'the same network moved to another interface',
    old: [['a@x1', 'x1']],
    wanted: 'a@x2',
    result: ['+x2'],
    removed: ['x1'],
  },
  {
    what: 'other fields changed: re-attached on the same interface',
    old: [['[{"name":"a","ips":["10.0.0.1/24"]}]', 'net1']],
    wanted: '[{"name":"a","ips":["10.0.0.2/24"]}]',
    result: ['+net1'],
    removed: ['net1'],
  },
  {
    what: 'a positional name in use: the first free one',
    old: [
      ['a', 'net1'],
      ['b', 'net2'],
    ],
    wanted: 'b,c,a',
    result: ['net2', '+net3', 'net1'],
    removed: [],
  },
  {
    what: 'add two and remove one in one edit: the freed positional name is taken again, after the removal',
    old: [
      ['a', 'net1'],
      ['b', 'net2'],
    ],
    wanted: 'a,c,d',
    result: ['net1', '+net2', '+net3'],
    removed: ['net2'],
  },
  {
    what: 'a network in another namespace is another network',
    old: [['a', 'net1']],
    wanted: 'other/a',
    result: ['+net1'],
    removed: ['net1'],
  },
  {
    what: 'an attachment kept as addFailed is not counted as made: removed (DEL again), then added again',
    old: [
      ['a', 'net1'],
      ['b', 'net2', 'addFailed'],
    ],
    wanted: 'a,b',
    result: ['net1', '+net2'],
    removed: ['net2'],
  },
  {
    what: 'of two attachments of a network, the addFailed one is not the one kept',
    old: [
      ['a', 'net1', 'addFailed'],
      ['a', 'net2'],
    ],
    wanted: 'a',
    result: ['net2'],
    removed: ['net1'],
  },
];

describe('diffNetworks', () => {
  it.each(ROWS)('$what', ({ old, wanted, result, removed }) => {
    const olds = old.map(([s, i, failed]) => (failed ? { ...att(s, i), addFailed: true } : att(s, i)));
    const diff = diffNetworks({
      old: olds,
      wanted: parseSelections(wanted, 'ns'),
      fixed: ['eth0'],
      runtimeIfname: 'eth0',
    });
    const added = new Map(diff.add.map((a) => [a.index, a.ifname]));
    expect(diff.keep.map((k, i) => (k ? k.ifname : `+${added.get(i)}`))).toEqual(result);
    expect(diff.remove.map((a) => a.ifname)).toEqual(removed);
    for (const k of diff.keep) if (k) expect(olds).toContain(k);
  });
});

describe('planHotplug', () => {
  const nads: Nad[] = ['a', 'b', 'c'].map((name) => ({
    namespace: 'ns',
    name,
    config: '{"cniVersion":"1.0.0","type":"macvlan","master":"m0"}',
    annotations: {},
  }));
  nads.push({ namespace: 'other', name: 'x', config: '{"cniVersion":"1.0.0","type":"macvlan"}', annotations: {} });
  const source: NadSource = { getNad: async (ns, n) => nads.find((d) => d.namespace === ns && d.name === n) };
  const files: ConfFiles = { findByName: () => undefined, readPath: () => undefined };
  const def: PlannedAttachment = {
    name: 'cluster',
    ifname: 'eth0',
    isDefault: true,
    conf: { cniVersion: '1.0.0', name: 'cluster', plugins: [{ type: 'bridge' }] },
    capabilityArgs: {},
    extraArgs: [],
  };
  const input = (annotation: string, raw: Record<string, unknown> = {}) => ({
    config: parseNodeConfig({ type: 'braid', ...raw }),
    ifname: 'eth0',
    args: [] as Array<[string, string]>,
    nads: source,
    files,
    pod: { namespace: 'ns', name: 'p', annotations: { 'k8s.v1.cni.cncf.io/networks': annotation } },
  });

  it('nothing to do: undefined, and no NAD is read', async () => {
    expect(
      await planHotplug({ ...input('a'), nads: { getNad: () => Promise.reject(new Error('read')) } }, [
        def,
        att('a', 'net1'),
      ]),
    ).toBeUndefined();
  });

  it('the default network stays first, whatever the annotation', async () => {
    const hp = (await planHotplug(input('b'), [def, att('a', 'net1')]))!;
    expect(hp.attachments.map((a) => [a.name, a.ifname])).toEqual([
      ['cluster', 'eth0'],
      ['ns/b', 'net1'],
    ]);
    expect(hp.remove.map((a) => a.name)).toEqual(['ns/a']);
    expect(hp.add.map((a) => a.name)).toEqual(['ns/b']);
    expect(hp.add[0]!.conf.plugins[0]).toMatchObject({ type: 'macvlan', master: 'm0' });
  });

  it.each([
    ['an unknown NAD', 'a,nope', /ns\/nope: NetworkAttachmentDefinition not found/],
    ['another namespace under namespaceIsolation', 'a,other/x', /namespaceIsolation/],
    ['more networks than maxNetworksPerPod', 'a,b,c', /maxNetworksPerPod/],
    ['an interface name taken by the default network', 'b@eth0', /both use interface "eth0"/],
    ['a bad annotation', '[{"name":', /annotation k8s.v1.cni.cncf.io\/networks/],
  ])('refuses %s, as ADD would', async (_what, annotation, message) => {
    const err = await planHotplug(input(annotation, { namespaceIsolation: true, maxNetworksPerPod: 3 }), [
      def,
      att('a', 'net1'),
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(String((err as Error).message)).toMatch(message);
  });
  it('a kept network whose NAD was deleted does not block adding another; only the new one is read', async () => {
    const read: string[] = [];
    const only: NadSource = {
      getNad: async (ns, n) => {
        read.push(`${ns}/${n}`);
        return nads.find((d) => d.namespace === ns && d.name === n && n !== 'a');
      },
    };
    const hp = (await planHotplug({ ...input('a,b'), nads: only }, [def, att('a', 'net1')]))!;
    expect(hp.add.map((a) => [a.name, a.ifname])).toEqual([['ns/b', 'net2']]);
    expect(read).toEqual(['ns/b']);
  });

  it('the count and namespaceIsolation still cover the kept selections', async () => {
    const count = await planHotplug(input('a,b', { maxNetworksPerPod: 2 }), [def, att('a', 'net1')]).catch(
      (e: unknown) => e,
    );
    expect(String((count as Error).message)).toMatch(/maxNetworksPerPod/);
    const iso = await planHotplug(input('other/x,b', { namespaceIsolation: true }), [
      def,
      att('other/x', 'net1'),
    ]).catch((e: unknown) => e);
    expect(String((iso as Error).message)).toMatch(/namespaceIsolation/);
  });

  it("a new network of a resource never gets a kept attachment's device", async () => {
    const sriov = (name: string): Nad => ({
      namespace: 'ns',
      name,
      config: '{"cniVersion":"1.0.0","type":"sriov"}',
      annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'vendor/vf' },
    });
    const src: NadSource = { getNad: async (_ns, n) => sriov(n) };
    const devices = { deviceIds: () => ['0000:01:00.1', '0000:01:00.2'], deviceInfo: () => undefined };
    // ADD gave "a" the first VF; the edit puts "c" (same resource) before it
    const kept = { ...att('a', 'net1'), resourceName: 'vendor/vf', deviceId: '0000:01:00.1' };
    const hp = (await planHotplug({ ...input('c,a'), nads: src, devices, pod: { ...input('c,a').pod, uid: 'u1' } }, [
      def,
      kept,
    ]))!;
    expect(hp.add.map((a) => [a.name, a.deviceId])).toEqual([['ns/c', '0000:01:00.2']]);
    expect(hp.attachments.find((a) => a.name === 'ns/a')).toBe(kept);
  });
});
