// braid's cacheDir as a place that can fail: a file where a directory belongs (issue 12) gets an error that names it
// and says what to do, and removing from a directory that cannot exist is nothing to do.
import { statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { CniError, ErrorCode } from '../cni/errors.js';
import { removeLeftoverTemps } from './atomic.js';

/** The first path from the root down to `path` that exists and is not a directory. */
function fileOnPath(path: string): string | undefined {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      return undefined; // missing from here on: braid creates it
    }
  }
  return undefined;
}

/** Why `dir` under cacheDir cannot hold files, when the reason is a file in the way; undefined otherwise. */
export function cacheDirBlocked(cacheDir: string, dir: string): CniError | undefined {
  const file = fileOnPath(dir);
  if (file === undefined) return undefined;
  return new CniError(
    ErrorCode.IoFailure,
    `braid's cacheDir ${cacheDir} cannot be used: ${file} is a file, not a directory (braid saves each pod's plan there before it runs any delegate)`,
    `move or remove ${file} (braid creates the directories it needs), or set "cacheDir" in braid's configuration to a directory`,
  );
}

/** A write under cacheDir that failed: the clear error when a file is in the way, else the write's own. */
export function cacheWriteError(cacheDir: string, dir: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code === 'ENOTDIR' || code === 'EEXIST' ? cacheDirBlocked(cacheDir, dir) : undefined) ?? err;
}

/**
 * Errors that say no file can be at the path: not there, under a file (ENOTDIR), a name too long for the file
 * system (ENAMETOOLONG), or a path holding a NUL (ERR_INVALID_ARG_VALUE/TYPE): nothing was ever written there.
 */
const NOTHING_THERE = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE']);

/**
 * Removes a file, and the temp files of writes to it that a killed braid left; one that cannot be there
 * (NOTHING_THERE) is nothing to remove, so that a DEL of names no file can have never fails on them (issue 12).
 * unlink, not rm: bun's rmSync reports EFAULT for a path under a file.
 */
export function removeCacheFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!NOTHING_THERE.has(String((err as NodeJS.ErrnoException).code))) throw err;
  }
  removeLeftoverTemps(path);
}
