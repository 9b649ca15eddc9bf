// hotplugPreview (`braid explain --socket`): what the next hot-plug does to a saved plan, by the hot-plug's own diff.
import { hotplugPreview } from '../../../src/core/explain-plan.js';
import type { PlannedAttachment } from '../../../src/core/plan.js';
import type { PodInfo } from '../../../src/core/sources.js';

const conf = { cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'macvlan' }] };
const att = (name: string, ifname: string, extra: Partial<PlannedAttachment> = {}): PlannedAttachment => ({
  name,
  ifname,
  isDefault: false,
  conf,
  capabilityArgs: {},
  extraArgs: [],
  ...extra,
});
const primary = att('cbr0', 'eth0', { isDefault: true });
const selected = (name: string, ifname: string, extra: Partial<PlannedAttachment> = {}) =>
  att(`telco/${name}`, ifname, { selection: { name, namespace: 'telco' }, ...extra });
const pod = (networks?: string): PodInfo => ({
  namespace: 'telco',
  name: 'upf',
  annotations: networks === undefined ? {} : { 'k8s.v1.cni.cncf.io/networks': networks },
});

describe('hotplugPreview', () => {
  it('nothing when the plan is what the annotation asks for (reordering changes nothing)', () => {
    const plan = [primary, selected('a', 'net1'), selected('b', 'net2')];
    expect(hotplugPreview(plan, pod('a,b'), 'eth0')).toBeUndefined();
    expect(hotplugPreview(plan, pod('b,a'), 'eth0')).toBeUndefined();
  });

  it('removals (no interface name needed) and additions on the names the hot-plug gives them', () => {
    const plan = [primary, selected('a', 'net1'), selected('b', 'net2')];
    expect(hotplugPreview(plan, pod('b,c'), 'eth0')).toEqual({
      remove: [{ interface: 'net1', network: 'telco/a' }],
      add: [{ interface: 'net1', network: 'telco/c' }],
    });
    expect(hotplugPreview(plan, pod(), 'eth0')).toEqual({
      remove: [
        { interface: 'net1', network: 'telco/a' },
        { interface: 'net2', network: 'telco/b' },
      ],
      add: [],
    });
    expect(hotplugPreview([primary], pod('a@data0'), 'eth0')).toEqual({
      remove: [],
      add: [{ interface: 'data0', network: 'telco/a' }],
    });
  });

  it('a half-made attachment (a hot-plug under way or cut short) is undone, then made again if still asked for', () => {
    const plan = [primary, selected('a', 'net1'), selected('b', 'net2', { hotplug: 'adding', addFailed: true })];
    expect(hotplugPreview(plan, pod('a,b'), 'eth0')).toEqual({
      remove: [{ interface: 'net2', network: 'telco/b' }],
      add: [{ interface: 'net2', network: 'telco/b' }],
    });
  });

  it("an annotation that does not parse is the parser's error (the hot-plug then does nothing)", () => {
    const got = hotplugPreview([primary], pod('[{"name":'), 'eth0');
    expect(got).toEqual({ error: expect.stringContaining('networks annotation is not valid JSON') });
  });
});
