// ADD as a transaction, in-process: which delegates got ADD and DEL and in which order when one fails, what is left
// in plans/ and results/, and the error the runtime gets. Real plugin runner over the scriptable test plugin.
import { writeFileSync } from 'node:fs';
import { CniError } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import type { Answer } from '../../support/test-plugin.js';
import { cniFailure, EngineHarness } from '../../support/engine-harness.js';

const POD_ARGS = 'K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_UID=uid-1';
const NETWORKS = {
  delegates: [
    { cniVersion: '1.0.0', name: 'main-net', type: 'main' },
    { cniVersion: '1.0.0', name: 'side-net', plugins: [{ type: 'alloc' }, { type: 'tune' }] },
    { cniVersion: '1.0.0', name: 'third-net', type: 'third' },
  ],
};
const ALL_ADDS = ['main ADD eth0', 'alloc ADD net1', 'tune ADD net1', 'third ADD net2'];
const ALL_DELS = ['third DEL net2', 'tune DEL net1', 'alloc DEL net1', 'main DEL eth0'];
const PLAN = 'c1-eth0.json';

let h: EngineHarness;
beforeEach(() => {
  h = new EngineHarness(['main', 'alloc', 'tune', 'third', 'extra']);
  h.sources.addPod({ namespace: 'ns1', name: 'p1', uid: 'uid-1', annotations: {} });
});
afterEach(() => h.cleanup());

async function failedAdd(extra: JsonObject = {}): Promise<CniError> {
  const err = await h.run('ADD', { ...NETWORKS, ...extra }, { args: POD_ARGS }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CniError);
  return err as CniError;
}

interface RollbackCase {
  name: string;
  parallel?: boolean;
  answers: Array<[plugin: string, command: string, answer: Answer]>;
  failWrite?: string;
  /** In call order; with `parallel`, the first is exact and the rest any order. */
  adds: string[];
  /** In call order: rollback is sequential, in reverse plan order. */
  dels: string[];
  plans: string[];
  /** Per planned attachment, when the plan is kept. */
  addFailed?: Array<boolean | undefined>;
  results: string[];
  code: number;
  msg: string;
  details?: string;
  statusWrites?: number;
}

const ROLLBACK: RollbackCase[] = [
  {
    name: 'the default network (1 of 3) fails: only it is undone, the rest never start',
    answers: [['main', 'ADD', cniFailure(100, 'no pod network')]],
    adds: ['main ADD eth0'],
    dels: ['main DEL eth0'],
    plans: [],
    results: [],
    code: 100,
    msg: 'pod ns1/p1: network main-net (eth0): plugin type="main" name="main-net" failed (add): no pod network',
  },
  {
    name: 'the last network (3 of 3) fails: every network is undone in reverse',
    answers: [['third', 'ADD', cniFailure(101, 'third broke')]],
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [],
    results: [],
    code: 101,
    msg: 'pod ns1/p1: network third-net (net2): plugin type="third" name="third-net" failed (add): third broke',
  },
  {
    name: 'the second plugin of a chained network fails: its whole chain and the default network are undone',
    answers: [['tune', 'ADD', cniFailure(102, 'tuning failed')]],
    adds: ['main ADD eth0', 'alloc ADD net1', 'tune ADD net1'],
    dels: ['tune DEL net1', 'alloc DEL net1', 'main DEL eth0'],
    plans: [],
    results: [],
    code: 102,
    msg: 'pod ns1/p1: network side-net (net1): plugin type="tune" name="side-net" failed (add): tuning failed',
  },
  {
    name: 'parallel: a secondary fails while the others attach: every started network is undone in reverse plan order',
    parallel: true,
    answers: [['third', 'ADD', cniFailure(101, 'third broke')]],
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [],
    results: [],
    code: 101,
    msg: 'pod ns1/p1: network third-net (net2): plugin type="third" name="third-net" failed (add): third broke',
  },
  {
    name: 'parallel: the default network fails: the secondaries never start',
    parallel: true,
    answers: [['main', 'ADD', cniFailure(100, 'no pod network')]],
    adds: ['main ADD eth0'],
    dels: ['main DEL eth0'],
    plans: [],
    results: [],
    code: 100,
    msg: 'pod ns1/p1: network main-net (eth0): plugin type="main" name="main-net" failed (add): no pod network',
  },
  {
    name: 'parallel: two secondaries fail: the first in plan order is reported',
    parallel: true,
    answers: [
      ['third', 'ADD', cniFailure(101, 'third broke')],
      ['tune', 'ADD', cniFailure(102, 'tuning failed')],
    ],
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [],
    results: [],
    code: 102,
    msg: 'pod ns1/p1: network side-net (net1): plugin type="tune" name="side-net" failed (add): tuning failed',
  },
  {
    name: 'the rollback DEL of the half-done network fails too: the plan is kept, that attachment marked addFailed',
    answers: [
      ['tune', 'ADD', cniFailure(102, 'tuning failed')],
      ['alloc', 'DEL', cniFailure(11, 'IPAM busy')],
    ],
    adds: ['main ADD eth0', 'alloc ADD net1', 'tune ADD net1'],
    dels: ['tune DEL net1', 'alloc DEL net1', 'main DEL eth0'],
    plans: [PLAN],
    addFailed: [undefined, true, undefined],
    results: [],
    code: 102,
    msg: 'pod ns1/p1: network side-net (net1): plugin type="tune" name="side-net" failed (add): tuning failed',
  },
  {
    name: 'a network that was up cannot be undone: the plan and its cache entry are kept, nothing marked addFailed',
    answers: [
      ['third', 'ADD', cniFailure(101, 'third broke')],
      ['main', 'DEL', cniFailure(11, 'main busy')],
    ],
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [PLAN],
    addFailed: [undefined, undefined, undefined],
    results: ['main-net-c1-eth0'],
    code: 101,
    msg: 'pod ns1/p1: network third-net (net2): plugin type="third" name="third-net" failed (add): third broke',
  },
  {
    name: 'the failing network held nothing (its first plugin failed) and its DEL fails: no reason to keep the plan',
    answers: [
      ['third', 'ADD', cniFailure(101, 'third broke')],
      ['third', 'DEL', cniFailure(101, 'nothing to delete')],
    ],
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [],
    results: [],
    code: 101,
    msg: 'pod ns1/p1: network third-net (net2): plugin type="third" name="third-net" failed (add): third broke',
  },
  {
    name: 'the failing chained network held something (its first plugin succeeded) and its DEL fails: the plan is kept',
    answers: [
      ['tune', 'ADD', cniFailure(102, 'tuning failed')],
      ['tune', 'DEL', cniFailure(102, 'tune DEL failed')],
    ],
    adds: ['main ADD eth0', 'alloc ADD net1', 'tune ADD net1'],
    dels: ['tune DEL net1', 'alloc DEL net1', 'main DEL eth0'],
    plans: [PLAN],
    addFailed: [undefined, true, undefined],
    results: [],
    code: 102,
    msg: 'pod ns1/p1: network side-net (net1): plugin type="tune" name="side-net" failed (add): tuning failed',
  },
  {
    name: 'a plugin prints something that is not JSON: decode failure, everything undone',
    answers: [['third', 'ADD', { stdout: 'garbage' }]],
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [],
    results: [],
    code: 6,
    msg: 'pod ns1/p1: network third-net (net2): plugin type="third" name="third-net" failed (add): plugin "third" (ADD) printed output that is not JSON: garbage',
  },
  {
    name: 'a plugin exits non-zero without a CNI error: internal error with its stderr as details',
    answers: [['third', 'ADD', { exitCode: 2, stderr: 'panic: boom' }]],
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [],
    results: [],
    code: 999,
    msg: 'pod ns1/p1: network third-net (net2): plugin type="third" name="third-net" failed (add): plugin "third" (ADD) exited with status 2 without a CNI error',
    details: 'panic: boom',
  },
  {
    name: 'every network attached but the network-status write fails: everything undone',
    answers: [],
    failWrite: 'apiserver unavailable',
    adds: ALL_ADDS,
    dels: ALL_DELS,
    plans: [],
    results: [],
    code: 999,
    msg: 'pod ns1/p1: apiserver unavailable',
    statusWrites: 1,
  },
];

describe('ADD rollback', () => {
  it.each(ROLLBACK.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const [plugin, command, answer] of c.answers) h.plugins.answer(plugin, command, answer);
    if (c.failWrite) h.status.failWrite = c.failWrite;

    const err = await failedAdd(c.parallel ? { parallelAttach: true } : {});

    expect({ code: err.code, msg: err.message }).toEqual({ code: c.code, msg: c.msg });
    expect(err.details).toBe(c.details);
    const calls = h.calls();
    const adds = calls.filter((x) => x.includes(' ADD '));
    if (c.parallel) {
      expect(adds[0]).toBe(c.adds[0]);
      expect([...adds].sort()).toEqual([...c.adds].sort());
    } else {
      expect(adds).toEqual(c.adds);
    }
    // every ADD finished before the rollback began, and the rollback is in exact reverse plan order
    expect(calls.slice(adds.length)).toEqual(c.dels);
    expect(h.planFiles()).toEqual(c.plans);
    if (c.addFailed) expect(h.readPlan(PLAN).attachments.map((a) => a.addFailed)).toEqual(c.addFailed);
    expect(h.resultFiles()).toEqual(c.results);
    expect(h.status.calls.filter((s) => s.op === 'write')).toHaveLength(c.statusWrites ?? 0);
    expect(h.status.calls.filter((s) => s.op === 'remove')).toHaveLength(0);
    expect(h.events).toEqual([`failed ns1/p1: ${c.msg}`]);
    expect(h.routes.calls).toEqual([]);
  });

  it('a rollback DEL gets the result its network returned as prevResult; the failed network gets none', async () => {
    h.plugins.answer('third', 'ADD', cniFailure(101, 'third broke'));
    await failedAdd();
    const mainDel = h.stdinOf('main', 'DEL');
    expect(mainDel).toHaveLength(1);
    expect(mainDel[0]!.prevResult).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/var/run/netns/fake' }],
      ips: [{ address: '10.123.0.2/24', gateway: '10.123.0.1', interface: 0 }],
      dns: {},
    });
    // the failed network has no result to give
    expect(h.stdinOf('third', 'DEL')[0]).not.toHaveProperty('prevResult');
  });

  it('parallel: the rollback waits for a slower secondary, whose DEL then gets the result it returned', async () => {
    h.plugins.answer('third', 'ADD', cniFailure(101, 'third broke'));
    h.plugins.answer('tune', 'ADD', { sleep: 0.5 }); // echoes its prevResult, half a second after third failed
    await failedAdd({ parallelAttach: true });
    const tuneDel = h.stdinOf('tune', 'DEL');
    expect(tuneDel).toHaveLength(1);
    expect(tuneDel[0]!.prevResult).toMatchObject({ interfaces: [{ name: 'net1' }] });
    expect(h.calls().slice(-4)).toEqual(ALL_DELS);
  });

  it("the next DEL retries from the kept plan, and an addFailed attachment's DEL error does not fail it", async () => {
    h.plugins.answer('tune', 'ADD', cniFailure(102, 'tuning failed'));
    h.plugins.answer('alloc', 'DEL', cniFailure(11, 'IPAM busy'));
    await failedAdd();
    h.plugins.resetCalls();

    await expect(h.run('DEL', NETWORKS, { args: POD_ARGS })).resolves.toBeUndefined();
    expect(h.calls()).toEqual(ALL_DELS);
    expect(h.planFiles()).toEqual([]);
    expect(h.status.calls).toEqual([
      { op: 'remove', pod: { namespace: 'ns1', name: 'p1', uid: 'uid-1' }, containerId: 'c1' },
    ]);
  });
});

// When the plan is kept because another network's rollback DEL failed, the network that "held nothing" (its first
// plugin failed, its DEL fails too, e.g. macvlan with its master gone) is saved as addFailed, so that a later DEL
// does not fail on it for ever (it once did: the pod could never be deleted).
it('a held-nothing network in a plan kept for another reason does not block the next DEL', async () => {
  h.plugins.answer('third', 'ADD', cniFailure(101, 'master gone'));
  h.plugins.answer('third', 'DEL', cniFailure(101, 'master gone'));
  h.plugins.answer('main', 'DEL', cniFailure(11, 'main busy')); // transient: keeps the plan
  await failedAdd();
  h.plugins.answer('main', 'DEL', {}); // the transient failure is over; third's is not
  await h.run('DEL', NETWORKS, { args: POD_ARGS });
  expect(h.planFiles()).toEqual([]);
});

describe('ADD that succeeds', () => {
  it('attaches in plan order, keeps the plan and one cache entry per network, writes network-status once', async () => {
    h.plugins.answer('main', 'ADD', {
      result: {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:aa', sandbox: '/var/run/netns/fake' }],
        ips: [{ address: '10.7.0.5/24', gateway: '10.7.0.1', interface: 0 }],
        dns: {},
      },
    });
    const out = await h.run('ADD', NETWORKS, { args: POD_ARGS });

    expect(out).toEqual({
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:aa', sandbox: '/var/run/netns/fake' }],
      ips: [{ interface: 0, address: '10.7.0.5/24', gateway: '10.7.0.1' }],
      dns: {},
    });
    expect(h.calls()).toEqual(ALL_ADDS);
    expect(h.planFiles()).toEqual([PLAN]);
    expect(h.readPlan(PLAN).pod).toEqual({ namespace: 'ns1', name: 'p1', uid: 'uid-1' });
    expect(h.resultFiles()).toEqual(['main-net-c1-eth0', 'side-net-c1-net1', 'third-net-c1-net2']);
    expect(h.status.calls).toEqual([
      {
        op: 'write',
        pod: { namespace: 'ns1', name: 'p1', uid: 'uid-1' },
        containerId: 'c1',
        status: [
          { name: 'main-net', interface: 'eth0', ips: ['10.7.0.5'], mac: '02:00:00:00:00:aa', default: true },
          { name: 'side-net', interface: 'net1', ips: ['10.123.0.2'], mac: '02:00:00:00:00:01' },
          { name: 'third-net', interface: 'net2', ips: ['10.123.0.2'], mac: '02:00:00:00:00:01' },
        ],
      },
    ]);
    expect(h.events).toEqual(['added ns1/p1 eth0,net1,net2']);
  });

  it('without a pod in CNI_ARGS: no network-status, no events, the error names the container', async () => {
    await expect(h.run('ADD', NETWORKS)).resolves.toMatchObject({ cniVersion: '1.1.0' });
    expect(h.status.calls).toEqual([]);
    expect(h.events).toEqual([]);
    expect(h.readPlan(PLAN)).not.toHaveProperty('pod');

    h.plugins.answer('main', 'ADD', cniFailure(100, 'no pod network'));
    const err = await h.run('ADD', NETWORKS, { containerId: 'c2' }).catch((e: unknown) => e as CniError);
    expect(err).toMatchObject({
      code: 100,
      message: 'container c2: network main-net (eth0): plugin type="main" name="main-net" failed (add): no pod network',
    });
  });
});

describe('ADD default-route', () => {
  const withRoute = (gw: string) => {
    h.sources.pods.clear();
    h.sources.addPod({
      namespace: 'ns1',
      name: 'p1',
      uid: 'uid-1',
      annotations: { 'k8s.v1.cni.cncf.io/networks': JSON.stringify([{ name: 'extra-net', 'default-route': [gw] }]) },
    });
    h.sources.addNad('ns1', 'extra-net', { cniVersion: '1.0.0', type: 'extra' });
  };

  it('asks the route editor after every network is up, and rewrites the results to match', async () => {
    withRoute('10.123.0.1');
    const out = (await h.run('ADD', NETWORKS, { args: POD_ARGS })) as JsonObject;
    expect(h.calls()).toEqual([...ALL_ADDS, 'extra ADD net3']);
    expect(h.routes.calls).toEqual(['/var/run/netns/fake 4 10.123.0.1 net3']);
    expect(out).not.toHaveProperty('routes'); // the default network lost its (absent) default route
    const written = h.status.calls[0];
    expect(written?.op === 'write' && written.status.map((s) => [s.interface, s.gateway])).toEqual([
      ['eth0', undefined],
      ['net1', undefined],
      ['net2', undefined],
      ['net3', ['10.123.0.1']],
    ]);
  });

  it('a gateway outside every attached subnet fails ADD before any route is touched, and undoes everything', async () => {
    withRoute('192.0.2.1');
    const err = await failedAdd();
    expect({ code: err.code, msg: err.message }).toEqual({
      code: 7,
      msg: 'pod ns1/p1: network ns1/extra-net: default-route gateway 192.0.2.1 is outside every attached subnet',
    });
    expect(h.routes.calls).toEqual([]);
    expect(h.calls().filter((c) => c.includes(' DEL '))).toEqual(['extra DEL net3', ...ALL_DELS]);
    expect(h.planFiles()).toEqual([]);
    expect(h.resultFiles()).toEqual([]);
  });

  it('the route editor failing undoes everything', async () => {
    withRoute('10.123.0.1');
    h.routes.fail = 'RTNETLINK answers: Operation not permitted';
    const err = await failedAdd();
    expect({ code: err.code, msg: err.message }).toEqual({
      code: 999,
      msg: 'pod ns1/p1: RTNETLINK answers: Operation not permitted',
    });
    expect(h.calls().filter((c) => c.includes(' DEL '))).toEqual(['extra DEL net3', ...ALL_DELS]);
    expect(h.planFiles()).toEqual([]);
  });
});

describe('ADD readiness, on the injected clock', () => {
  it('waits in 250 ms steps and gives up at the timeout with "try again later", running no delegate', async () => {
    const err = await failedAdd({ readinessIndicatorFile: `${h.dir}/ready`, readinessTimeoutSeconds: 1 });
    expect({ code: err.code, msg: err.message }).toEqual({
      code: 11,
      msg: `the default network is not ready: ${h.dir}/ready did not appear within 1s`,
    });
    expect(h.clock.slept).toEqual([250, 250, 250, 250]);
    expect(h.calls()).toEqual([]);
    expect(h.planFiles()).toEqual([]);
  });

  it('goes on as soon as the file appears', async () => {
    h.clock.onSleep = (c) => {
      if (c.slept.length === 2) writeFileSync(`${h.dir}/ready`, '');
    };
    await h.run('ADD', { ...NETWORKS, readinessIndicatorFile: `${h.dir}/ready`, readinessTimeoutSeconds: 1 });
    expect(h.clock.slept).toEqual([250, 250]);
    expect(h.calls()).toEqual(ALL_ADDS);
  });
});

describe('ADD with parallelAttach', () => {
  it('attaches the default network first, then the others at once; network-status keeps plan order', async () => {
    const result = (ifname: string, n: number) => ({
      cniVersion: '1.0.0',
      interfaces: [{ name: ifname, sandbox: '/var/run/netns/fake' }],
      ips: [{ address: `10.12${n}.0.2/24`, interface: 0 }],
    });
    // third answers at once, alloc only once third is running beside it: one after another, alloc would give up
    h.plugins.answer('alloc', 'ADD', { barrier: 2, result: result('net1', 1) });
    h.plugins.answer('third', 'ADD', { barrier: 2, result: result('net2', 2) });
    await h.run('ADD', { ...NETWORKS, parallelAttach: true }, { args: POD_ARGS });
    const adds = h.calls();
    expect(adds[0]).toBe('main ADD eth0');
    expect([...adds].sort()).toEqual([...ALL_ADDS].sort());
    expect(adds.indexOf('alloc ADD net1')).toBeLessThan(adds.indexOf('tune ADD net1')); // a chain is still in order
    const writes = h.status.calls.filter((s) => s.op === 'write');
    expect(writes.map((w) => w.status.map((s) => s.interface))).toEqual([['eth0', 'net1', 'net2']]);
  });
});
