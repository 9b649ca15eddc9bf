// writeFileAtomic on a real full disk (issue 12): a write the disk cannot take fails, naming the file, and leaves
// the target as it was and no temp file. Needs root, for a 16 KiB tmpfs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/store/atomic.js';

const PAGE = 4096;
let base: string;
let disk: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'braid-atomic-'));
  disk = join(base, 'disk');
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', disk]);
});

afterAll(() => {
  try {
    execFileSync('umount', [disk]);
  } catch {
    execFileSync('umount', ['-l', disk]);
  }
  rmSync(base, { recursive: true, force: true });
});

beforeEach(() => {
  for (const n of readdirSync(disk)) rmSync(join(disk, n), { recursive: true, force: true });
});

/** Fills the disk with one-page files, then frees one page: exactly PAGE bytes are left. */
function fillLeavingOnePage(): void {
  let i = 0;
  for (;;) {
    const f = join(disk, `fill-${i++}`);
    try {
      writeFileSync(f, Buffer.alloc(PAGE, 1));
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      rmSync(f, { force: true });
      break;
    }
  }
  expect(i).toBeGreaterThan(1);
  rmSync(join(disk, 'fill-0'));
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

describe('writeFileAtomic on a nearly full disk', () => {
  const big = 'x'.repeat(10 * 1024);

  it.each([true, false])('durable=%s: a 10 KiB write with 4 KiB left throws and keeps the old content', (durable) => {
    const target = join(disk, 'plan.json');
    writeFileSync(target, 'old plan');
    fillLeavingOnePage();
    expect(() => writeFileAtomic(target, big, 0o600, durable)).toThrow(target);
    expect(readFileSync(target, 'utf8')).toBe('old plan');
    expect(temps(disk)).toEqual([]);
  });

  it.each([true, false])('durable=%s: a new file that does not fit is not created', (durable) => {
    const target = join(disk, 'new.json');
    fillLeavingOnePage();
    expect(() => writeFileAtomic(target, big, 0o600, durable)).toThrow(target);
    expect(existsSync(target)).toBe(false);
    expect(temps(disk)).toEqual([]);
  });

  it('what fits is written whole', () => {
    const target = join(disk, 'small.json');
    fillLeavingOnePage();
    writeFileAtomic(target, 'y'.repeat(PAGE));
    expect(readFileSync(target, 'utf8')).toBe('y'.repeat(PAGE));
    expect(temps(disk)).toEqual([]);
  });
});

describe('writeFileAtomic when the rename fails', () => {
  it('over a directory: throws, naming the file, and leaves no temp file', () => {
    const dir = mkdtempSync(join(base, 'rename-'));
    const target = join(dir, 'plan.json');
    mkdirSync(join(target, 'sub'), { recursive: true });
    expect(() => writeFileAtomic(target, 'new')).toThrow(target);
    expect(temps(dir)).toEqual([]);
    expect(readdirSync(target)).toEqual(['sub']);
  });
});
