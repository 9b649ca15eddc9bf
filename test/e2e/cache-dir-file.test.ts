// Issue 12 item 10: a cacheDir that is a file. ADD fails before any delegate runs, with a CNI error naming the path
// and what to do; DEL, which can read no plan or result there, still releases what it can (the node's configured
// networks), logs why, and exits 0 so the pod can go. Through the executable, with real plugins in namespaces.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridge } from '../support/delegates.js';
import { braidConfig, cniEnv, leases, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

const lab = new NetnsLab();
const tmp = new TempDir();
afterAll(() => {
  lab.cleanup();
  tmp.remove();
});

describe('a cacheDir that is a file', () => {
  it('ADD fails with an error naming the file and what to do, and runs no delegate', async () => {
    const dir = tmp.sub('add');
    const plugins = new TestPlugins(join(dir, 'plugins'), ['tp']);
    const cacheDir = join(dir, 'cache');
    writeFileSync(cacheDir, 'not a directory\n');
    const out = await runBraid({
      stdin: braidConfig({
        cniVersion: '1.1.0',
        cacheDir,
        delegates: [{ cniVersion: '1.0.0', name: 'net', type: 'tp' }],
        extra: { binDir: plugins.bin },
      }),
      env: {
        ...cniEnv({ command: 'ADD', containerId: 'c1', netns: '/var/run/netns/none', ifname: 'eth0' }),
        ...plugins.env,
      },
    });
    expect(out.exitCode).toBe(1);
    expect(out.json).toEqual({
      cniVersion: '1.1.0',
      code: 5,
      msg: `braid's cacheDir ${cacheDir} cannot be used: ${cacheDir} is a file, not a directory (braid saves each pod's plan there before it runs any delegate)`,
      details: `move or remove ${cacheDir} (braid creates the directories it needs), or set "cacheDir" in braid's configuration to a directory`,
    });
    expect(plugins.calls().filter((c) => c.command !== 'VERSION')).toEqual([]);
  });

  it('a file further up the path is the one named', async () => {
    const dir = tmp.sub('parent');
    const plugins = new TestPlugins(join(dir, 'plugins'), ['tp']);
    writeFileSync(join(dir, 'state'), '');
    const out = await runBraid({
      stdin: braidConfig({
        cniVersion: '1.1.0',
        cacheDir: join(dir, 'state', 'braid'),
        delegates: [{ cniVersion: '1.0.0', name: 'net', type: 'tp' }],
        extra: { binDir: plugins.bin },
      }),
      env: {
        ...cniEnv({ command: 'ADD', containerId: 'c1', netns: '/var/run/netns/none', ifname: 'eth0' }),
        ...plugins.env,
      },
    });
    expect(out.exitCode).toBe(1);
    expect(out.json.msg).toContain(`${join(dir, 'state')} is a file, not a directory`);
    expect(plugins.calls().filter((c) => c.command !== 'VERSION')).toEqual([]);
  });

  it('DEL exits 0 after releasing the configured network, and logs why it had no record', async () => {
    const dir = tmp.sub('del');
    const node = lab.node();
    const pod = lab.pod();
    const cacheDir = join(dir, 'cache');
    const run = (command: string) =>
      runBraid({
        node,
        stdin: braidConfig({ cniVersion: '1.1.0', cacheDir, delegates: [bridge('1.0.0', dir)] }),
        env: cniEnv({ command, containerId: 'c1', netns: pod, ifname: 'eth0' }),
      });
    expect((await run('ADD')).exitCode).toBe(0);
    expect(leases(join(dir, 'ipam'), 'br-net')).toHaveLength(1);
    // the node's state dir replaced by a file (a bad mount, a mistaken copy): no plan, no result cache
    rmSync(cacheDir, { recursive: true });
    writeFileSync(cacheDir, '');

    const del = await run('DEL');
    expect(del.exitCode).toBe(0);
    expect(del.stdout).toBe('');
    expect(del.stderr).toContain(`${cacheDir} is a file, not a directory`);
    expect(leases(join(dir, 'ipam'), 'br-net')).toEqual([]);
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
    expect((await run('DEL')).exitCode).toBe(0); // and again
  });
});
