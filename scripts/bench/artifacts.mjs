// The built files the bench runs. main.mjs copies them into the run's temp dir first: the work tree may be
// rebuilt while a run goes on (a bun binary being rewritten fails to exec with ETXTBSY, a half-written bundle
// fails to load), and one run must measure one build.
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const FILES = { braid: 'dist/braid', daemon: 'dist/braid-daemon.mjs', apiserver: 'dist-test/apiserver.mjs' };

/** The paths in the work tree: { braid, daemon, apiserver }. */
export const inRepo = (root) => Object.fromEntries(Object.entries(FILES).map(([k, f]) => [k, join(root, f)]));

/** The files missing from the work tree (relative paths). */
export const missing = (root) => Object.values(FILES).filter((f) => !existsSync(join(root, f)));

/** Copies of the built files in `dir`/build, same shape as inRepo(). */
export function snapshot(root, dir) {
  mkdirSync(join(dir, 'build'), { recursive: true });
  const out = {};
  for (const [k, f] of Object.entries(FILES)) {
    out[k] = join(dir, 'build', f.split('/').pop());
    copyFileSync(join(root, f), out[k]);
  }
  chmodSync(out.braid, 0o755);
  return out;
}
