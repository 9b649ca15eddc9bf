// Which attachments may run at once: all of them unless a plugin's link is inside the pod (linkInContainer,
// bond-cni's linksInContainer).
import type { PluginConf } from '../../../src/cni/types.js';
import { independent, usesPodLinks } from '../../../src/core/independence.js';

const att = (...plugins: PluginConf[]) => ({ conf: { name: 'n', plugins } });

describe('usesPodLinks', () => {
  it.each<[string, PluginConf[], boolean]>([
    ['a macvlan on a host link', [{ type: 'macvlan', master: 'eth1' }], false],
    ['a macvlan on a pod link', [{ type: 'macvlan', master: 'net1', linkInContainer: true }], true],
    [
      'a vlan on the pod eth0, second in its chain',
      [{ type: 'tuning' }, { type: 'vlan', linkInContainer: true }],
      true,
    ],
    ['linkInContainer false', [{ type: 'ipvlan', linkInContainer: false }], false],
    [
      'linkInContainer "true" (a string: the plugin reads it as no bool and fails)',
      [{ type: 'ipvlan', linkInContainer: 'true' }],
      false,
    ],
    ['a bridge with host-local', [{ type: 'bridge', ipam: { type: 'host-local' } }], false],
    [
      "a bond of two of the pod's interfaces (bond-cni)",
      [{ type: 'bond', mode: 'active-backup', linksInContainer: true, links: [{ name: 'net1' }, { name: 'net2' }] }],
      true,
    ],
    ['a bond whose links are still on the host', [{ type: 'bond', linksInContainer: false }], false],
  ])('%s: %s', (_name, plugins, want) => {
    expect(usesPodLinks(att(...plugins))).toBe(want);
  });

  it("independent: every attachment, or none of the pod's links used", () => {
    expect(independent([att({ type: 'bridge' }), att({ type: 'macvlan' })])).toBe(true);
    expect(independent([att({ type: 'bridge' }), att({ type: 'macvlan', linkInContainer: true })])).toBe(false);
    expect(independent([])).toBe(true);
  });
});
