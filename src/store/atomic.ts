// State on disk is a contract: write a temp file, fsync it, rename it over the target, fsync the dir.
// A crash leaves either the old file or the new one, never half of one (multus-cni#1087, #948).
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/**
 * `durable: false` keeps the rename (a reader never sees half a file) but skips both fsyncs, for state whose loss
 * in a crash costs nothing: the result cache, which the fsync'd plan makes redundant for DEL (libcni does not fsync
 * its cache either). Each fsync costs 1-2 ms on the ADD path (issue 9).
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600, durable = true): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) syncDir(dir);
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
