// The local store's status paths: DEL builds them from CNI_ARGS alone, so they must stay under DIR/status; DEL removes only its own.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../src/local/local-store.js';

describe('LocalStore.statusPath', () => {
  const store = new LocalStore('/srv/store');

  it('is DIR/status/<namespace>/<name>.json', () => {
    expect(store.statusPath('telco', 'upf-0')).toBe('/srv/store/status/telco/upf-0.json');
  });

  it.each([
    ['../../../etc', 'passwd'],
    ['default', '../x'],
    ['..', 'x'],
    ['default', '.'],
    ['', 'x'],
    ['a/b', 'x'],
  ])('refuses namespace %j, name %j', (ns, name) => {
    expect(() => store.statusPath(ns, name)).toThrow('is not a pod namespace or name');
  });
});

describe('LocalStore status: DEL removes only what its own container wrote (issue 12)', () => {
  let dir: string;
  let store: LocalStore;
  const POD = { namespace: 'telco', name: 'upf-0' };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'braid-local-status-'));
    store = new LocalStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a stale DEL (another container) leaves the newer sandbox's status; its own DEL removes it", async () => {
    await store.write(POD, 'c-new', [{ name: 'net', interface: 'eth0' }]);
    await store.remove(POD, 'c-old');
    expect(existsSync(store.statusPath('telco', 'upf-0'))).toBe(true);
    await store.remove(POD, 'c-new');
    expect(existsSync(store.statusPath('telco', 'upf-0'))).toBe(false);
    expect(readdirSync(join(dir, 'status', 'telco'))).toEqual([]);
  });

  it('a status written before owners were recorded is removed by any DEL', async () => {
    mkdirSync(join(dir, 'status', 'telco'), { recursive: true });
    writeFileSync(store.statusPath('telco', 'upf-0'), '[]');
    await store.remove(POD, 'c-any');
    expect(existsSync(store.statusPath('telco', 'upf-0'))).toBe(false);
  });
});
