// STATUS and GC (CNI 1.1) cover every delegate and every attachment, not only the cluster network.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

let dir: string;
let bin: string;
let plugins: TestPlugins;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-gc-'));
  plugins = new TestPlugins(dir, ['main', 'side', 'old']);
  bin = plugins.bin;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const config = (extra: Record<string, unknown> = {}) => ({
  cniVersion: '1.1.0',
  name: 'braid',
  type: 'braid',
  cacheDir: join(dir, 'cache'),
  binDir: bin,
  delegates: [
    { cniVersion: '1.1.0', name: 'main-net', type: 'main' },
    { cniVersion: '1.1.0', name: 'side-net', plugins: [{ type: 'side' }] },
    { cniVersion: '0.4.0', name: 'old-net', type: 'old' },
  ],
  ...extra,
});

function run(command: string, env: Record<string, string> = {}, conf = config()) {
  return spawnSync('bin/braid', [], {
    input: JSON.stringify(conf),
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      BRAID_TEST_PLUGIN_DIR: dir,
      CNI_COMMAND: command,
      CNI_PATH: bin,
      CNI_NETNS: '/var/run/netns/x',
      CNI_IFNAME: 'eth0',
      ...env,
    },
  });
}

describe('STATUS', () => {
  it('asks every 1.1.0 delegate and skips older ones', () => {
    const out = run('STATUS');
    expect(out.status).toBe(0);
    expect(plugins.calls().map((c) => `${c.plugin} ${c.command}`)).toEqual(['main STATUS', 'side STATUS']);
  });

  it('a delegate that is not ready makes braid not ready, naming the network', () => {
    plugins.answer('side', 'STATUS', {
      exitCode: 1,
      result: { cniVersion: '1.1.0', code: 50, msg: 'side daemon down' },
    });
    const out = run('STATUS');
    expect(out.status).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      code: 50,
      msg: expect.stringContaining('network side-net is not ready'),
    });
  });
});

describe('GC', () => {
  it('removes attachments of containers not in the valid list, then lets each delegate collect', () => {
    for (const id of ['keep', 'stale']) expect(run('ADD', { CNI_CONTAINERID: id }).status).toBe(0);
    const out = run('GC', {}, config({ 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] }));
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const calls = plugins.calls().filter((c) => c.command !== 'ADD');
    expect(calls.filter((c) => c.command === 'DEL').map((c) => `${c.plugin} ${c.containerId} ${c.ifname}`)).toEqual([
      'old stale net2',
      'side stale net1',
      'main stale eth0',
    ]);
    const gcs = calls.filter((c) => c.command === 'GC');
    expect(gcs.map((c) => c.plugin)).toEqual(['main', 'side']);
    expect(JSON.parse(gcs[1]!.stdin)['cni.dev/valid-attachments']).toEqual([{ containerID: 'keep', ifname: 'net1' }]);
    expect(listFiles(join(dir, 'cache', 'results'))).toEqual([
      'main-net-keep-eth0',
      'old-net-keep-net2',
      'side-net-keep-net1',
    ]);
    expect(listFiles(join(dir, 'cache', 'plans'))).toEqual(['keep-eth0.json']);
  });

  it('also collects attachments that have a cache entry but lost their plan', () => {
    expect(run('ADD', { CNI_CONTAINERID: 'orphan' }).status).toBe(0);
    rmSync(join(dir, 'cache', 'plans', 'orphan-eth0.json'));
    const out = run('GC', {}, config({ 'cni.dev/valid-attachments': [] }));
    expect(out.status).toBe(0);
    expect(
      plugins
        .calls()
        .filter((c) => c.command === 'DEL')
        .map((c) => `${c.plugin} ${c.containerId}`)
        .sort(),
    ).toEqual(['main orphan', 'old orphan', 'side orphan']);
    expect(listFiles(join(dir, 'cache', 'results'))).toEqual([]);
  });

  it('GC without the valid-attachments list is a configuration error', () => {
    const out = run('GC');
    expect(out.status).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      code: 7,
      msg: expect.stringContaining('cni.dev/valid-attachments'),
    });
  });
});
