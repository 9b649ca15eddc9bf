// Dynamic networks (issue 13): the rules a hot-plug runs under are the stricter of the daemon's node keys and the
// policy the pod's ADD saved in its plan; a plan's policy is read key by key, typed, and nothing else of it is taken.
import { parseNodeConfig } from '../../../src/core/node-config.js';
import { hotplugConfig, savedPolicy } from '../../../src/daemon/hotplug-policy.js';

const node = (raw: Record<string, unknown> = {}) => parseNodeConfig({ type: 'braid', ...raw });
const rules = (c: ReturnType<typeof node>) => ({
  namespaceIsolation: c.namespaceIsolation,
  globalNamespaces: c.globalNamespaces,
  maxNetworksPerPod: c.maxNetworksPerPod,
  parallelAttach: c.parallelAttach,
  maxParallelAttachments: c.maxParallelAttachments,
});

describe('hotplugConfig: the stricter of the daemon and the saved policy', () => {
  it.each([
    [
      'the plan isolates, the daemon does not',
      {},
      { namespaceIsolation: true, globalNamespaces: ['shared'] },
      { namespaceIsolation: true, globalNamespaces: ['shared'] },
    ],
    [
      'the daemon isolates, the plan does not (a loose conflist or an edited plan file)',
      { namespaceIsolation: true, globalNamespaces: 'shared' },
      { namespaceIsolation: false, globalNamespaces: ['shared', 'other'] },
      { namespaceIsolation: true, globalNamespaces: ['shared'] },
    ],
    [
      'both isolate: the namespaces both allow',
      { namespaceIsolation: true, globalNamespaces: 'a,b' },
      { namespaceIsolation: true, globalNamespaces: ['b', 'c'] },
      { namespaceIsolation: true, globalNamespaces: ['b'] },
    ],
    [
      'the smaller counts; parallel only when both allow it',
      { maxNetworksPerPod: 8, maxParallelAttachments: 4, parallelAttach: true },
      { maxNetworksPerPod: 3, maxParallelAttachments: 9, parallelAttach: false },
      { maxNetworksPerPod: 3, maxParallelAttachments: 4, parallelAttach: false },
    ],
    ['a plan cannot loosen the counts', { maxNetworksPerPod: 2 }, { maxNetworksPerPod: 100 }, { maxNetworksPerPod: 2 }],
  ])('%s', (_what, daemon, policy, want) => {
    expect(rules(hotplugConfig(node(daemon), policy))).toMatchObject(want);
  });

  it('a plan without a policy (saved before it was kept) runs under the daemon config, unchanged', () => {
    const d = node({ namespaceIsolation: true, maxNetworksPerPod: 5 });
    expect(hotplugConfig(d, undefined)).toBe(d);
  });

  it('only POLICY_KEYS of the right type are taken: nothing else in the plan file reaches the config', () => {
    const d = node({ namespaceIsolation: true });
    const got = hotplugConfig(d, {
      namespaceIsolation: 'no',
      maxNetworksPerPod: -1,
      globalNamespaces: 'x',
      binDir: '/tmp/evil',
      confDir: '/tmp/evil',
      cacheDir: '/tmp/evil',
    });
    expect(got.binDir).toBe(d.binDir);
    expect(got.confDir).toBe(d.confDir);
    expect(got.cacheDir).toBe(d.cacheDir);
    expect(rules(got)).toEqual(rules(d));
    expect(savedPolicy({ binDir: '/x', maxNetworksPerPod: 2.5, parallelAttach: true })).toEqual({
      parallelAttach: true,
    });
    expect(savedPolicy(['x'])).toEqual({});
  });
});
