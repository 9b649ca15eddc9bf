// network-status clears owed to the API: the executable's in-process DEL (daemon mode, daemon down) has no API
// access, so it records what it would have cleared, and the daemon clears it when it is back (issue 8: no status
// entry is left behind by a DEL made while the daemon was down).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PodRef, StatusWriter } from '../engine/ports.js';
import { removeFile, writeFileAtomic } from './atomic.js';

export interface PendingClear {
  file: string;
  pod: PodRef;
  containerId: string;
}

export class PendingStatusClears implements StatusWriter {
  private readonly dir: string;

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'status-clear');
  }

  /** Never asked for: in daemon mode only DEL runs in-process. */
  async write(): Promise<void> {}

  async remove(pod: PodRef, containerId: string): Promise<void> {
    writeFileAtomic(join(this.dir, `${encodeURIComponent(containerId)}.json`), JSON.stringify({ pod, containerId }));
  }

  /** What is owed; unreadable entries are dropped (a status entry left is better than a daemon that stalls). */
  list(): PendingClear[] {
    let names: string[];
    try {
      names = readdirSync(this.dir)
        .filter((n) => n.endsWith('.json'))
        .sort();
    } catch {
      return [];
    }
    const out: PendingClear[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      try {
        const v = JSON.parse(readFileSync(file, 'utf8')) as { pod?: Partial<PodRef>; containerId?: unknown } | null;
        const { namespace, name, uid } = v?.pod ?? {};
        if (typeof v?.containerId === 'string' && typeof namespace === 'string' && typeof name === 'string')
          // Only the fields a clear checks: the UID is what tells the pod from another under the same name.
          out.push({
            file,
            pod: { namespace, name, ...(typeof uid === 'string' ? { uid } : {}) },
            containerId: v.containerId,
          });
        else removeFile(file);
      } catch {
        removeFile(file);
      }
    }
    return out;
  }

  done(entry: PendingClear): void {
    removeFile(entry.file);
  }
}
