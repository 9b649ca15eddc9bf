// A second ADD for a container already attached (issue 12, item 3): runtimes retry ADD, and before this a failing
// retry's rollback deleted the live eth0, released its address and dropped the plan. Now the same request is
// answered from the saved plan with no delegate call, a different one fails with nothing touched, and an earlier
// ADD that never finished is undone before the new one runs.
import { CniError } from '../../../src/cni/errors.js';
import { cniFailure, EngineHarness } from '../../support/engine-harness.js';

const POD_ARGS = 'K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_UID=uid-1';
const NETWORKS = {
  delegates: [
    { cniVersion: '1.0.0', name: 'main-net', type: 'main' },
    { cniVersion: '1.0.0', name: 'side-net', plugins: [{ type: 'alloc' }, { type: 'tune' }] },
  ],
};
const PLAN = 'c1-eth0.json';
const RESULTS = ['main-net-c1-eth0', 'side-net-c1-net1'];

let h: EngineHarness;
let first: unknown;
beforeEach(async () => {
  h = new EngineHarness(['main', 'alloc', 'tune', 'other']);
  h.sources.addPod({ namespace: 'ns1', name: 'p1', uid: 'uid-1', annotations: {} });
  first = await h.run('ADD', NETWORKS, { args: POD_ARGS });
  h.plugins.resetCalls();
  h.status.calls.length = 0;
});
afterEach(() => h.cleanup());

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected ADD to fail');
    },
    (e: unknown) => e as CniError,
  );

describe('a repeated ADD never touches what an earlier successful ADD made', () => {
  it('the same request is answered from the saved plan: the same result, no delegate called, the records kept', async () => {
    expect(await h.run('ADD', NETWORKS, { args: POD_ARGS })).toEqual(first);
    expect(h.calls()).toEqual([]);
    expect(h.planFiles()).toEqual([PLAN]);
    expect(h.resultFiles()).toEqual(RESULTS);
  });

  it('the same request at another CNI version gets the same answer at that version', async () => {
    const r = (await h.run('ADD', { ...NETWORKS, cniVersion: '0.4.0' }, { args: POD_ARGS })) as Record<string, unknown>;
    expect(r.cniVersion).toBe('0.4.0');
    expect(h.calls()).toEqual([]);
  });

  it('another netns: fails naming the earlier attachment, with no DEL and no record removed', async () => {
    const err = await failure(h.run('ADD', NETWORKS, { args: POD_ARGS, netns: '/var/run/netns/other' }));
    expect(err.code).toBe(7);
    expect(err.message).toMatch(
      /container c1 is already attached on eth0 .*nothing was changed; DEL the container first/,
    );
    expect(h.calls()).toEqual([]);
    expect(h.planFiles()).toEqual([PLAN]);
    expect(h.resultFiles()).toEqual(RESULTS);
    expect(h.status.calls).toEqual([]);
  });

  it('other networks (a config changed in between): fails the same way, even where the new plan would fail', async () => {
    h.plugins.answer('other', 'ADD', cniFailure(100, 'would fail'));
    const changed = { delegates: [{ cniVersion: '1.0.0', name: 'other-net', type: 'other' }] };
    const err = await failure(h.run('ADD', changed, { args: POD_ARGS }));
    expect(err.message).toMatch(/networks main-net, side-net\) by an earlier ADD/);
    expect(h.calls()).toEqual([]);
    expect(h.planFiles()).toEqual([PLAN]);
  });

  it('after a DEL, the same container can be attached again', async () => {
    await h.run('DEL', NETWORKS, { args: POD_ARGS });
    h.plugins.resetCalls();
    await h.run('ADD', NETWORKS, { args: POD_ARGS });
    expect(h.calls()).toEqual(['main ADD eth0', 'alloc ADD net1', 'tune ADD net1']);
  });
});

describe('an earlier ADD that never finished (a crash left its plan, not all its results)', () => {
  it('is undone first, then the new ADD runs in full', async () => {
    h.removeResultFile('side-net-c1-net1');
    await h.run('ADD', NETWORKS, { args: POD_ARGS });
    expect(h.calls()).toEqual([
      'tune DEL net1',
      'alloc DEL net1',
      'main DEL eth0',
      'main ADD eth0',
      'alloc ADD net1',
      'tune ADD net1',
    ]);
    expect(h.planFiles()).toEqual([PLAN]);
    expect(h.resultFiles()).toEqual(RESULTS);
  });

  it('when it cannot be undone, the new ADD fails with code 11 and runs nothing', async () => {
    h.removeResultFile('side-net-c1-net1');
    h.plugins.answer('main', 'DEL', cniFailure(11, 'ipam busy'));
    const err = await failure(h.run('ADD', NETWORKS, { args: POD_ARGS }));
    expect(err.code).toBe(11);
    expect(err.message).toMatch(/unfinished earlier ADD on eth0 that could not be undone: .*ipam busy/);
    expect(h.calls().filter((c) => c.includes('ADD'))).toEqual([]);
    expect(h.planFiles()).toEqual([PLAN]);
  });
});
