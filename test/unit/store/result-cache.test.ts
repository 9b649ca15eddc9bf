// The result cache keeps libcni's names, `<networkName>-<containerId>-<ifName>`, which two attachments can share
// ("a-b" + "c1" and "a" + "b-c1"). The IDs inside an entry decide whose it is, never the name (issue 12).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileResultCache } from '../../../src/store/result-cache.js';
import { CACHE_KIND, type AttachmentKey, type CacheEntry } from '../../../src/engine/ports.js';

const entry = (k: AttachmentKey, ip = '10.0.0.1/24'): CacheEntry => ({
  kind: CACHE_KIND,
  ...k,
  config: Buffer.from(JSON.stringify({ name: k.networkName })).toString('base64'),
  result: { ips: [{ address: ip }] },
});

let cacheDir: string;
let cache: FileResultCache;
/** The entries (writes go through the directory's .tmp/, which stays empty). */
const files = () => readdirSync(join(cacheDir, 'results')).filter((n) => n !== '.tmp');

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'braid-results-'));
  cache = new FileResultCache(cacheDir);
});

afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

const pairs: Array<[string, AttachmentKey, AttachmentKey]> = [
  [
    'network "a-b", container "c1" / network "a", container "b-c1"',
    { networkName: 'a-b', containerId: 'c1', ifName: 'eth0' },
    { networkName: 'a', containerId: 'b-c1', ifName: 'eth0' },
  ],
  [
    'container "c", ifname "x-eth0" / container "c-x", ifname "eth0"',
    { networkName: 'n', containerId: 'c', ifName: 'x-eth0' },
    { networkName: 'n', containerId: 'c-x', ifName: 'eth0' },
  ],
];

describe('ResultCache', () => {
  it("keeps libcni's file names", () => {
    expect(cache.pathOf({ networkName: 'net1', containerId: 'abc', ifName: 'eth0' })).toBe(
      join(cacheDir, 'results', 'net1-abc-eth0'),
    );
  });

  it.each(pairs)('%s share a file: one is never read as the other', (_what, owner, other) => {
    expect(cache.pathOf(owner)).toBe(cache.pathOf(other));
    cache.write(entry(owner));
    expect(cache.read(owner)).toEqual(entry(owner));
    expect(cache.read(other)).toBeUndefined();
    expect(cache.listForContainer(other.containerId)).toEqual([]);
    expect(cache.listForContainer(owner.containerId)).toEqual([entry(owner)]);
  });

  it.each(pairs)("%s share a file: removing one leaves the other's entry", (_what, owner, other) => {
    cache.write(entry(owner));
    cache.remove(other);
    expect(cache.read(owner)).toEqual(entry(owner));
    cache.remove(owner);
    expect(cache.read(owner)).toBeUndefined();
    expect(files()).toEqual([]);
  });

  it('removing an entry removes the temp files of writes to it that a killed braid left, and only those', () => {
    const key = { networkName: 'net1', containerId: 'c1', ifName: 'eth0' };
    const other = { networkName: 'net1', containerId: 'c10', ifName: 'eth0' };
    cache.write(entry(key));
    cache.write(entry(other));
    const temps = join(cacheDir, 'results', '.tmp');
    expect(readdirSync(temps)).toEqual([]); // written through .tmp/, nothing left there
    const [own] = files().filter((f) => f.includes('-c1-'));
    const [theirs] = files().filter((f) => f.includes('-c10-'));
    writeFileSync(join(temps, `.${own}.4242.1796159859288.tmp`), '{"kind":');
    writeFileSync(join(temps, `.${theirs}.4242.1796159859288.tmp`), '{"kind":');
    cache.remove(key);
    expect(readdirSync(temps)).toEqual([`.${theirs}.4242.1796159859288.tmp`]);
    expect(files()).toEqual([theirs]);
    expect(cache.listAll().map((e) => e.containerId)).toEqual(['c10']);
  });

  it('an unreadable entry is read as nothing and removed by its key', () => {
    const k = { networkName: 'n', containerId: 'c1', ifName: 'eth0' };
    mkdirSync(join(cacheDir, 'results'), { recursive: true });
    writeFileSync(cache.pathOf(k), '{"kind":');
    expect(cache.read(k)).toBeUndefined();
    cache.remove(k);
    expect(files()).toEqual([]);
  });

  it('listAll() holds what read() and remove() reach: entries under their own name', () => {
    const a = { networkName: 'n', containerId: 'c1', ifName: 'eth0' };
    const b = { networkName: 'n-2', containerId: 'c-1', ifName: 'net-1' };
    cache.write(entry(a));
    cache.write(entry(b));
    writeFileSync(
      join(cacheDir, 'results', 'stray-copy'),
      JSON.stringify(entry({ networkName: 'n', containerId: 'c9', ifName: 'eth0' })),
    );
    writeFileSync(
      join(cacheDir, 'results', 'n-c8-eth0'),
      JSON.stringify({ ...entry({ networkName: 'n', containerId: 'c8', ifName: 'eth0' }), containerId: 7 }),
    );
    expect(
      cache
        .listAll()
        .map((e) => `${e.networkName}/${e.containerId}/${e.ifName}`)
        .sort(),
    ).toEqual(['n-2/c-1/net-1', 'n/c1/eth0']);
  });
});

// Fuzz find multus-record-ifname-path: a key from a record someone else wrote never reaches a file outside.
describe('ResultCache: keys that are no file name', () => {
  it.each([
    ['an ifname that climbs out', { networkName: 'n', containerId: 'c1', ifName: '/../../../victim' }],
    ['an ifname with a NUL', { networkName: 'n', containerId: 'c1', ifName: 'a\u0000b' }],
    ['a network name too long for a file', { networkName: 'n'.repeat(300), containerId: 'c1', ifName: 'eth0' }],
  ])('%s: read finds nothing, remove touches nothing and does not throw', (_, key) => {
    const victim = join(cacheDir, 'victim');
    writeFileSync(victim, JSON.stringify(entry(key)));
    mkdirSync(join(cacheDir, 'a', 'b', 'results'), { recursive: true });
    const deep = new FileResultCache(join(cacheDir, 'a', 'b'));
    expect(deep.read(key)).toBeUndefined();
    expect(() => deep.remove(key)).not.toThrow();
    expect(readdirSync(cacheDir)).toContain('victim');
  });

  it('refuses to write under a name that leaves its directory', () => {
    expect(() => cache.write(entry({ networkName: 'n', containerId: 'c1', ifName: '/../x' }))).toThrow(
      /is not a file name/,
    );
    expect(readdirSync(cacheDir)).not.toContain('x');
  });
});
