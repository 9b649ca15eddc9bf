// `braid install`: put the executable and 00-braid.conflist on the host, safely.
// - the binary is written to a temp file and renamed, so a running braid never hits "text file busy"
//   (multus-cni#1221);
// - the config is only ever written whole and only when its content changes; with --auto it waits for a
//   primary network instead of writing an empty config (multus-cni#1155);
// - with --watch, a changed or reappearing primary regenerates it, and a removed or renamed braid config
//   (another tool taking over the directory: multus-cni#972) is restored.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JsonObject } from '../cni/types.js';
import { writeFileAtomic } from '../store/atomic.js';
import { buildNodeConflist, BRAID_CONFLIST, renderConflist } from './node-conflist.js';
import { findPrimary } from './primary.js';

export interface InstallOptions {
  binDir: string;
  confDir: string;
  /** The executable to copy; none to install the config only. */
  source?: string;
  auto: boolean;
  settings: JsonObject;
  log: Logger;
  pollMs?: number;
}

export function installBinary(source: string, binDir: string): string {
  mkdirSync(binDir, { recursive: true });
  const target = join(binDir, 'braid');
  const tmp = join(binDir, `.braid.${process.pid}.tmp`);
  copyFileSync(source, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, target); // a process still running the old binary keeps its inode
  return target;
}

/** The config braid should have now, or undefined when --auto finds no primary yet. */
export function desiredConfig(o: Pick<InstallOptions, 'confDir' | 'auto' | 'settings'>): string | undefined {
  if (!o.auto) return renderConflist(buildNodeConflist({ settings: o.settings }));
  const primary = findPrimary(o.confDir);
  if (!primary) return undefined;
  return renderConflist(
    buildNodeConflist({ primaryPath: primary.path, primary: primary.config, settings: o.settings }),
  );
}

/** Writes the config when it differs from what is there; returns whether it wrote. */
export function syncConfig(o: Pick<InstallOptions, 'confDir' | 'auto' | 'settings' | 'log'>): boolean {
  const want = desiredConfig(o);
  if (want === undefined) return false;
  const path = join(o.confDir, BRAID_CONFLIST);
  const have = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (have === want) return false;
  writeFileAtomic(path, want, 0o644);
  o.log.info(
    { path, reason: have === undefined ? 'missing' : 'changed' },
    have === undefined ? 'wrote braid config' : 'rewrote braid config',
  );
  return true;
}

/** Waits (polling) until the config could be written; never writes a partial one. */
export async function installOnce(o: InstallOptions, signal?: AbortSignal): Promise<void> {
  if (o.source) installBinary(o.source, o.binDir);
  while (!signal?.aborted) {
    if (desiredConfig(o) !== undefined) {
      syncConfig(o);
      return;
    }
    o.log.info({ confDir: o.confDir }, 'waiting for a primary network config');
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
  }
}

/** Keeps the config in step with the conf dir until `signal` aborts. */
export async function watchConfig(o: InstallOptions, signal: AbortSignal): Promise<void> {
  const check = () => {
    try {
      syncConfig(o);
    } catch (err) {
      o.log.error({ err: (err as Error).message }, 'could not write braid config');
    }
  };
  const watcher = watch(o.confDir, () => check());
  const timer = setInterval(check, o.pollMs ?? 1000); // fs events can be missed (e.g. on overlay filesystems)
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  watcher.close();
  clearInterval(timer);
}

export function cleanup(o: Pick<InstallOptions, 'binDir' | 'confDir' | 'log'>): void {
  for (const path of [join(o.confDir, BRAID_CONFLIST), join(o.binDir, 'braid')]) {
    if (existsSync(path)) {
      rmSync(path, { force: true });
      o.log.info({ path }, 'removed');
    }
  }
}
