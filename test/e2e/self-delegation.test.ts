// braid never runs as a delegate of itself: a NAD could otherwise hand it a node config of its choosing
// (binDir, logFile, cacheDir) and run any binary as root on the node, or recurse without end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BRAID_BIN } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-self-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (env: Record<string, string>, config: object) =>
  spawnSync(BRAID_BIN, [], {
    input: JSON.stringify(config),
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 's1',
      CNI_NETNS: '/var/run/netns/none',
      CNI_IFNAME: 'eth0',
      CNI_PATH: join(dir, 'bin'),
      ...env,
    },
  });

describe('self-delegation', () => {
  it('braid under another name, reached as a delegate, refuses to run', () => {
    const plugins = new TestPlugins(dir, ['main']);
    symlinkSync(BRAID_BIN, join(plugins.bin, 'innocent-looking')); // a NAD type that is braid in disguise
    const out = run(plugins.env, {
      cniVersion: '1.1.0',
      name: 'braid',
      type: 'braid',
      cacheDir: join(dir, 'cache'),
      binDir: plugins.bin,
      delegates: [
        { cniVersion: '1.0.0', name: 'main-net', type: 'main' },
        { cniVersion: '1.0.0', name: 'x', type: 'innocent-looking', delegates: [] },
      ],
    });
    expect(out.status).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      code: 7,
      msg: expect.stringContaining('braid cannot be a delegate of braid'),
    });
    expect(plugins.order()).toEqual(['main ADD', 'main DEL']); // rolled back
  });
});
