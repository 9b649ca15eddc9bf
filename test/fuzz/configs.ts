// Valid network configurations (a NAD's spec.config, inline delegates) and braid's node configuration, for the fuzz
// suite to start from.
import fc from 'fast-check';
import { NODE_CONFIG_KEYS } from '../../src/core/generated/node-config-keys.js';
import { MULTUS_DAEMON_KEYS, MULTUS_NODE_KEYS, MULTUS_REJECTED } from '../../src/core/generated/multus-keys.js';
import { cniVersion, label, networkName, pluginType, smallObject } from './arbitraries.js';

const capabilities = fc.dictionary(
  fc.constantFrom('ips', 'mac', 'bandwidth', 'portMappings', 'infinibandGUID', 'deviceID', 'other'),
  fc.boolean(),
  { maxKeys: 4, noNullPrototype: true },
);

export const pluginConf = fc.record(
  {
    type: pluginType,
    capabilities,
    master: fc.constantFrom('eth0', 'ens3'),
    mode: fc.constantFrom('bridge', 'l2'),
    args: fc.record({ cni: smallObject }, { noNullPrototype: true }),
    ipam: fc.record({ type: fc.constantFrom('host-local', 'static', 'whereabouts') }, { noNullPrototype: true }),
  },
  { requiredKeys: ['type'], noNullPrototype: true },
);

/** A single plugin's config (with or without a name: a NAD's name fills it) or a conflist. */
export const netConf: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .tuple(pluginConf, fc.option(networkName, { nil: undefined }), fc.option(cniVersion, { nil: undefined }))
    .map(([p, name, v]) => ({ ...p, ...(name ? { name } : {}), ...(v ? { cniVersion: v } : {}) })),
  fc
    .record(
      { cniVersion, name: networkName, plugins: fc.array(pluginConf, { minLength: 1, maxLength: 3 }) },
      { noNullPrototype: true },
    )
    .map((c) => c as Record<string, unknown>),
);

/** The keys of a network config worth hitting. */
export const NET_CONF_KEYS = [
  'cniVersion',
  'cniVersions',
  'name',
  'type',
  'plugins',
  'capabilities',
  'args',
  'cni',
  'ipam',
];

/** A valid braid node configuration: "type": "braid" and a few of its keys, some in Multus' spelling. */
export const nodeConfig: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      cniVersion,
      name: fc.constantFrom('braid', 'multus-cni-network'),
      clusterNetwork: fc.oneof(networkName, fc.constant('/etc/cni/net.d/10-flannel.conflist')),
      defaultNetworks: fc.array(networkName, { maxLength: 2 }),
      cacheDir: fc.constant('/var/lib/braid'),
      namespaceIsolation: fc.boolean(),
      globalNamespaces: fc.oneof(
        fc.array(label, { maxLength: 3 }),
        fc.array(label, { maxLength: 3 }).map((l) => l.join(',')),
      ),
      systemNamespaces: fc.array(label, { maxLength: 2 }),
      defaultNetworkNamespace: label,
      logLevel: fc.constantFrom('debug', 'info', 'verbose', 'panic'),
      maxNetworksPerPod: fc.integer({ min: 1, max: 64 }),
      maxParallelAttachments: fc.integer({ min: 1, max: 8 }),
      pluginTimeoutSeconds: fc.double({ min: 0.5, max: 600, noNaN: true }),
      readinessTimeoutSeconds: fc.integer({ min: 0, max: 60 }),
      parallelAttach: fc.boolean(),
      capabilities: fc.dictionary(fc.constantFrom('ips', 'mac', 'io.kubernetes.cri.pod-annotations'), fc.boolean(), {
        noNullPrototype: true,
      }),
      runtimeConfig: smallObject,
      ReadinessIndicatorFile: fc.constant(''),
      retryDeleteOnError: fc.constant(true),
      'cni.dev/valid-attachments': fc.array(
        fc.record({ containerID: fc.string(), ifname: fc.string() }, { noNullPrototype: true }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: ['cniVersion'], noNullPrototype: true },
  )
  .map((c) => ({ type: 'braid', ...c }));

/** Every key the node configuration knows: braid's and Multus'. */
export const NODE_KEYS: readonly string[] = [
  ...NODE_CONFIG_KEYS,
  ...MULTUS_NODE_KEYS,
  ...Object.keys(MULTUS_DAEMON_KEYS),
  ...Object.keys(MULTUS_REJECTED),
];
