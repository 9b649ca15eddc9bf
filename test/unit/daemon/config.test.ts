// parseDaemonConfig / readDaemonConfig: the node configuration's keys plus the daemon's own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import { parseDaemonConfig, readDaemonConfig } from '../../../src/daemon/config.js';

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
