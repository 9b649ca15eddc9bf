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
 * Removes a file, and the temp files of writes to it that a killed braid left; one that is not there, or under a
 * path that is not a directory (ENOTDIR), is nothing to remove. unlink, not rm: bun's rmSync reports EFAULT for a
 * path under a file.
 */
export function removeCacheFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  removeLeftoverTemps(path);
}
