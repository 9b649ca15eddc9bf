// DEL in-process: from the saved plan; without a usable plan from the result cache; with neither from the configured
// networks, errors ignored. Each case starts from a real ADD (test plugins, real plan store and cache in a temp dir),
// then damages braid's records and runs DEL with a configuration that differs from ADD's, so the calls show which
// record DEL used.
import { CniError } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import type { PodRef } from '../../../src/engine/ports.js';
import type { Answer } from '../../support/test-plugin.js';
import { cniFailure, EngineHarness } from '../../support/engine-harness.js';

const POD_ARGS = 'K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_UID=uid-1';
const POD: PodRef = { namespace: 'ns1', name: 'p1', uid: 'uid-1' };
const MAIN = { cniVersion: '1.0.0', name: 'main-net', type: 'main' };
const SIDE = { cniVersion: '1.0.0', name: 'side-net', plugins: [{ type: 'alloc' }, { type: 'tune' }] };
/** What ADD ran with. */
const ADDED = { delegates: [MAIN, SIDE] };
/** What DEL runs with: another default network, so a DEL of "main" can only come from braid's records. */
const CHANGED = { delegates: [{ cniVersion: '1.0.0', name: 'other-net', type: 'other' }, SIDE] };
const RECORDED_DELS = ['tune DEL net1', 'alloc DEL net1', 'main DEL eth0'];
const PLAN = 'c1-eth0.json';
const RESULTS = ['main-net-c1-eth0', 'side-net-c1-net1'];

let h: EngineHarness;
beforeEach(async () => {
  h = new EngineHarness(['main', 'alloc', 'tune', 'other', 'third']);
  h.sources.addPod({ namespace: 'ns1', name: 'p1', uid: 'uid-1', annotations: {} });
  await h.run('ADD', ADDED, { args: POD_ARGS });
  expect(h.planFiles()).toEqual([PLAN]);
  expect(h.resultFiles()).toEqual(RESULTS);
  h.plugins.resetCalls();
  h.status.calls.length = 0;
});
afterEach(() => h.cleanup());

interface DelCase {
  name: string;
  /** Damage done to braid's records after ADD. */
  prepare?: (h: EngineHarness) => void;
  delConfig?: JsonObject;
  /** The runtime's CNI_ARGS on DEL; none by default. */
  args?: string;
  answers?: Array<[plugin: string, command: string, answer: Answer]>;
  dels: string[];
  /** Whether the DELs got the cached result as prevResult. */
  prevResult: boolean;
  plans: string[];
  results: string[];
  statusRemoves: PodRef[];
  error?: { code: number; msg: string };
}

const tornPlan = (x: EngineHarness) => x.writePlanFile(PLAN, '{"kind":"braidPlanV1","attach');
const foreignPlan = (x: EngineHarness) =>
  x.writePlanFile(
    PLAN,
    JSON.stringify({
      kind: 'braidPlanV1',
      containerId: 'c9',
      ifname: 'eth0',
      netns: '/x',
      cniVersion: '1.1.0',
      args: [],
      path: [],
      attachments: [],
    }),
  );
const noPlan = (x: EngineHarness) => x.removeCache('plans');
const nothing = (x: EngineHarness) => {
  x.removeCache('plans');
  x.removeCache('results');
};

const DEL_CASES: DelCase[] = [
  {
    name: 'the saved plan: what ADD attached, in reverse, whatever the configuration says now; its pod record goes',
    delConfig: CHANGED,
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [],
    results: [],
    statusRemoves: [POD],
  },
  {
    name: 'the saved plan with the result cache gone: same DELs, without prevResult',
    prepare: (x) => x.removeCache('results'),
    delConfig: CHANGED,
    dels: RECORDED_DELS,
    prevResult: false,
    plans: [],
    results: [],
    statusRemoves: [POD],
  },
  {
    name: 'a torn plan: the result cache, default network last; the torn file goes',
    prepare: tornPlan,
    delConfig: CHANGED,
    args: POD_ARGS,
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [],
    results: [],
    statusRemoves: [POD],
  },
  {
    name: "a plan file holding another container's plan counts as corrupt: the result cache",
    prepare: foreignPlan,
    delConfig: CHANGED,
    args: POD_ARGS,
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [],
    results: [],
    statusRemoves: [POD],
  },
  {
    name: 'no plan, the result cache only',
    prepare: noPlan,
    delConfig: CHANGED,
    args: POD_ARGS,
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [],
    results: [],
    statusRemoves: [POD],
  },
  {
    name: 'no plan and no pod in CNI_ARGS: the result cache, and no network-status to remove',
    prepare: noPlan,
    delConfig: CHANGED,
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [],
    results: [],
    statusRemoves: [],
  },
  {
    name: 'nothing at all: the configured networks of the DEL request',
    prepare: nothing,
    delConfig: CHANGED,
    args: POD_ARGS,
    dels: ['tune DEL net1', 'alloc DEL net1', 'other DEL eth0'],
    prevResult: false,
    plans: [],
    results: [],
    statusRemoves: [POD],
  },
  {
    name: 'nothing at all: delegate errors are ignored',
    prepare: nothing,
    delConfig: ADDED,
    answers: [
      ['alloc', 'DEL', cniFailure(11, 'IPAM busy')],
      ['main', 'DEL', cniFailure(100, 'no such interface')],
    ],
    dels: RECORDED_DELS,
    prevResult: false,
    plans: [],
    results: [],
    statusRemoves: [],
  },
  {
    name: 'nothing at all: a configured network that cannot be resolved is skipped, the others still removed',
    prepare: nothing,
    delConfig: { ...ADDED, defaultNetworks: ['gone-net'] },
    dels: RECORDED_DELS,
    prevResult: false,
    plans: [],
    results: [],
    statusRemoves: [],
  },
  {
    name: 'the saved plan, a delegate DEL fails: the others still run; DEL fails and keeps the plan and that entry',
    answers: [['alloc', 'DEL', cniFailure(11, 'IPAM busy')]],
    args: POD_ARGS,
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [PLAN],
    results: ['side-net-c1-net1'],
    statusRemoves: [POD],
    error: {
      code: 11,
      msg: 'DEL of container c1 left errors: network side-net (net1): plugin type="alloc" name="side-net" failed (del): IPAM busy',
    },
  },
  {
    name: 'the saved plan, two delegate DELs fail: the first code, every message',
    answers: [
      ['tune', 'DEL', cniFailure(102, 'tune gone')],
      ['main', 'DEL', cniFailure(11, 'main busy')],
    ],
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [PLAN],
    results: RESULTS,
    statusRemoves: [POD],
    error: {
      code: 102,
      msg: 'DEL of container c1 left errors: network side-net (net1): plugin type="tune" name="side-net" failed (del): tune gone / network main-net (eth0): plugin type="main" name="main-net" failed (del): main busy',
    },
  },
  {
    name: 'the result cache only, a delegate DEL fails: the cache is a record, so DEL fails',
    prepare: noPlan,
    answers: [['alloc', 'DEL', cniFailure(11, 'IPAM busy')]],
    dels: RECORDED_DELS,
    prevResult: true,
    plans: [],
    results: ['side-net-c1-net1'],
    statusRemoves: [],
    error: {
      code: 11,
      msg: 'DEL of container c1 left errors: network side-net (net1): plugin type="alloc" name="side-net" failed (del): IPAM busy',
    },
  },
];

describe('DEL: plan, then result cache, then configured networks', () => {
  it.each(DEL_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    c.prepare?.(h);
    for (const [plugin, command, answer] of c.answers ?? []) h.plugins.answer(plugin, command, answer);

    const outcome = await h.run('DEL', c.delConfig ?? ADDED, c.args !== undefined ? { args: c.args } : {}).then(
      (v) => ({ ok: v }),
      (e: unknown) => ({ err: e }),
    );

    if (c.error) {
      expect('err' in outcome && outcome.err).toBeInstanceOf(CniError);
      const err = (outcome as { err: CniError }).err;
      expect({ code: err.code, msg: err.message }).toEqual(c.error);
    } else {
      expect(outcome).toEqual({ ok: undefined });
    }
    expect(h.calls()).toEqual(c.dels);
    const dels = h.plugins.calls().filter((x) => x.command === 'DEL');
    expect(dels.map((x) => 'prevResult' in (JSON.parse(x.stdin) as JsonObject))).toEqual(
      c.dels.map(() => c.prevResult),
    );
    expect(dels.map((x) => x.containerId)).toEqual(c.dels.map(() => 'c1'));
    expect(h.planFiles()).toEqual(c.plans);
    expect(h.resultFiles()).toEqual(c.results);
    expect(h.status.calls).toEqual(c.statusRemoves.map((pod) => ({ op: 'remove', pod, containerId: 'c1' })));
  });
});

describe('DEL, more', () => {
  it('is idempotent: a second DEL finds no record and guesses from the configured networks, succeeding', async () => {
    await h.run('DEL', ADDED);
    h.plugins.resetCalls();
    h.plugins.answer('main', 'DEL', cniFailure(100, 'no such interface'));
    await expect(h.run('DEL', CHANGED)).resolves.toBeUndefined();
    expect(h.calls()).toEqual(['tune DEL net1', 'alloc DEL net1', 'other DEL eth0']);
  });

  it('a network-status remove that fails does not fail DEL', async () => {
    h.status.failRemove = 'apiserver unavailable';
    await expect(h.run('DEL', ADDED)).resolves.toBeUndefined();
    expect(h.status.calls).toEqual([{ op: 'remove', pod: POD, containerId: 'c1' }]);
    expect(h.planFiles()).toEqual([]);
  });

  it('the cached result goes to each plugin as prevResult, the netns and CNI_ARGS as ADD had them', async () => {
    await h.run('DEL', ADDED);
    const main = h.plugins.calls().find((x) => x.plugin === 'main' && x.command === 'DEL')!;
    expect(main).toMatchObject({ netns: '/var/run/netns/fake', args: `IgnoreUnknown=1;${POD_ARGS}`, ifname: 'eth0' });
    expect((JSON.parse(main.stdin) as JsonObject).prevResult).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/var/run/netns/fake' }],
      ips: [{ address: '10.123.0.2/24', gateway: '10.123.0.1', interface: 0 }],
      dns: {},
    });
  });
});

describe('DEL with parallelAttach', () => {
  const THREE = { delegates: [MAIN, SIDE, { cniVersion: '1.0.0', name: 'third-net', type: 'third' }] };
  beforeEach(async () => {
    await h.run('DEL', ADDED);
    await h.run('ADD', THREE, { containerId: 'c2', args: POD_ARGS });
    h.plugins.resetCalls();
  });

  it.each([
    ['the saved plan', (_x: EngineHarness) => undefined],
    ['the result cache', (x: EngineHarness) => x.removeCache('plans')],
  ])('from %s: every network at once, the default network too', async (_name, prepare) => {
    prepare(h);
    // each waits until all three are running: one after another, the first would give up
    for (const [plugin, command] of [
      ['main', 'DEL'],
      ['third', 'DEL'],
      ['tune', 'DEL'],
    ] as const)
      h.plugins.answer(plugin, command, { barrier: 3 });
    await h.run('DEL', { ...THREE, parallelAttach: true }, { containerId: 'c2' });
    const calls = h.calls();
    expect([...calls].sort()).toEqual(['alloc DEL net1', 'main DEL eth0', 'third DEL net2', 'tune DEL net1']);
    expect(calls.indexOf('tune DEL net1')).toBeLessThan(calls.indexOf('alloc DEL net1')); // a chain is still in reverse
    expect(h.planFiles()).toEqual([]);
    expect(h.resultFiles()).toEqual([]);
  });
});

describe("parallelAttach with a network on another of the pod's interfaces (linkInContainer)", () => {
  const ON_NET1 = { cniVersion: '1.0.0', name: 'third-net', type: 'third', linkInContainer: true, master: 'net1' };
  const DEPENDENT = { delegates: [MAIN, SIDE, ON_NET1], parallelAttach: true };
  beforeEach(async () => {
    await h.run('DEL', ADDED);
    h.plugins.resetCalls();
  });

  it('ADD goes strictly in order and DEL strictly in reverse, one network after another', async () => {
    await h.run('ADD', DEPENDENT, { containerId: 'c3', args: POD_ARGS });
    expect(h.calls()).toEqual(['main ADD eth0', 'alloc ADD net1', 'tune ADD net1', 'third ADD net2']);
    h.plugins.resetCalls();
    await h.run('DEL', DEPENDENT, { containerId: 'c3' });
    expect(h.calls()).toEqual(['third DEL net2', 'tune DEL net1', 'alloc DEL net1', 'main DEL eth0']);
    expect(h.planFiles()).toEqual([]);
  });
});
