// Every key of Multus' configuration reference is honoured or refused with what braid does instead and what to use,
// never a bare "unknown key" (issue 11, item 3; docs/adr/0017). The reference: Multus' thin NetConf
// (pkg/types/types.go), its thick daemon's daemon-config.json (pkg/server/types.go, pkg/server/config/generator.go),
// the keys its thin entrypoint writes into 00-multus.conf, and its shim's (pkg/server/api/shim.go). The list is
// written out here, not read from braid's table, so a key the table lacks fails.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import { MULTUS_DAEMON_KEYS, MULTUS_NODE_KEYS, MULTUS_REJECTED } from '../../../src/core/generated/multus-keys.js';
import { type NodeConfig, parseNodeConfig, withNodeDefaults } from '../../../src/core/node-config.js';
import { createLogger } from '../../../src/log/logger.js';
import { MULTUS_THIN, multusThick } from '../../support/multus-configs.js';

/** Multus' keys: NetConf (thin, and by the daemon's overlay every request), the daemon's own, the entrypoint's, the shim's. */
const MULTUS_REFERENCE = {
  netConf: [
    'cniVersion',
    'name',
    'type',
    'capabilities',
    'ipam',
    'dns',
    'cni.dev/valid-attachments',
    'prevResult',
    'confDir',
    'cniDir',
    'binDir',
    'delegates',
    'clusterNetwork',
    'defaultNetworks',
    'kubeconfig',
    'logFile',
    'logLevel',
    'logToStderr',
    'logOptions',
    'runtimeConfig',
    'readinessindicatorfile',
    'namespaceIsolation',
    'globalNamespaces',
    'auxiliaryCNIChainName',
    'systemNamespaces',
    'multusNamespace',
    'retryDeleteOnError',
  ],
  daemon: [
    'chrootDir',
    'socketDir',
    'logFile',
    'logLevel',
    'logToStderr',
    'perNodeCertificate',
    'connectionLimit',
    'metricsPort',
    'enablePprof',
    'cniVersion',
    'multusConfigFile',
    'cniConfigDir',
    'multusAutoconfigDir',
    'multusMasterCNI',
    'forceCNIVersion',
    'overrideNetworkName',
    'daemonSocketDir',
  ],
  entrypoint: [
    'cniVersion',
    'name',
    'type',
    'capabilities',
    'namespaceIsolation',
    'globalNamespaces',
    'logToStderr',
    'logLevel',
    'logFile',
    'binDir',
    'cniConf',
    'readinessindicatorfile',
    'kubeconfig',
    'delegates',
  ],
  shim: ['cniVersion', 'daemonSocketDir', 'logFile', 'logLevel', 'logToStderr'],
};
const ALL_KEYS = [...new Set(Object.values(MULTUS_REFERENCE).flat())];

function refusal(raw: JsonObject): CniError {
  try {
    parseNodeConfig(raw);
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

type Outcome = { effect: (c: NodeConfig) => unknown; want: unknown } | { refused: RegExp };
const accepted: Outcome = { effect: () => 'parsed', want: 'parsed' };
const daemonKey = (as: string): Outcome => ({
  refused: new RegExp(
    `key of Multus' daemon configuration: braid's daemon takes it, as "${as}", .*braid daemon --config`,
  ),
});

/** [key, value, what braid does with it on the CNI configuration]. */
const ON_STDIN: Array<[string, unknown, Outcome]> = [
  ['cniVersion', '0.4.0', { effect: (c) => c.cniVersion, want: '0.4.0' }],
  ['name', 'multus-cni-network', { effect: (c) => c.name, want: 'multus-cni-network' }],
  ['type', 'braid', { effect: (c) => c.raw.type, want: 'braid' }],
  ['capabilities', { portMappings: true }, { effect: (c) => c.capabilities, want: { portMappings: true } }],
  ['ipam', { type: 'host-local' }, { refused: /braid assigns no addresses itself; .*the NAD's `spec.config`/ }],
  ['dns', { nameservers: ['10.96.0.10'] }, { refused: /set `dns` in the config of the network/ }],
  ['cni.dev/valid-attachments', [], { effect: (c) => c.raw['cni.dev/valid-attachments'], want: [] }],
  ['prevResult', { cniVersion: '1.0.0' }, { effect: (c) => c.raw.prevResult, want: { cniVersion: '1.0.0' } }],
  ['confDir', '/etc/cni/multus/net.d', { effect: (c) => c.confDir, want: '/etc/cni/multus/net.d' }],
  [
    'cniDir',
    '/var/lib/cni/multus2',
    { effect: (c) => [c.cacheDir, c.multusCacheDir], want: ['/var/lib/cni/multus2', '/var/lib/cni/multus2'] },
  ],
  ['binDir', '/opt/multus/bin', { effect: (c) => c.binDir, want: '/opt/multus/bin' }],
  [
    'delegates',
    [{ type: 'flannel', name: 'cbr0' }],
    { effect: (c) => c.delegates, want: [{ type: 'flannel', name: 'cbr0' }] },
  ],
  ['clusterNetwork', 'k8s-pod-network', { effect: (c) => c.clusterNetwork, want: 'k8s-pod-network' }],
  ['defaultNetworks', ['sidecar'], { effect: (c) => c.defaultNetworks, want: ['sidecar'] }],
  [
    'kubeconfig',
    '/etc/cni/net.d/multus.d/multus.kubeconfig',
    { effect: (c) => c.kubeconfig, want: '/etc/cni/net.d/multus.d/multus.kubeconfig' },
  ],
  ['logFile', '/var/log/multus.log', { effect: (c) => c.logFile, want: '/var/log/multus.log' }],
  ['logLevel', 'verbose', { effect: (c) => c.logLevel, want: 'verbose' }],
  ['logToStderr', false, { effect: (c) => c.logToStderr, want: false }],
  ['logToStderr', true, { effect: (c) => c.logToStderr, want: true }],
  [
    'logOptions',
    { maxAge: 5, maxSize: 100, maxBackups: 5, compress: true },
    { refused: /does not rotate its log file; keep `logFile` and rotate it with logrotate's `copytruncate`/ },
  ],
  ['runtimeConfig', { portMappings: [] }, { effect: (c) => c.runtimeConfig, want: { portMappings: [] } }],
  [
    'readinessindicatorfile',
    '/run/flannel/subnet.env',
    { effect: (c) => c.readinessIndicatorFile, want: '/run/flannel/subnet.env' },
  ],
  ['namespaceIsolation', true, { effect: (c) => c.namespaceIsolation, want: true }],
  ['globalNamespaces', 'default, infra', { effect: (c) => c.globalNamespaces, want: ['default', 'infra'] }],
  [
    'auxiliaryCNIChainName',
    'istio',
    {
      refused:
        /no chain of its own.*the default network's file that `clusterNetwork` names, or a NAD's `spec.config` `plugins`/,
    },
  ],
  ['systemNamespaces', ['kube-system', 'infra'], { effect: (c) => c.systemNamespaces, want: ['kube-system', 'infra'] }],
  ['multusNamespace', 'infra', { effect: (c) => c.defaultNetworkNamespace, want: 'infra' }],
  ['retryDeleteOnError', true, accepted],
  [
    'retryDeleteOnError',
    false,
    {
      refused:
        /^invalid braid configuration: "retryDeleteOnError": false is a Multus setting braid does not support: braid always keeps .*set it to `true`/,
    },
  ],
  [
    'cniConf',
    '/host/etc/cni/multus/net.d',
    { effect: (c) => [c.raw.cniConf, c.confDir], want: ['/host/etc/cni/multus/net.d', '/etc/cni/net.d'] },
  ],
  ['chrootDir', '/hostroot', daemonKey('hostRoot')],
  ['socketDir', '/run/multus/', daemonKey('socketPath')],
  [
    'perNodeCertificate',
    { enabled: true, bootstrapKubeconfig: '/a', certDir: '/b' },
    { refused: /requests no certificates of its own.*set `kubeconfig` to a kubeconfig that holds it/ },
  ],
  ['connectionLimit', 1, daemonKey('maxConcurrentRequests')],
  ['metricsPort', 9091, daemonKey('metricsAddress')],
  ['enablePprof', true, { refused: /"enablePprof": true is a Multus setting .*no profiling endpoint.*--cpu-prof/ }],
  ['enablePprof', false, accepted],
  [
    'multusConfigFile',
    'auto',
    { refused: /writes no CNI configuration: `braid install --conf-dir DIR --auto` writes `00-braid.conflist`/ },
  ],
  [
    'cniConfigDir',
    '/host/etc/cni/net.d',
    { refused: /`braid install --conf-dir DIR` writes `00-braid.conflist` into DIR/ },
  ],
  ['multusAutoconfigDir', '/host/etc/cni/net.d', { refused: /use `braid install --auto --conf-dir DIR`/ }],
  [
    'multusMasterCNI',
    '10-calico.conflist',
    { refused: /set `clusterNetwork` in the file of `braid install --settings FILE`, without `--auto`/ },
  ],
  ['forceCNIVersion', true, { refused: /never rewrites the primary network's file.*the primary's `cniVersion`/ }],
  ['forceCNIVersion', false, accepted],
  ['overrideNetworkName', true, { refused: /names its conflist `braid`.*`cni_default_network`/ }],
  ['overrideNetworkName', false, accepted],
  ['daemonSocketDir', '/run/multus/', { refused: /set `daemonSocket` to `<dir>\/braid.sock`/ }],
];

describe("Multus' configuration keys on the CNI configuration", () => {
  it('covers every key of the reference, here and in the generated table', () => {
    expect([...new Set(ON_STDIN.map(([k]) => k))].sort()).toEqual([...ALL_KEYS].sort());
    const table = [...MULTUS_NODE_KEYS, ...Object.keys(MULTUS_DAEMON_KEYS), ...Object.keys(MULTUS_REJECTED)];
    expect([...table].sort()).toEqual([...ALL_KEYS].sort());
  });

  it.each(ON_STDIN)('%s: %j', (key, value, outcome) => {
    const raw = { type: 'braid', [key]: value };
    if ('refused' in outcome) {
      const err = refusal(raw);
      expect(err.code).toBe(ErrorCode.InvalidConfig);
      expect(err.message).toContain(`"${key}"`);
      expect(err.message).toMatch(outcome.refused);
      expect(err.message).not.toMatch(/unknown key/);
    } else {
      const c = parseNodeConfig(raw);
      expect(outcome.effect(c)).toEqual(outcome.want);
      expect(c.raw).toBe(raw);
    }
  });

  it('names every refused key of one config in one error', () => {
    const err = refusal({ type: 'braid', logOptions: {}, auxiliaryCNIChainName: 'x', chrootDir: '/h', typo: 1 });
    for (const part of [
      '"logOptions" is a Multus key',
      '"auxiliaryCNIChainName" is a Multus key',
      '"chrootDir" is a key of Multus\' daemon',
      'unknown key "typo"',
    ])
      expect(err.message).toContain(part);
  });

  describe('matches the keys as Multus does, case-insensitively', () => {
    it.each<[string, JsonObject, Partial<NodeConfig>]>([
      ['ReadinessIndicatorFile', { ReadinessIndicatorFile: '/run/ready' }, { readinessIndicatorFile: '/run/ready' }],
      ['READINESSINDICATORFILE', { READINESSINDICATORFILE: '/run/ready' }, { readinessIndicatorFile: '/run/ready' }],
      ['ConfDir', { ConfDir: '/etc/cni/multus/net.d' }, { confDir: '/etc/cni/multus/net.d' }],
      ['cnidir', { cnidir: '/var/lib/cni/multus' }, { cacheDir: '/var/lib/cni/multus' }],
      ['MultusNamespace', { MultusNamespace: 'infra' }, { defaultNetworkNamespace: 'infra' }],
      ['LogToStderr', { LogToStderr: false }, { logToStderr: false }],
      ['RetryDeleteOnError: true', { RetryDeleteOnError: true }, {}],
    ])('%s', (_, extra, want) => {
      expect(parseNodeConfig({ type: 'braid', ...extra })).toMatchObject(want);
    });

    it('refuses a refused key in any case, naming it as written', () => {
      const err = refusal({ type: 'braid', AuxiliaryCniChainName: 'x' });
      expect(err.message).toContain('"AuxiliaryCniChainName" is a Multus key braid does not support');
    });

    it.each<[string, JsonObject, string]>([
      ['a key twice, in two cases', { confDir: '/a', ConfDir: '/b' }, 'both "confDir" and "ConfDir" are set'],
      [
        'an alias in another case beside its key',
        { readinessIndicatorFile: '/a', ReadinessIndicatorFile: '/b' },
        'both "readinessIndicatorFile" and its Multus alias "readinessindicatorfile"',
      ],
    ])('refuses %s', (_, extra, part) => {
      expect(refusal({ type: 'braid', ...extra }).message).toContain(part);
    });

    it("keeps braid's own keys case-sensitive: a misspelt one is unknown", () => {
      expect(refusal({ type: 'braid', ParallelAttach: false }).message).toContain('unknown key "ParallelAttach"');
    });

    it("lets the request's key win over the daemon's in another case", () => {
      const merged = withNodeDefaults(
        { type: 'braid', confDir: '/request' },
        { ConfDir: '/daemon', RetryDeleteOnError: true },
      );
      expect(parseNodeConfig(merged).confDir).toBe('/request');
    });
  });

  it('takes multusCacheDir over cniDir for where Multus left its records', () => {
    const c = parseNodeConfig({ type: 'braid', cniDir: '/a', multusCacheDir: '/b' });
    expect([c.cacheDir, c.multusCacheDir]).toEqual(['/a', '/b']);
  });
});

describe("Multus' own configs", () => {
  const actionableOnly = (err: CniError, keys: string[]) => {
    expect(err.code).toBe(ErrorCode.InvalidConfig);
    expect(err.message).not.toMatch(/unknown key/);
    for (const k of keys) expect(err.message).toMatch(new RegExp(`"${k}" is a Multus key braid does not support: .+`));
  };

  it("parses the thin entrypoint's 00-multus.conf as it is", () => {
    const conf = MULTUS_THIN;
    const c = parseNodeConfig(conf);
    expect([c.name, c.kubeconfig, c.delegates.length, c.capabilities]).toEqual([
      'multus-cni-network',
      '/etc/cni/net.d/multus.d/multus.kubeconfig',
      1,
      { portMappings: true },
    ]);
  });

  it("parses the thick daemon's generated 00-multus.conf as it is", () => {
    const conf = multusThick();
    expect(parseNodeConfig(conf)).toMatchObject({ clusterNetwork: conf.clusterNetwork, logToStderr: true });
  });

  it('refuses, with what to do instead, the keys of a thick 00-multus.conf braid does not take', () => {
    // Every field of Multus' generated config, in its struct order.
    const conf = {
      binDir: '/opt/cni/bin',
      capabilities: { portMappings: true },
      cniVersion: '0.3.1',
      logFile: '/var/log/multus.log',
      logLevel: 'debug',
      logToStderr: false,
      logOptions: { maxAge: 5 },
      name: 'multus-cni-network',
      clusterNetwork: '/host/etc/cni/net.d/10-calico.conflist',
      namespaceIsolation: true,
      globalNamespaces: 'default,infra',
      type: 'multus-shim',
      cniDir: '/var/lib/cni/multus',
      auxiliaryCNIChainName: 'aux',
      daemonSocketDir: '/run/multus/',
    };
    actionableOnly(refusal(conf), ['logOptions', 'auxiliaryCNIChainName', 'daemonSocketDir']);
  });

  it("refuses, with what to do instead, only the shim's daemonSocketDir", () => {
    const conf = {
      cniVersion: '0.3.1',
      name: 'multus-cni-network',
      type: 'multus-shim',
      daemonSocketDir: '/run/multus/',
      logFile: '/var/log/multus-shim.log',
      logLevel: 'error',
      logToStderr: false,
    };
    const err = refusal(conf);
    actionableOnly(err, ['daemonSocketDir']);
    expect(err.message.match(/is a Multus key/g)).toHaveLength(1);
  });
});

describe('logToStderr in the logger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('false and no logFile: nothing is logged anywhere', () => {
    expect(createLogger({ logToStderr: false, logLevel: 'debug' }).level).toBe('silent');
  });

  it.each([false, true, undefined])('%s with a logFile: the file gets the lines', (logToStderr) => {
    const logFile = join(dir, `${String(logToStderr)}.log`);
    const log = createLogger({ logToStderr, logFile, logLevel: 'info' });
    log.info('to the file');
    log.debug('below the level');
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['to the file']);
  });

  it("unset and no logFile: braid's default, stderr at the level asked", () => {
    expect(createLogger({ logLevel: 'verbose' }).level).toBe('debug');
  });
});
