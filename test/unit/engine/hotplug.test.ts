// Dynamic networks (issue 13), the engine's transaction in-process: which delegates get DEL and ADD, what plan is
// saved and what network-status written when a hot-plug partly fails, the default route when the network carrying it
// goes, and what a plan a crash left is undone from. Real plugin runner over the scriptable test plugin.
import { CniError } from '../../../src/cni/errors.js';
import type { PodInfo } from '../../../src/core/sources.js';
import { hotplugPod } from '../../../src/engine/hotplug.js';
import type { SavedPlan } from '../../../src/engine/ports.js';
import { cniFailure, EngineHarness } from '../../support/engine-harness.js';

const POD_ARGS = 'K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_UID=uid-1';
const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
const DEFAULT = { delegates: [{ cniVersion: '1.0.0', name: 'main-net', type: 'main' }] };
const PLAN = 'c1-eth0.json';

let h: EngineHarness;
beforeEach(() => {
  h = new EngineHarness(['main', 'alloc', 'third', 'extra']);
  h.sources.addNad('ns1', 'a', { cniVersion: '1.0.0', type: 'alloc' });
  h.sources.addNad('ns1', 'b', { cniVersion: '1.0.0', type: 'third' });
  h.sources.addNad('ns1', 'c', { cniVersion: '1.0.0', type: 'extra' });
});
afterEach(() => h.cleanup());

const pod = (networks: string): PodInfo => ({
  namespace: 'ns1',
  name: 'p1',
  uid: 'uid-1',
  annotations: { [NETWORKS]: networks },
});

/** ADD of the pod with `networks`; the plugin call log starts empty after it. */
async function added(networks: string): Promise<SavedPlan> {
  h.sources.addPod(pod(networks));
  await h.run('ADD', DEFAULT, { args: POD_ARGS });
  h.plugins.resetCalls();
  return h.readPlan(PLAN);
}

function hotplug(plan: SavedPlan, networks: string) {
  return hotplugPod(h.deps, plan, {
    config: h.config(DEFAULT),
    pod: pod(networks),
    nads: h.sources,
    files: h.deps.files.confFiles(h.confDir),
  });
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as CniError,
  );
const lastStatus = () => {
  const writes = h.status.calls.filter((c) => c.op === 'write');
  return writes.length ? (writes.at(-1) as { status: Array<{ interface?: string; name: string }> }).status : [];
};
const planned = () => h.readPlan(PLAN).attachments.map((a) => `${a.ifname} ${a.name}${a.addFailed ? ' !' : ''}`);

describe('hotplugPod: partial failures', () => {
  it('a removal that fails keeps only that one; the removals that worked are not put back; the status is rewritten', async () => {
    const plan = await added('a,b');
    const writes = h.status.calls.length;
    h.plugins.answer('alloc', 'DEL', cniFailure(11, 'alloc cannot DEL'));
    const err = await failure(hotplug(plan, 'c'));
    expect(err).toBeInstanceOf(CniError);
    expect(err!.message).toMatch(/alloc cannot DEL/);
    expect(planned()).toEqual(['eth0 main-net', 'net1 ns1/a']);
    expect(h.status.calls.length).toBe(writes + 1);
    expect(lastStatus().map((s) => s.interface)).toEqual(['eth0', 'net1']);
    expect(h.calls().filter((c) => c.includes(' ADD '))).toEqual([]);
  });

  it('an addition that fails after the removals: the plan and the network-status both lose the removed one', async () => {
    const plan = await added('a,b');
    h.plugins.answer('extra', 'ADD', cniFailure(11, 'extra is broken'));
    const err = await failure(hotplug(plan, 'a,c'));
    expect(err!.message).toMatch(/extra is broken/);
    expect(planned()).toEqual(['eth0 main-net', 'net1 ns1/a']);
    expect(lastStatus().map((s) => `${s.interface} ${s.name}`)).toEqual(['eth0 main-net', 'net1 ns1/a']);
  });

  it('made: the status is written before the plan is saved (a crash between leaves the intent, to be redone)', async () => {
    const plan = await added('a');
    let planAtWrite: string[] = [];
    const write = h.status.write.bind(h.status);
    h.status.write = async (...a) => {
      planAtWrite = h.readPlan(PLAN).attachments.map((x) => `${x.ifname}${x.hotplug ? ' adding' : ''}`);
      return write(...a);
    };
    await hotplug(plan, 'a,b');
    expect(planAtWrite).toEqual(['eth0', 'net1', 'net2 adding']);
    expect(planned()).toEqual(['eth0 main-net', 'net1 ns1/a', 'net2 ns1/b']);
  });
});

describe('hotplugPod: the default route', () => {
  it("removing the network with the pod's default-route puts the default network's back", async () => {
    h.plugins.answer('main', 'ADD', {
      result: {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'eth0' }],
        ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 0 }],
        routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
      },
    });
    const plan = await added('[{"name":"a","default-route":["10.123.0.1"]}]');
    expect(h.routes.calls).toEqual(['/var/run/netns/fake 4 10.123.0.1 net1']);
    const out = await hotplug(plan, '');
    expect(out!.removed.map((a) => a.name)).toEqual(['ns1/a']);
    expect(h.routes.calls).toEqual(['/var/run/netns/fake 4 10.123.0.1 net1', '/var/run/netns/fake 4 10.0.0.1 eth0']);
  });

  it('when the default network reported no default route, a warning says the pod is left without one', async () => {
    const plan = await added('[{"name":"a","default-route":["10.123.0.1"]}]');
    const out = await hotplug(plan, '');
    expect(h.routes.calls).toHaveLength(1);
    expect(out!.warnings.join('\n')).toMatch(/IPv4 default route .* left the pod without one/);
  });
});

describe('hotplugPod: a plan a crash left', () => {
  it("an `adding` attachment on an interface an old one still holds is not DELed (that would take the old one's link)", async () => {
    const plan = await added('a@net1');
    const b = {
      ...plan.attachments[1]!,
      name: 'ns1/b',
      conf: { cniVersion: '1.0.0', name: 'b', plugins: [{ type: 'third' }] },
    };
    const intent: SavedPlan = {
      ...plan,
      attachments: [...plan.attachments, { ...b, addFailed: true, hotplug: 'adding' }],
    };
    h.deps.plans.save(intent);
    await hotplug(intent, 'b@net1');
    const calls = h.calls();
    expect(calls.indexOf('alloc DEL net1')).toBeLessThan(calls.indexOf('third ADD net1'));
    expect(calls.filter((c) => c === 'third DEL net1')).toEqual([]);
    expect(planned()).toEqual(['eth0 main-net', 'net1 ns1/b']);
  });

  it('an attachment left as addFailed is DELed again and made again, not counted as made', async () => {
    const plan = await added('a');
    const failed: SavedPlan = {
      ...plan,
      attachments: plan.attachments.map((a) => (a.name === 'ns1/a' ? { ...a, addFailed: true } : a)),
    };
    h.deps.plans.save(failed);
    const out = await hotplug(failed, 'a');
    expect(out).toBeDefined();
    expect(h.calls()).toEqual(['alloc DEL net1', 'alloc ADD net1']);
    expect(planned()).toEqual(['eth0 main-net', 'net1 ns1/a']);
  });
});
