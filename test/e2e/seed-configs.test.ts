// Every real-world primary network config (test/fixtures/seed-cni-configs) as braid's clusterNetwork:
// each plugin must receive exactly what libcni would give it. The expectation is built independently
// with `jq -S` (sorted keys, as Go's map marshalling gives), not with braid's own code.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles, REPO } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

const SEEDS = join(REPO, 'test/fixtures/seed-cni-configs'); // copied from the project's research data, with its README
const seeds = readdirSync(SEEDS)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({
    file: f,
    seed: JSON.parse(readFileSync(join(SEEDS, f), 'utf8')) as {
      fileName: string;
      config: Record<string, unknown> | null;
    },
  }))
  .filter((s) => s.seed.config !== null);

const RUNTIME_CONFIG = {
  portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp' }],
  bandwidth: { IngressRate: 1000 },
};

function expectedStdin(list: Record<string, unknown>, plugin: Record<string, unknown>, prevResult?: unknown): unknown {
  const caps = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const rc = Object.fromEntries(Object.entries(RUNTIME_CONFIG).filter(([k]) => caps[k] === true));
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion ?? '' };
  if (Object.keys(rc).length) conf.runtimeConfig = rc;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  return execFileSync('jq', ['-cS', '.'], { input: JSON.stringify(conf), encoding: 'utf8' }).trim();
}

describe.each(seeds)('seed $file as clusterNetwork', ({ seed }) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'braid-seed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands every plugin what libcni would, in order, and DELs in reverse', () => {
    const config = seed.config!;
    const plugins = (Array.isArray(config.plugins) ? config.plugins : [config]) as Array<Record<string, unknown>>;
    const confDir = join(dir, 'net.d');
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, seed.fileName.replace(/[^\w.-]/g, '_')), JSON.stringify(config));
    const recorder = new TestPlugins(
      dir,
      plugins.map((p) => String(p.type)),
    );
    const bin = recorder.bin;
    const braidConf = {
      cniVersion: '1.0.0',
      name: 'braid',
      type: 'braid',
      cacheDir: join(dir, 'cache'),
      binDir: bin,
      confDir,
      clusterNetwork: join(confDir, seed.fileName.replace(/[^\w.-]/g, '_')),
      capabilities: { portMappings: true, bandwidth: true },
      runtimeConfig: RUNTIME_CONFIG,
    };
    const run = (command: string) =>
      spawnSync('bin/braid', [], {
        input: JSON.stringify(braidConf),
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          BRAID_TEST_PLUGIN_DIR: dir,
          CNI_COMMAND: command,
          CNI_CONTAINERID: 'seed1',
          CNI_NETNS: '/var/run/netns/none',
          CNI_IFNAME: 'eth0',
          CNI_PATH: bin,
          CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
        },
      });

    const add = run('ADD');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(JSON.parse(add.stdout).cniVersion).toBe('1.0.0');
    const adds = recorder.calls().filter((c) => c.command === 'ADD');
    expect(adds.map((c) => c.plugin)).toEqual(plugins.map((p) => p.type));
    adds.forEach((c, i) => {
      // prevResult chaining itself is asserted in test-plugin.test.ts; here it is taken as sent.
      const prev = i > 0 ? (JSON.parse(c.stdin) as { prevResult?: unknown }).prevResult : undefined;
      if (i > 0) expect(prev).toBeDefined();
      expect(c.stdin).toBe(expectedStdin(config, plugins[i]!, prev));
      expect(c.args).toBe('IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1');
    });

    expect(run('DEL').status).toBe(0);
    const dels = recorder.calls().filter((c) => c.command === 'DEL');
    expect(dels.map((c) => c.plugin)).toEqual([...plugins].reverse().map((p) => p.type));
    expect(listFiles(join(dir, 'cache', 'results'))).toEqual([]);
  });
});
