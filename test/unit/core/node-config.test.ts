// parseNodeConfig: braid's node CNI configuration, validated by schemas/node-config.schema.json, with
// the Multus key names accepted as aliases (product.md, "Node CNI configuration").
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import { type NodeConfig, parseNodeConfig, withNodeDefaults } from '../../../src/core/node-config.js';

function rejected(raw: JsonObject): CniError {
  try {
    parseNodeConfig(raw);
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('parseNodeConfig: a "__proto__" key never redirects a setting', () => {
  it('a "__proto__" holding cniDir does not become multusCacheDir, in the request or in the daemon\'s defaults', () => {
    const raw = JSON.parse('{"type":"braid","__proto__":{"cniDir":"/x"}}') as JsonObject;
    expect(() => parseNodeConfig(raw)).toThrow('unknown key "__proto__"');
    const merged = withNodeDefaults({ type: 'braid' }, raw);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(() => parseNodeConfig(merged)).toThrow('unknown key "__proto__"');
  });
});

describe('parseNodeConfig', () => {
  it('fills the documented defaults', () => {
    const raw = { type: 'braid' };
    const want: NodeConfig = {
      cniVersion: '0.1.0',
      name: 'braid',
      clusterNetwork: undefined,
      defaultNetworks: [],
      delegates: [],
      kubeconfig: undefined,
      localStore: undefined,
      daemonSocket: undefined,
      cacheDir: '/var/lib/braid',
      multusCacheDir: '/var/lib/cni/multus',
      confDir: '/etc/cni/net.d',
      binDir: '/opt/cni/bin',
      namespaceIsolation: false,
      globalNamespaces: ['default'],
      systemNamespaces: ['kube-system'],
      defaultNetworkNamespace: 'kube-system',
      readinessIndicatorFile: undefined,
      readinessTimeoutSeconds: 45,
      logLevel: 'warn',
      logFile: undefined,
      parallelAttach: true,
      maxParallelAttachments: 8,
      dynamicNetworks: false,
      maxNetworksPerPod: 32,
      pluginTimeoutSeconds: 120,
      deviceCheckpointFile: '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint',
      deviceInfoDir: '/var/run/k8s.cni.cncf.io/devinfo/dp',
      capabilities: {},
      runtimeConfig: {},
      raw,
    };
    expect(parseNodeConfig(raw)).toEqual(want);
  });

  it.each<[string, JsonObject, Partial<NodeConfig>]>([
    ['cniDir → cacheDir', { cniDir: '/var/lib/cni/multus' }, { cacheDir: '/var/lib/cni/multus' }],
    ['multusNamespace → defaultNetworkNamespace', { multusNamespace: 'infra' }, { defaultNetworkNamespace: 'infra' }],
    [
      'readinessindicatorfile → readinessIndicatorFile',
      { readinessindicatorfile: '/run/flannel/subnet.env' },
      { readinessIndicatorFile: '/run/flannel/subnet.env' },
    ],
    // Multus's generated config carries "readinessindicatorfile": "" when there is none.
    ['an empty readinessindicatorfile is none', { readinessindicatorfile: '' }, { readinessIndicatorFile: undefined }],
    [
      'globalNamespaces as a comma string',
      { globalNamespaces: 'default, shared ,, tenant-x' },
      { globalNamespaces: ['default', 'shared', 'tenant-x'] },
    ],
    ['globalNamespaces as a list', { globalNamespaces: ['shared'] }, { globalNamespaces: ['shared'] }],
    ['globalNamespaces empty', { globalNamespaces: '' }, { globalNamespaces: [] }],
    [
      'booleans and lists as given',
      { namespaceIsolation: true, parallelAttach: false, systemNamespaces: [] },
      { namespaceIsolation: true, parallelAttach: false, systemNamespaces: [] },
    ],
    [
      'the runtime pass-through',
      { capabilities: { portMappings: true }, runtimeConfig: { portMappings: [{ HostPort: 80 }] } },
      { capabilities: { portMappings: true }, runtimeConfig: { portMappings: [{ HostPort: 80 }] } },
    ],
  ])('%s', (_, extra, want) => {
    expect(parseNodeConfig({ type: 'braid', ...extra })).toMatchObject(want);
  });

  it('accepts a Multus thin-plugin config with only "type" changed', () => {
    const multus = {
      cniVersion: '0.3.1',
      name: 'multus-cni-network',
      type: 'braid',
      kubeconfig: '/etc/cni/net.d/multus.d/multus.kubeconfig',
      cniDir: '/var/lib/cni/multus',
      confDir: '/etc/cni/multus/net.d',
      binDir: '/opt/cni/bin',
      logLevel: 'verbose',
      logToStderr: true,
      logFile: '/var/log/multus.log',
      multusNamespace: 'kube-system',
      namespaceIsolation: true,
      globalNamespaces: 'default,infra',
      readinessindicatorfile: '',
      capabilities: { portMappings: true, bandwidth: true },
      delegates: [{ cniVersion: '0.3.1', name: 'cbr0', plugins: [{ type: 'flannel' }] }],
    };
    const c = parseNodeConfig(multus);
    expect([c.cacheDir, c.defaultNetworkNamespace, c.globalNamespaces, c.delegates.length, c.raw]).toEqual([
      '/var/lib/cni/multus',
      'kube-system',
      ['default', 'infra'],
      1,
      multus,
    ]);
  });

  it.each([
    ['cniDir', 'cacheDir'],
    ['multusNamespace', 'defaultNetworkNamespace'],
    ['readinessindicatorfile', 'readinessIndicatorFile'],
  ])('refuses both the alias %s and the key %s', (alias, key) => {
    const err = rejected({ type: 'braid', [alias]: '/x', [key]: '/y' });
    expect(err.code).toBe(ErrorCode.InvalidConfig);
    expect(err.message).toContain(`both "${key}" and its Multus alias "${alias}"`);
  });

  it.each<[string, JsonObject, string[]]>([
    ['a typo', { clusterNetwrok: 'x' }, ['unknown key "clusterNetwrok"']],
    ['the wrong case', { CacheDir: '/x' }, ['unknown key "CacheDir"']],
    ['several unknown keys, all named', { foo: 1, bar: 2 }, ['unknown key "foo"', 'unknown key "bar"']],
    ['no "type"', { type: undefined as unknown as string }, ['type']],
    ['a boolean as a string', { namespaceIsolation: 'true' }, ['"namespaceIsolation"', 'boolean']],
    ['defaultNetworks as a string', { defaultNetworks: 'a,b' }, ['"defaultNetworks"', 'array']],
    ['an empty clusterNetwork', { clusterNetwork: '' }, ['"clusterNetwork"']],
    ['a delegate that is not an object', { delegates: ['cbr0'] }, ['"delegates/0"']],
    ['an alias of the wrong type', { cniDir: 5 }, ['"cniDir"', 'string']],
    ['an unknown log level', { logLevel: 'loud' }, ['"logLevel"']],
    ['a non-boolean capability', { capabilities: { portMappings: 'yes' } }, ['"capabilities/portMappings"']],
    ['a zero plugin timeout', { pluginTimeoutSeconds: 0 }, ['"pluginTimeoutSeconds"']],
    // fuzz find node-config-proto-key: keys that name Object.prototype's parts are unknown keys like any other
    ['"__proto__"', JSON.parse('{"__proto__":{"cniDir":"/x"}}') as JsonObject, ['unknown key "__proto__"']],
    ['"constructor"', { constructor: { cniDir: '/x' } }, ['unknown key "constructor"']],
    ['"prototype"', { prototype: {} }, ['unknown key "prototype"']],
    // fuzz find multus-refusal-deep-value: a refused Multus key's value is compared and quoted without recursion
    [
      'a refused Multus key nested deep',
      { enablePprof: JSON.parse('['.repeat(6000) + ']'.repeat(6000)) as unknown },
      ['"enablePprof": (a value nested more than 32 levels deep) is a Multus setting'],
    ],
  ])('rejects %s, naming the key', (_, extra, parts) => {
    const raw: JsonObject = { type: 'braid' };
    for (const [k, v] of Object.entries(extra))
      Object.defineProperty(raw, k, { value: v, enumerable: true, writable: true, configurable: true });
    if (raw.type === undefined) delete (raw as JsonObject).type;
    const err = rejected(raw);
    expect(err.code).toBe(ErrorCode.InvalidConfig);
    expect(err.message).toMatch(/^invalid braid configuration: /);
    for (const part of parts) expect(err.message).toContain(part);
  });
});
