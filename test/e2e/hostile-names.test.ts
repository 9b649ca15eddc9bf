// Names braid builds file paths from, when someone else wrote them (fuzz finds of issue 12, test/fuzz/known-bugs.ts),
// through the executable with test plugins:
//   - multus-record-ifname-path: a Multus record whose "ifnameRequest" climbs out of Multus' directory. Before the
//     fix, DEL ran the record's delegates and then removed "<cniDir>/results/<net>-<id>-/../../../../victim",
//     whatever file that was. Now the record is passed over (logged), DEL goes on and exits 0, the file stays.
//   - plan-remove-bad-name: a container ID no file name can hold. ADD is code 4 naming CNI_CONTAINERID; DEL of it
//     exits 0 (no ADD can have attached anything under it, docs/adr/0008), where it failed with 999 on every retry.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { multusRecord } from '../support/multus-node.js';
import { braidConfig, cniEnv, listFiles, runBraid, TempDir } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

const tmp = new TempDir();
afterAll(() => tmp.remove());

const CID = 'c0ffee0123456789';
const MAIN = { cniVersion: '1.0.0', name: 'main-net', type: 'main' };
const SIDE = { cniVersion: '1.0.0', name: 'side-net', type: 'side' };

function setup(name: string) {
  const dir = tmp.sub(name);
  const plugins = new TestPlugins(dir, ['main', 'side']);
  const multusDir = join(dir, 'a', 'b', 'multus');
  const stdin = braidConfig({
    cniVersion: '1.1.0',
    cacheDir: join(dir, 'cache'),
    delegates: [MAIN],
    extra: { binDir: plugins.bin, multusCacheDir: multusDir },
  });
  const env = (command: string, containerId = CID) => ({
    ...cniEnv({ command, containerId, netns: '/var/run/netns/none', ifname: 'eth0', path: plugins.bin }),
    ...plugins.env,
  });
  return { dir, plugins, multusDir, stdin, env };
}

describe('names from elsewhere never become paths outside their directory', () => {
  it('a Multus record whose ifnameRequest climbs out: DEL exits 0, passes the record over, the file outside stays', async () => {
    const s = setup('multus-traversal');
    const traversal = '/../../../../victim';
    // the file the record's cached result would be: outside Multus' directory
    const victim = join(s.multusDir, 'results', `${SIDE.name}-${CID}-${traversal}`);
    expect(relative(s.multusDir, victim).startsWith('..')).toBe(true);
    mkdirSync(join(s.multusDir, 'results'), { recursive: true, mode: 0o700 });
    writeFileSync(victim, 'a file of the node');
    writeFileSync(
      join(s.multusDir, CID),
      multusRecord([
        { config: MAIN, name: MAIN.name, ifname: 'eth0' },
        { config: SIDE, name: `ns1/${SIDE.name}`, ifname: traversal, ifnameRequest: traversal },
      ]),
      { mode: 0o600 },
    );

    const del = await runBraid({ env: s.env('DEL'), stdin: s.stdin });
    expect([del.exitCode, del.stdout]).toEqual([0, '']);
    expect(existsSync(victim)).toBe(true);
    // the record is not used (its delegates never get the traversal as CNI_IFNAME): the configured network is
    expect(
      s.plugins
        .calls()
        .filter((c) => c.command === 'DEL')
        .map((c) => `${c.plugin} ${c.ifname}`),
    ).toEqual(['main eth0']);
    expect(existsSync(join(s.multusDir, CID))).toBe(true);
  });

  it('a container ID of 300 characters: ADD is code 4 naming CNI_CONTAINERID, DEL exits 0 and runs nothing', async () => {
    const s = setup('long-container-id');
    const id = 'x'.repeat(300);
    const add = await runBraid({ env: s.env('ADD', id), stdin: s.stdin });
    expect({ exitCode: add.exitCode, code: add.json?.code }).toEqual({ exitCode: 1, code: 4 });
    expect(add.json.msg).toMatch(/^CNI_CONTAINERID "x{300}" is 300 characters long; at most 128 are accepted$/);
    for (let i = 0; i < 2; i++) {
      const del = await runBraid({ env: s.env('DEL', id), stdin: s.stdin });
      expect([del.exitCode, del.stdout]).toEqual([0, '']);
    }
    expect(s.plugins.order()).toEqual([]);
    expect(listFiles(join(s.dir, 'cache')).filter((p) => !p.startsWith('.'))).toEqual([]);
  });
});
