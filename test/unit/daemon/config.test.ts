// parseDaemonConfig / readDaemonConfig: the node configuration's keys plus the daemon's own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import { type NodeConfig, parseNodeConfig, withNodeDefaults } from '../../../src/core/node-config.js';
import { type DaemonConfig, parseDaemonConfig, readDaemonConfig } from '../../../src/daemon/config.js';
import { Metrics } from '../../../src/daemon/metrics.js';
import { listenForMetrics } from '../../../src/daemon/metrics-server.js';

function rejected(run: () => unknown): CniError {
  try {
    run();
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseDaemonConfig', () => {
  it('fills the defaults and takes nodeName from NODE_NAME', () => {
    const cfg = parseDaemonConfig({}, { NODE_NAME: 'node-a' });
    expect(cfg).toMatchObject({
      nodeName: 'node-a',
      socketPath: '/run/braid/braid.sock',
      maxConcurrentRequests: 16,
      drainSeconds: 30,
    });
    expect(cfg.metricsAddress).toBe('0.0.0.0:10366'); // clear of Felix's 9091 and node agents' ports
    expect('hostRoot' in cfg).toBe(false);
    expect(cfg.node).toMatchObject({ name: 'braid', cacheDir: '/var/lib/braid', logLevel: 'warn' });
  });

  it('turns the metrics listener off with an empty address and trims a trailing / from hostRoot', () => {
    const cfg = parseDaemonConfig({ metricsAddress: '', hostRoot: '/hostroot/' }, { NODE_NAME: 'n' });
    expect('metricsAddress' in cfg).toBe(false);
    expect(cfg.hostRoot).toBe('/hostroot');
    expect(cfg.node.raw).not.toHaveProperty('hostRoot');
  });

  it.each<[string, JsonObject, Record<string, string>, string]>([
    ['the config', { nodeName: 'from-config' }, {}, 'from-config'],
    ['the config over NODE_NAME', { nodeName: 'from-config' }, { NODE_NAME: 'from-env' }, 'from-config'],
    ['NODE_NAME', {}, { NODE_NAME: 'from-env' }, 'from-env'],
  ])('takes nodeName from %s', (_, raw, env, want) => {
    expect(parseDaemonConfig(raw, env).nodeName).toBe(want);
  });

  it('takes the daemon keys and passes the node keys to the node configuration', () => {
    const cfg = parseDaemonConfig(
      {
        nodeName: 'n',
        socketPath: '/tmp/b.sock',
        metricsAddress: '127.0.0.1:9300',
        maxConcurrentRequests: 2,
        drainSeconds: 5,
        kubeconfig: '/etc/kc',
        cacheDir: '/c',
        logLevel: 'debug',
      },
      {},
    );
    expect(cfg).toMatchObject({
      nodeName: 'n',
      socketPath: '/tmp/b.sock',
      metricsAddress: '127.0.0.1:9300',
      maxConcurrentRequests: 2,
      drainSeconds: 5,
    });
    expect(cfg.node).toMatchObject({ kubeconfig: '/etc/kc', cacheDir: '/c', logLevel: 'debug' });
    for (const k of ['nodeName', 'socketPath', 'metricsAddress', 'maxConcurrentRequests', 'drainSeconds'])
      expect(cfg.node.raw).not.toHaveProperty(k);
  });

  it.each<[string, JsonObject, Record<string, string>, RegExp]>([
    ['no nodeName anywhere', {}, {}, /needs "nodeName" in its configuration or NODE_NAME/],
    ['an empty NODE_NAME', {}, { NODE_NAME: '' }, /needs "nodeName"/],
    [
      'maxConcurrentRequests 0',
      { maxConcurrentRequests: 0 },
      { NODE_NAME: 'n' },
      /"maxConcurrentRequests" must be a whole number of at least 1/,
    ],
    ['maxConcurrentRequests -3', { maxConcurrentRequests: -3 }, { NODE_NAME: 'n' }, /"maxConcurrentRequests"/],
    ['maxConcurrentRequests 1.5', { maxConcurrentRequests: 1.5 }, { NODE_NAME: 'n' }, /"maxConcurrentRequests"/],
    ['maxConcurrentRequests "4"', { maxConcurrentRequests: '4' }, { NODE_NAME: 'n' }, /"maxConcurrentRequests"/],
    ['a socketPath that is not a string', { socketPath: 7 }, { NODE_NAME: 'n' }, /"socketPath" must be a string/],
    [
      'a metricsAddress that is not a string',
      { metricsAddress: 9300 },
      { NODE_NAME: 'n' },
      /"metricsAddress" must be a string/,
    ],
    ['a relative hostRoot', { hostRoot: 'hostroot' }, { NODE_NAME: 'n' }, /"hostRoot" must be an absolute path/],
    [
      'a relative spawnHelper',
      { spawnHelper: 'braid' },
      { NODE_NAME: 'n' },
      /"spawnHelper" must be an absolute path, or ""/,
    ],
    [
      'a spawnHelper of false',
      { spawnHelper: false },
      { NODE_NAME: 'n' },
      /"spawnHelper" must be an absolute path, or ""/,
    ],
    ['a nodeName that is not a string', { nodeName: 42 }, {}, /"nodeName" must be a string/],
    ['an empty nodeName', { nodeName: '' }, { NODE_NAME: 'n' }, /needs "nodeName"/],
    ['drainSeconds "10"', { drainSeconds: '10' }, { NODE_NAME: 'n' }, /"drainSeconds" must be a number of at least 0/],
    ['drainSeconds -1', { drainSeconds: -1 }, { NODE_NAME: 'n' }, /"drainSeconds" must be a number of at least 0/],
    ['an unknown key', { nodeName: 'n', maxConcurentRequests: 4 }, {}, /unknown key "maxConcurentRequests"/],
    ['a node key of the wrong type', { nodeName: 'n', cacheDir: 5 }, {}, /invalid braid configuration: .*cacheDir/],
  ])('rejects %s with code 7', (_, raw, env, msg) => {
    const err = rejected(() => parseDaemonConfig(raw, env));
    expect(err.code).toBe(7);
    expect(err.message).toMatch(msg);
  });

  it('keeps spawnHelper as given, "" (none) included, and leaves it unset otherwise (the image\'s braid)', () => {
    expect(parseDaemonConfig({ spawnHelper: '/opt/braid' }, { NODE_NAME: 'n' }).spawnHelper).toBe('/opt/braid');
    expect(parseDaemonConfig({ spawnHelper: '' }, { NODE_NAME: 'n' }).spawnHelper).toBe('');
    expect('spawnHelper' in parseDaemonConfig({}, { NODE_NAME: 'n' })).toBe(false);
  });

  it('accepts drainSeconds 0 (exit at once)', () => {
    expect(parseDaemonConfig({ drainSeconds: 0 }, { NODE_NAME: 'n' }).drainSeconds).toBe(0);
  });
});

describe('readDaemonConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-daemon-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads a JSON file', () => {
    expect(readDaemonConfig(file('ok.json', '{"nodeName":"n","maxConcurrentRequests":3}'), {})).toMatchObject({
      nodeName: 'n',
      maxConcurrentRequests: 3,
    });
  });

  it.each([
    ['a missing file', () => join(dir, 'missing.json'), /cannot read the daemon configuration .*missing\.json/],
    [
      'a file that is not JSON',
      () => file('bad.json', 'nodeName: n'),
      /cannot read the daemon configuration .*bad\.json/,
    ],
    ['a JSON array', () => file('array.json', '[]'), /must be a JSON object/],
  ])('rejects %s with code 7', (_, path, msg) => {
    const err = rejected(() => readDaemonConfig(path(), { NODE_NAME: 'n' }));
    expect(err.code).toBe(7);
    expect(err.message).toMatch(msg);
  });
});

// Multus' thick daemon overlays its whole daemon-config.json onto every request: a Multus key there must do in braid's
// daemon configuration what it does on stdin, or be refused with what to use (issue 11, item 3; docs/adr/0017).
describe("Multus' configuration keys in the daemon's configuration", () => {
  /** What a request runs with: the daemon's node keys under the request's own (daemon.ts, serve.ts). */
  const requestConfig = (cfg: DaemonConfig) =>
    parseNodeConfig(withNodeDefaults({ cniVersion: '1.0.0', type: 'braid' }, cfg.node.raw));
  type Outcome = { effect: (c: DaemonConfig) => unknown; want: unknown } | { refused: RegExp };
  const node = (effect: (c: NodeConfig) => unknown, want: unknown): Outcome => ({
    // Both in the daemon's own node configuration and in every request's.
    effect: (c) => [effect(c.node), effect(requestConfig(c))],
    want: [want, want],
  });
  const accepted = node(() => 'parsed', 'parsed');

  /** [key, value, outcome]: every key of Multus' reference (the list in test/unit/core/multus-keys.test.ts). */
  const IN_DAEMON_JSON: Array<[string, unknown, Outcome]> = [
    // The version of Multus' generated config; in braid, the default of a request without one (none comes so).
    ['cniVersion', '0.3.1', { effect: (c) => c.node.cniVersion, want: '0.3.1' }],
    ['name', 'multus-cni-network', { effect: (c) => c.node.name, want: 'multus-cni-network' }],
    ['type', 'multus-shim', { effect: (c) => c.node.raw.type, want: 'multus-shim' }],
    ['capabilities', { portMappings: true }, node((c) => c.capabilities, { portMappings: true })],
    ['ipam', { type: 'host-local' }, { refused: /"ipam" is a Multus key braid does not support: .*`spec.config`/ }],
    ['dns', {}, { refused: /"dns" is a Multus key braid does not support: .*set `dns`/ }],
    ['cni.dev/valid-attachments', [], { effect: (c) => c.node.raw['cni.dev/valid-attachments'], want: [] }],
    ['prevResult', {}, { effect: (c) => c.node.raw.prevResult, want: {} }],
    ['confDir', '/etc/cni/multus/net.d', node((c) => c.confDir, '/etc/cni/multus/net.d')],
    [
      'cniDir',
      '/var/lib/cni/multus',
      node((c) => [c.cacheDir, c.multusCacheDir], ['/var/lib/cni/multus', '/var/lib/cni/multus']),
    ],
    ['binDir', '/opt/cni/bin2', node((c) => c.binDir, '/opt/cni/bin2')],
    ['delegates', [{ type: 'flannel', name: 'cbr0' }], node((c) => c.delegates.length, 1)],
    [
      'clusterNetwork',
      '/host/etc/cni/net.d/10-calico.conflist',
      node((c) => c.clusterNetwork, '/host/etc/cni/net.d/10-calico.conflist'),
    ],
    ['defaultNetworks', ['sidecar'], node((c) => c.defaultNetworks, ['sidecar'])],
    ['kubeconfig', '/etc/kc', node((c) => c.kubeconfig, '/etc/kc')],
    ['logFile', '/var/log/multus.log', node((c) => c.logFile, '/var/log/multus.log')],
    ['logLevel', 'verbose', node((c) => c.logLevel, 'verbose')],
    ['logToStderr', false, node((c) => c.logToStderr, false)],
    [
      'logOptions',
      { maxAge: 5 },
      { refused: /"logOptions" is a Multus key braid does not support: .*logrotate's `copytruncate`/ },
    ],
    ['runtimeConfig', {}, node((c) => c.runtimeConfig, {})],
    ['readinessindicatorfile', '/run/ready', node((c) => c.readinessIndicatorFile, '/run/ready')],
    ['namespaceIsolation', true, node((c) => c.namespaceIsolation, true)],
    ['globalNamespaces', 'a,b', node((c) => c.globalNamespaces, ['a', 'b'])],
    [
      'auxiliaryCNIChainName',
      'aux',
      { refused: /"auxiliaryCNIChainName" is a Multus key braid does not support: .*`clusterNetwork`/ },
    ],
    ['systemNamespaces', ['infra'], node((c) => c.systemNamespaces, ['infra'])],
    ['multusNamespace', 'infra', node((c) => c.defaultNetworkNamespace, 'infra')],
    ['retryDeleteOnError', true, accepted],
    [
      'retryDeleteOnError',
      false,
      { refused: /"retryDeleteOnError": false is a Multus setting braid does not support/ },
    ],
    ['cniConf', '/host/etc/cni/multus/net.d', accepted],
    ['chrootDir', '/hostroot', { effect: (c) => c.hostRoot, want: '/hostroot' }],
    ['chrootDir', '', { effect: (c) => c.hostRoot, want: undefined }],
    ['socketDir', '/host/run/multus/', { effect: (c) => c.socketPath, want: '/host/run/multus/braid.sock' }],
    [
      'perNodeCertificate',
      { enabled: true },
      { refused: /"perNodeCertificate" is a Multus key braid does not support: .*`kubeconfig`/ },
    ],
    ['connectionLimit', 1, { effect: (c) => c.maxConcurrentRequests, want: 1 }],
    ['metricsPort', 9091, { effect: (c) => c.metricsAddress, want: ':9091' }],
    ['enablePprof', true, { refused: /"enablePprof": true is a Multus setting braid does not support/ }],
    ['enablePprof', false, accepted],
    [
      'multusConfigFile',
      'auto',
      { refused: /"multusConfigFile" is a Multus key braid does not support: .*`braid install --conf-dir DIR --auto`/ },
    ],
    [
      'cniConfigDir',
      '/host/etc/cni/net.d',
      { refused: /"cniConfigDir" is a Multus key braid does not support: .*`braid install --conf-dir DIR`/ },
    ],
    [
      'multusAutoconfigDir',
      '/host/etc/cni/net.d',
      { refused: /"multusAutoconfigDir" .*`braid install --auto --conf-dir DIR`/ },
    ],
    [
      'multusMasterCNI',
      '10-calico.conflist',
      { refused: /"multusMasterCNI" .*`clusterNetwork`.*`braid install --settings FILE`/ },
    ],
    ['forceCNIVersion', true, { refused: /"forceCNIVersion": true is a Multus setting .*`cniVersion`/ }],
    ['forceCNIVersion', false, accepted],
    ['overrideNetworkName', true, { refused: /"overrideNetworkName": true is a Multus setting .*`braid`/ }],
    ['overrideNetworkName', false, accepted],
    ['daemonSocketDir', '/run/multus/', { refused: /"daemonSocketDir" .*set `daemonSocket` to `<dir>\/braid.sock`/ }],
  ];

  it.each(IN_DAEMON_JSON)('%s: %j', (key, value, outcome) => {
    const raw = { nodeName: 'n', [key]: value };
    if ('refused' in outcome) {
      const err = rejected(() => parseDaemonConfig(raw, {}));
      expect(err.code).toBe(7);
      expect(err.message).toMatch(outcome.refused);
      expect(err.message).not.toMatch(/unknown key/);
    } else {
      expect(outcome.effect(parseDaemonConfig(raw, {}))).toEqual(outcome.want);
    }
  });

  it("keeps Multus' daemon keys out of the node keys handed to requests", () => {
    const cfg = parseDaemonConfig(
      { nodeName: 'n', chrootDir: '/hostroot', socketDir: '/run/m', connectionLimit: 2, metricsPort: 9 },
      {},
    );
    for (const k of ['chrootDir', 'socketDir', 'connectionLimit', 'metricsPort'])
      expect(cfg.node.raw).not.toHaveProperty(k);
  });

  it('matches them case-insensitively, as Multus does', () => {
    const cfg = parseDaemonConfig({ nodeName: 'n', ChrootDir: '/hostroot', SOCKETDIR: '/run/m' }, {});
    expect([cfg.hostRoot, cfg.socketPath]).toEqual(['/hostroot', '/run/m/braid.sock']);
  });

  it.each<[string, JsonObject, RegExp]>([
    [
      'chrootDir and hostRoot',
      { chrootDir: '/a', hostRoot: '/b' },
      /both "hostRoot" and Multus' "chrootDir", which braid reads as "hostRoot", are set; keep one/,
    ],
    [
      'socketDir and socketPath',
      { socketDir: '/a', socketPath: '/b/x.sock' },
      /both "socketPath" and Multus' "socketDir"/,
    ],
    [
      'connectionLimit and maxConcurrentRequests',
      { connectionLimit: 1, maxConcurrentRequests: 2 },
      /both "maxConcurrentRequests" and Multus' "connectionLimit"/,
    ],
    [
      'metricsPort and metricsAddress',
      { metricsPort: 1, metricsAddress: '' },
      /both "metricsAddress" and Multus' "metricsPort"/,
    ],
    [
      'connectionLimit 0 (Multus refuses it too)',
      { connectionLimit: 0 },
      /"connectionLimit" must be a whole number of at least 1/,
    ],
    ['metricsPort 0', { metricsPort: 0 }, /"metricsPort" must be a port number/],
    ['metricsPort "9091"', { metricsPort: '9091' }, /"metricsPort" must be a port number/],
    ['metricsPort 70000', { metricsPort: 70000 }, /"metricsPort" must be a port number/],
    ['a relative chrootDir', { chrootDir: 'hostroot' }, /"chrootDir" must be an absolute path/],
    ['an empty socketDir', { socketDir: '' }, /"socketDir" must be a directory/],
  ])('refuses %s', (_, extra, msg) => {
    const err = rejected(() => parseDaemonConfig({ nodeName: 'n', ...extra }, {}));
    expect(err.code).toBe(7);
    expect(err.message).toMatch(msg);
  });

  // deployments/multus-daemonset-thick.yml's daemon-config.json, as shipped.
  const shipped = {
    chrootDir: '/hostroot',
    cniVersion: '0.3.1',
    logLevel: 'verbose',
    logToStderr: true,
    cniConfigDir: '/host/etc/cni/net.d',
    multusAutoconfigDir: '/host/etc/cni/net.d',
    multusConfigFile: 'auto',
    socketDir: '/host/run/multus/',
  };

  it("refuses the shipped daemon-config.json's config-generation keys, each with the braid install flag to use", () => {
    const err = rejected(() => parseDaemonConfig(shipped, { NODE_NAME: 'n' }));
    expect(err.code).toBe(7);
    expect(err.message).not.toMatch(/unknown key/);
    for (const k of ['cniConfigDir', 'multusAutoconfigDir', 'multusConfigFile'])
      expect(err.message).toMatch(new RegExp(`"${k}" is a Multus key braid does not support: [^"]*\`braid install `));
  });

  it('takes the rest of it as Multus does', () => {
    const rest: JsonObject = { ...shipped };
    for (const k of ['cniConfigDir', 'multusAutoconfigDir', 'multusConfigFile']) delete rest[k];
    const cfg = parseDaemonConfig(rest, { NODE_NAME: 'n' });
    expect([cfg.hostRoot, cfg.socketPath, cfg.node.logLevel, cfg.node.logToStderr]).toEqual([
      '/hostroot',
      '/host/run/multus/braid.sock',
      'verbose',
      true,
    ]);
  });

  it("refuses the e2e template's forceCNIVersion and takes the rest of its additions", () => {
    const e2e = {
      confDir: '/etc/cni/multus/net.d',
      binDir: '/opt/cni/bin',
      cniDir: '/var/lib/cni/multus',
      logFile: '/var/log/multus.log',
      connectionLimit: 1,
    };
    const err = rejected(() => parseDaemonConfig({ ...e2e, forceCNIVersion: true }, { NODE_NAME: 'n' }));
    expect(err.message).toMatch(
      /"forceCNIVersion": true is a Multus setting braid does not support: braid never rewrites/,
    );
    const cfg = parseDaemonConfig(e2e, { NODE_NAME: 'n' });
    expect([cfg.maxConcurrentRequests, cfg.node.cacheDir, cfg.node.confDir]).toEqual([
      1,
      '/var/lib/cni/multus',
      '/etc/cni/multus/net.d',
    ]);
  });

  it('serves metrics on every address for metricsPort, as Multus does', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as AddressInfo).port;
    await new Promise((r) => free.close(r));
    const cfg = parseDaemonConfig({ nodeName: 'n', metricsPort: port }, {});
    const server = await listenForMetrics(cfg.metricsAddress!, new Metrics(), {
      healthy: () => true,
      ready: () => ({ ok: true }),
    });
    try {
      expect(['::', '0.0.0.0']).toContain((server.address() as AddressInfo).address);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
