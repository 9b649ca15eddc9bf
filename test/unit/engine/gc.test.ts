// GC and STATUS (CNI 1.1) in-process: attachments of containers the runtime no longer lists are removed from braid's
// plans, cache entries whose plan is lost are collected, then each 1.1.0 delegate gets GC with the attachments that
// stay (never with a list that leaves out a live container's: then no delegate GC at all). Two containers are really attached through the test plugins first.
import { CniError } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import type { Answer } from '../../support/test-plugin.js';
import { cniFailure, EngineHarness } from '../../support/engine-harness.js';

const MAIN = { cniVersion: '1.1.0', name: 'main-net', type: 'main' };
const SIDE = { cniVersion: '1.1.0', name: 'side-net', plugins: [{ type: 'side' }] };
const OLD = { cniVersion: '0.4.0', name: 'old-net', type: 'old' };
const NETWORKS = { delegates: [MAIN, SIDE, OLD] };
const KEEP = [{ containerID: 'keep', ifname: 'eth0' }];
const KEEP_RESULTS = ['main-net-keep-eth0', 'old-net-keep-net2', 'side-net-keep-net1'];
const STALE_RESULTS = ['main-net-stale-eth0', 'old-net-stale-net2', 'side-net-stale-net1'];
/** A container's attachments removed in reverse plan order. */
const delsOf = (id: string) => [`old DEL net2 ${id}`, `side DEL net1 ${id}`, `main DEL eth0 ${id}`];

let h: EngineHarness;
beforeEach(async () => {
  h = new EngineHarness(['main', 'side', 'old']);
  for (const containerId of ['keep', 'stale']) await h.run('ADD', NETWORKS, { containerId });
  expect(h.planFiles()).toEqual(['keep-eth0.json', 'stale-eth0.json']);
  expect(h.resultFiles()).toEqual([...KEEP_RESULTS, ...STALE_RESULTS].sort());
  h.plugins.resetCalls();
});
afterEach(() => h.cleanup());

interface GcCase {
  name: string;
  prepare?: (h: EngineHarness) => void;
  /** The GC request's configuration: NETWORKS and the valid list under its name unless given. */
  config?: JsonObject;
  valid?: unknown[];
  answers?: Array<[plugin: string, command: string, answer: Answer]>;
  /** DELs per container, each in exact order (containers themselves come in directory order). */
  dels: Record<string, string[]>;
  /** Orphans are rebuilt from cache entries, in directory order: compared sorted. */
  sortedDels?: Record<string, string[]>;
  /** [plugin, cni.dev/valid-attachments it got], in call order. */
  gcs: Array<[string, unknown]>;
  plans: string[];
  results: string[];
  error?: { code: number; msg: string };
}

const GC_CASES: GcCase[] = [
  {
    name: 'valid attachments are kept, the others removed; each 1.1.0 delegate collects with what stays',
    valid: KEEP,
    dels: { stale: delsOf('stale') },
    gcs: [
      ['main', [{ containerID: 'keep', ifname: 'eth0' }]],
      ['side', [{ containerID: 'keep', ifname: 'net1' }]],
    ],
    plans: ['keep-eth0.json'],
    results: KEEP_RESULTS,
  },
  {
    name: 'an empty valid list removes every attachment; the delegates are told nothing is in use',
    valid: [],
    dels: { keep: delsOf('keep'), stale: delsOf('stale') },
    gcs: [
      ['main', []],
      ['side', []],
    ],
    plans: [],
    results: [],
  },
  {
    name: 'a valid entry must match the ifname too: keep on net9 is not keep on eth0 (and, unknown, stops delegate GC)',
    valid: [{ containerID: 'keep', ifname: 'net9' }],
    dels: { keep: delsOf('keep'), stale: delsOf('stale') },
    gcs: [],
    plans: [],
    results: [],
  },
  {
    name: 'a plan lost to a crash: the cache entries of that container are collected as orphans',
    prepare: (x) => x.removePlanOf('stale'),
    valid: KEEP,
    dels: {},
    sortedDels: { stale: ['main DEL eth0 stale', 'old DEL net2 stale', 'side DEL net1 stale'] },
    gcs: [
      ['main', [{ containerID: 'keep', ifname: 'eth0' }]],
      ['side', [{ containerID: 'keep', ifname: 'net1' }]],
    ],
    plans: ['keep-eth0.json'],
    results: KEEP_RESULTS,
  },
  {
    name: 'a valid container whose plan is lost: its cache entries stay, and tell the delegates what it still holds',
    prepare: (x) => x.removePlanOf('keep'),
    valid: KEEP,
    dels: { stale: delsOf('stale') },
    gcs: [
      ['main', [{ containerID: 'keep', ifname: 'eth0' }]],
      ['side', [{ containerID: 'keep', ifname: 'net1' }]],
    ],
    plans: [],
    results: KEEP_RESULTS,
  },
  {
    name: 'a valid container braid has no record of at all: stale ones still go, but no delegate is asked to collect',
    prepare: (x) => {
      x.removePlanOf('keep');
      for (const f of KEEP_RESULTS) x.removeResultFile(f);
    },
    valid: KEEP,
    dels: { stale: delsOf('stale') },
    gcs: [],
    plans: [],
    results: [],
  },
  {
    name: 'the older key "cni.dev/attachments" is read when "cni.dev/valid-attachments" is absent',
    config: { ...NETWORKS, 'cni.dev/attachments': KEEP },
    dels: { stale: delsOf('stale') },
    gcs: [
      ['main', [{ containerID: 'keep', ifname: 'eth0' }]],
      ['side', [{ containerID: 'keep', ifname: 'net1' }]],
    ],
    plans: ['keep-eth0.json'],
    results: KEEP_RESULTS,
  },
  {
    name: 'a network no longer configured but in a kept plan still gets GC, after the configured ones',
    config: { delegates: [MAIN, OLD], 'cni.dev/valid-attachments': KEEP },
    dels: { stale: delsOf('stale') },
    gcs: [
      ['main', [{ containerID: 'keep', ifname: 'eth0' }]],
      ['side', [{ containerID: 'keep', ifname: 'net1' }]],
    ],
    plans: ['keep-eth0.json'],
    results: KEEP_RESULTS,
  },
  {
    name: "the configured network wins over a kept plan's copy: disableGC there means no GC",
    config: { delegates: [MAIN, { ...SIDE, disableGC: true }, OLD], 'cni.dev/valid-attachments': KEEP },
    dels: { stale: delsOf('stale') },
    gcs: [['main', [{ containerID: 'keep', ifname: 'eth0' }]]],
    plans: ['keep-eth0.json'],
    results: KEEP_RESULTS,
  },
  {
    name: 'a delegate DEL fails: the others still run, GC fails naming it; the plan goes, the entry stays',
    valid: KEEP,
    answers: [['side', 'DEL', cniFailure(11, 'IPAM busy', '1.1.0')]],
    dels: { stale: delsOf('stale') },
    gcs: [
      ['main', [{ containerID: 'keep', ifname: 'eth0' }]],
      ['side', [{ containerID: 'keep', ifname: 'net1' }]],
    ],
    plans: ['keep-eth0.json'],
    results: [...KEEP_RESULTS, 'side-net-stale-net1'].sort(),
    error: {
      code: 11,
      msg: 'GC left errors: network side-net (net1): plugin type="side" name="side-net" failed (del): IPAM busy',
    },
  },
  {
    name: "a delegate's own GC fails: the next delegate still collects, GC fails naming it",
    valid: KEEP,
    answers: [['main', 'GC', cniFailure(50, 'main daemon down', '1.1.0')]],
    dels: { stale: delsOf('stale') },
    gcs: [
      ['main', [{ containerID: 'keep', ifname: 'eth0' }]],
      ['side', [{ containerID: 'keep', ifname: 'net1' }]],
    ],
    plans: ['keep-eth0.json'],
    results: KEEP_RESULTS,
    error: { code: 50, msg: 'GC left errors: plugin type="main" name="main-net" failed (gc): main daemon down' },
  },
  {
    name: 'no valid-attachments list: a configuration error, and nothing is removed',
    config: NETWORKS,
    dels: {},
    gcs: [],
    plans: ['keep-eth0.json', 'stale-eth0.json'],
    results: [...KEEP_RESULTS, ...STALE_RESULTS].sort(),
    error: { code: 7, msg: 'GC needs "cni.dev/valid-attachments" in the configuration' },
  },
  ...[
    ['an element that is not an object', [...KEEP, 'keep']],
    ['an element without "ifname"', [{ containerID: 'keep' }]],
    ['an element whose "containerID" is not a string', [{ containerID: 7, ifname: 'eth0' }]],
  ].map(([what, valid], i) => ({
    name: `a malformed valid-attachments list (${what as string}): a configuration error, and nothing is removed`,
    config: { ...NETWORKS, 'cni.dev/valid-attachments': valid },
    dels: {},
    gcs: [],
    plans: ['keep-eth0.json', 'stale-eth0.json'],
    results: [...KEEP_RESULTS, ...STALE_RESULTS].sort(),
    error: {
      code: 7,
      msg: `GC: "cni.dev/valid-attachments"[${i === 0 ? KEEP.length : 0}] must be an object with string "containerID" and "ifname"; nothing was removed`,
    },
  })),
  {
    name: 'a configured network that cannot be resolved fails GC before anything is removed',
    config: { ...NETWORKS, defaultNetworks: ['gone-net'], 'cni.dev/valid-attachments': KEEP },
    dels: {},
    gcs: [],
    plans: ['keep-eth0.json', 'stale-eth0.json'],
    results: [...KEEP_RESULTS, ...STALE_RESULTS].sort(),
    error: {
      code: 7,
      msg: 'network "gone-net" not found: it is neither a NetworkAttachmentDefinition in "kube-system", nor a config named "gone-net" in CONFDIR, nor a config file path',
    },
  },
];

describe('GC', () => {
  it.each(GC_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    c.prepare?.(h);
    for (const [plugin, command, answer] of c.answers ?? []) h.plugins.answer(plugin, command, answer);
    const config = c.config ?? { ...NETWORKS, 'cni.dev/valid-attachments': c.valid ?? [] };

    const outcome = await h.run('GC', config, { containerId: '', ifname: '', netns: '' }).then(
      (v) => ({ ok: v }),
      (e: unknown) => ({ err: e }),
    );

    if (c.error) {
      const err = (outcome as { err: unknown }).err;
      expect(err).toBeInstanceOf(CniError);
      const e = err as CniError;
      expect({ code: e.code, msg: e.message.replace(h.confDir, 'CONFDIR') }).toEqual(c.error);
    } else {
      expect(outcome).toEqual({ ok: undefined });
    }
    const calls = h.calls(true);
    expect(calls.filter((x) => !x.includes(' DEL ') && !x.includes(' GC '))).toEqual([]);
    for (const [id, dels] of Object.entries(c.dels))
      expect(calls.filter((x) => x.includes(' DEL ') && x.endsWith(` ${id}`))).toEqual(dels);
    for (const [id, dels] of Object.entries(c.sortedDels ?? {}))
      expect(calls.filter((x) => x.includes(' DEL ') && x.endsWith(` ${id}`)).sort()).toEqual(dels);
    const expectedDels = Object.values({ ...c.dels, ...c.sortedDels }).flat().length;
    expect(calls.filter((x) => x.includes(' DEL '))).toHaveLength(expectedDels);
    // every DEL comes before the first delegate GC
    expect(calls.slice(expectedDels).every((x) => x.includes(' GC '))).toBe(true);
    const gcs = h.plugins.calls().filter((x) => x.command === 'GC');
    expect(gcs.map((x) => [x.plugin, (JSON.parse(x.stdin) as JsonObject)['cni.dev/valid-attachments']])).toEqual(c.gcs);
    expect(gcs.map((x) => [x.containerId, x.netns, x.ifname])).toEqual(c.gcs.map(() => ['', '', '']));
    expect(h.planFiles()).toEqual(c.plans);
    expect(h.resultFiles()).toEqual(c.results);
    expect(h.status.calls).toEqual([]);
  });

  it('what a failed DEL left behind is collected by the next GC, as an orphan', async () => {
    h.plugins.answer('side', 'DEL', cniFailure(11, 'IPAM busy', '1.1.0'));
    await expect(h.run('GC', { ...NETWORKS, 'cni.dev/valid-attachments': KEEP })).rejects.toMatchObject({ code: 11 });
    h.plugins.answer('side', 'DEL', {});
    h.plugins.resetCalls();

    await h.run('GC', { ...NETWORKS, 'cni.dev/valid-attachments': KEEP });
    expect(h.calls(true).filter((x) => x.includes(' DEL '))).toEqual(['side DEL net1 stale']);
    expect(h.resultFiles()).toEqual(KEEP_RESULTS);
  });
});

describe('STATUS', () => {
  it('asks every 1.1.0 delegate, in configuration order, and skips older ones', async () => {
    await expect(h.run('STATUS', NETWORKS)).resolves.toBeUndefined();
    expect(h.calls()).toEqual(['main STATUS ', 'side STATUS ']);
  });

  it('a delegate that is not ready makes braid not ready, naming the network and stopping there', async () => {
    h.plugins.answer('main', 'STATUS', cniFailure(50, 'main daemon down', '1.1.0'));
    await expect(h.run('STATUS', NETWORKS)).rejects.toMatchObject({
      code: 50,
      message: 'network main-net is not ready: plugin type="main" name="main-net" failed (status): main daemon down',
    });
    expect(h.calls()).toEqual(['main STATUS ']);
  });
});
