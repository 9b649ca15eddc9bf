// State on disk is a contract: write a temp file, fsync it, rename it over the target, fsync the dir.
// A crash leaves either the old file or the new one, never half of one (multus-cni#1087, #948).
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join, basename } from 'node:path';

/**
 * `durable: false` keeps the rename (a reader never sees half a file) but skips both fsyncs, for state whose loss
 * in a crash costs nothing: the result cache, which the fsync'd plan makes redundant for DEL (libcni does not fsync
 * its cache either). Each fsync costs 1-2 ms on the ADD path (issue 9).
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600, durable = true): void {
  const dir = dirname(path);
  writeVia({ dir, tmp: join(dir, tempName(path)), path, mode, durable }, data);
}

/**
 * The state braid keeps per container (plans, result caches): as writeFileAtomic, with the temp file in the
 * directory's `.tmp/` (the same filesystem, so the rename stays atomic), which stays all but empty. A writer killed
 * mid-write (a SIGKILL of the daemon, found by `npm run soak`) leaves its temp file there, and removing the target
 * (removeLeftoverTemps) finds it by listing that small directory instead of the whole cache.
 */
export function writeStateFile(path: string, data: string, durable: boolean): void {
  const dir = dirname(path);
  writeVia({ dir, tmp: join(dir, TEMP_DIR, tempName(path)), path, mode: 0o600, durable }, data);
}

const TEMP_DIR = '.tmp';
const tempPrefix = (path: string) => `.${basename(path)}.`;
const tempName = (path: string) => `${tempPrefix(path)}${process.pid}.${Date.now()}.tmp`;

function writeVia(w: { dir: string; tmp: string; path: string; mode: number; durable: boolean }, data: string): void {
  let fd: number | undefined;
  try {
    mkdirSync(dirname(w.tmp), { recursive: true, mode: 0o700 });
    fd = openSync(w.tmp, 'w', w.mode);
    writeAll(fd, Buffer.from(data, 'utf8'));
    if (w.durable) fsyncSync(fd);
    const open = fd;
    fd = undefined; // a failed close still releases the descriptor: it must not be closed twice
    closeSync(open);
    renameSync(w.tmp, w.path);
  } catch (err) {
    // the first error is the one to report; cleanup errors would only hide it
    const open = fd;
    if (open !== undefined) quietly(() => closeSync(open));
    quietly(() => rmSync(w.tmp, { force: true }));
    throw failure(w.path, err);
  }
  if (w.durable) syncDir(w.dir);
}

/**
 * The temp files of writeStateFile's writes to `path` that never got to their rename or their own cleanup. Whoever
 * removes `path` removes these too; a concurrent write of the same path cannot be under way, since requests for one
 * container are serialised.
 */
export function removeLeftoverTemps(path: string): void {
  const prefix = tempPrefix(path);
  const temps = join(dirname(path), TEMP_DIR);
  let names: string[];
  try {
    names = readdirSync(temps);
  } catch {
    return; // no such directory: nothing was ever written there
  }
  for (const n of names) if (n.startsWith(prefix) && n.endsWith('.tmp')) quietly(() => unlinkSync(join(temps, n)));
}

/** writeSync may take only part of the buffer (a nearly full disk takes what fits): renaming that in loses data. */
function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length;) {
    const n = writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) throw new Error(`write took no bytes after ${off} of ${buf.length}`);
    off += n;
  }
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // see the caller
  }
}

/** The errno message of a failed write or close names no file; the caller needs to know which. */
function failure(path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const out: NodeJS.ErrnoException = new Error(`cannot write ${path}: ${e?.message ?? String(err)}`, { cause: err });
  if (e?.code) out.code = e.code;
  return out;
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export const removeFile = (path: string) => rmSync(path, { force: true });
