// withNodeDefaults: the daemon's node keys are the defaults for every request, the request's own keys win key by
// key, a Multus alias counting as the key it stands for (issue 8, item 8). What parseNodeConfig then makes of the
// merge is checked too, since that is what a request runs with.
import type { JsonObject } from '../../../src/cni/types.js';
import { parseNodeConfig, withNodeDefaults } from '../../../src/core/node-config.js';

const request = (keys: JsonObject): JsonObject => ({ cniVersion: '1.0.0', name: 'braid', type: 'braid', ...keys });

interface Case {
  what: string;
  daemon: JsonObject;
  request: JsonObject;
  /** The merge, exactly. */
  merged: JsonObject;
  /** Some fields of parseNodeConfig(merged). */
  parsed?: Record<string, unknown>;
}

const cases: Case[] = [
  {
    what: 'a key only in the daemon config applies',
    daemon: { clusterNetwork: 'from-daemon', parallelAttach: false },
    request: request({ daemonSocket: '/run/braid/braid.sock' }),
    merged: request({ daemonSocket: '/run/braid/braid.sock', clusterNetwork: 'from-daemon', parallelAttach: false }),
    parsed: { clusterNetwork: 'from-daemon', parallelAttach: false },
  },
  {
    what: "the request's key wins",
    daemon: { clusterNetwork: 'from-daemon', logLevel: 'debug', pluginTimeoutSeconds: 5 },
    request: request({ clusterNetwork: 'from-request', pluginTimeoutSeconds: 30 }),
    merged: request({ clusterNetwork: 'from-request', logLevel: 'debug', pluginTimeoutSeconds: 30 }),
    parsed: { clusterNetwork: 'from-request', logLevel: 'debug', pluginTimeoutSeconds: 30 },
  },
  {
    what: "a false or empty value in the request still wins (it is the request's key)",
    daemon: { parallelAttach: true, readinessIndicatorFile: '/run/ready', namespaceIsolation: true },
    request: request({ parallelAttach: false, readinessIndicatorFile: '', namespaceIsolation: false }),
    merged: request({ parallelAttach: false, readinessIndicatorFile: '', namespaceIsolation: false }),
    parsed: { parallelAttach: false, readinessIndicatorFile: undefined, namespaceIsolation: false },
  },
  {
    what: "the request's Multus alias cniDir beats the daemon's cacheDir",
    daemon: { cacheDir: '/daemon/cache' },
    request: request({ cniDir: '/request/cache' }),
    merged: request({ cniDir: '/request/cache' }),
    parsed: { cacheDir: '/request/cache' },
  },
  {
    what: "the request's cacheDir beats the daemon's Multus alias cniDir",
    daemon: { cniDir: '/daemon/cache' },
    request: request({ cacheDir: '/request/cache' }),
    merged: request({ cacheDir: '/request/cache' }),
    parsed: { cacheDir: '/request/cache' },
  },
  {
    what: "the daemon's Multus alias applies when the request has neither name",
    daemon: { cniDir: '/daemon/cache', multusNamespace: 'kube-system' },
    request: request({}),
    merged: request({ cniDir: '/daemon/cache', multusNamespace: 'kube-system' }),
    parsed: { cacheDir: '/daemon/cache', defaultNetworkNamespace: 'kube-system' },
  },
  {
    what: 'the other aliases count as their keys too, both ways',
    daemon: { defaultNetworkNamespace: 'daemon-ns', readinessindicatorfile: '/daemon/ready' },
    request: request({ multusNamespace: 'request-ns', readinessIndicatorFile: '/request/ready' }),
    merged: request({ multusNamespace: 'request-ns', readinessIndicatorFile: '/request/ready' }),
    parsed: { defaultNetworkNamespace: 'request-ns', readinessIndicatorFile: '/request/ready' },
  },
  {
    what: 'type never comes from the defaults',
    daemon: { type: 'not-braid', clusterNetwork: 'n' },
    request: { cniVersion: '1.0.0', name: 'braid' },
    merged: { cniVersion: '1.0.0', name: 'braid', clusterNetwork: 'n' },
  },
  {
    what: "type never comes from the defaults, even when the request's type is braid's",
    daemon: { type: 'not-braid' },
    request: request({}),
    merged: request({}),
  },
  {
    what: "lists are not merged: the request's list replaces the daemon's, an empty one included",
    daemon: {
      defaultNetworks: ['d1', 'd2'],
      systemNamespaces: ['kube-system'],
      delegates: [{ type: 'bridge', name: 'from-daemon' }],
    },
    request: request({ defaultNetworks: ['r1'], systemNamespaces: [] }),
    merged: request({
      defaultNetworks: ['r1'],
      systemNamespaces: [],
      delegates: [{ type: 'bridge', name: 'from-daemon' }],
    }),
    parsed: { defaultNetworks: ['r1'], systemNamespaces: [] },
  },
  {
    what: "objects are not merged: the request's object replaces the daemon's",
    daemon: { capabilities: { ips: true, mac: true }, runtimeConfig: { mac: '02:00:00:00:00:01' } },
    request: request({ capabilities: { portMappings: true } }),
    merged: request({ capabilities: { portMappings: true }, runtimeConfig: { mac: '02:00:00:00:00:01' } }),
    parsed: { capabilities: { portMappings: true } },
  },
  {
    what: 'no defaults: the request as it is',
    daemon: {},
    request: request({ clusterNetwork: 'r' }),
    merged: request({ clusterNetwork: 'r' }),
  },
];

describe('withNodeDefaults', () => {
  it.each(cases)('$what', (c) => {
    const daemon = structuredClone(c.daemon);
    const req = structuredClone(c.request);
    const merged = withNodeDefaults(req, daemon);
    expect(merged).toEqual(c.merged);
    // Neither input is changed.
    expect(daemon).toEqual(c.daemon);
    expect(req).toEqual(c.request);
    if (c.parsed) expect(parseNodeConfig(merged)).toMatchObject(c.parsed);
  });

  it('an alias and its key never both reach parseNodeConfig from the two sides (which would be "both are set")', () => {
    for (const [daemon, req] of [
      [{ cacheDir: '/d' }, { cniDir: '/r' }],
      [{ cniDir: '/d' }, { cacheDir: '/r' }],
      [{ defaultNetworkNamespace: 'd' }, { multusNamespace: 'r' }],
      [{ multusNamespace: 'd' }, { defaultNetworkNamespace: 'r' }],
      [{ readinessIndicatorFile: '/d' }, { readinessindicatorfile: '/r' }],
      [{ readinessindicatorfile: '/d' }, { readinessIndicatorFile: '/r' }],
    ] as Array<[JsonObject, JsonObject]>)
      expect(() => parseNodeConfig(withNodeDefaults(request(req), daemon))).not.toThrow();
  });

  it('a request that sets a key and its alias itself is still refused (the defaults do not hide it)', () => {
    expect(() =>
      parseNodeConfig(withNodeDefaults(request({ cacheDir: '/a', cniDir: '/b' }), { cacheDir: '/d' })),
    ).toThrow(/both "cacheDir" and its Multus alias "cniDir" are set/);
  });
});
