// The per-attachment result cache in libcni's layout (cniCacheV1):
//   <cacheDir>/results/<networkName>-<containerId>-<ifName>
// CHECK and DEL read prevResult from here, and DEL can rebuild an attachment from it alone.
// libcni's names are ambiguous ("a-b" + "c1" and "a" + "b-c1" share one) but stay, for libcni to read: the IDs
// inside an entry say whose it is, never its name (issue 12).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from '../cni/types.js';
import { CACHE_KIND, type AttachmentKey, type CacheEntry, type ResultCache } from '../engine/ports.js';
import { writeStateFile } from './atomic.js';
import { cacheWriteError, removeCacheFile } from './cache-dir.js';

const nameOf = (key: AttachmentKey) => `${key.networkName}-${key.containerId}-${key.ifName}`;
/**
 * Whether the name stays in the results directory: no "/" (an ifname "/../../x" from a record someone else wrote)
 * and no NUL. The IDs are validated where they are read (request.ts, multus-records.ts); this holds whatever the
 * caller (issue 12).
 */
const isFileName = (name: string) => !/[/\0]/.test(name);

export class FileResultCache implements ResultCache {
  constructor(private readonly cacheDir: string) {}

  private dir(): string {
    return join(this.cacheDir, 'results');
  }

  pathOf(key: AttachmentKey): string {
    return join(this.dir(), nameOf(key));
  }

  write(entry: CacheEntry): void {
    try {
      if (!isFileName(nameOf(entry))) throw new Error(`"${nameOf(entry)}" is not a file name`);
      writeStateFile(this.pathOf(entry), JSON.stringify(entry), false); // the plan is the durable record
    } catch (err) {
      throw cacheWriteError(this.cacheDir, this.dir(), err);
    }
  }

  /** Undefined when missing, unreadable or another attachment's: a corrupt entry must never block DEL. */
  read(key: AttachmentKey): CacheEntry | undefined {
    if (!isFileName(nameOf(key))) return undefined;
    const e = readEntry(this.pathOf(key));
    return e && isEntryOf(e, key) ? e : undefined;
  }

  /** Keeps another attachment's entry under the same name; an unreadable one is nobody's and goes. */
  remove(key: AttachmentKey): void {
    if (!isFileName(nameOf(key))) return; // nothing was ever written there
    const path = this.pathOf(key);
    const e = readEntry(path);
    if (!e || isEntryOf(e, key)) removeCacheFile(path); // nothing to remove under a cacheDir that is a file
  }

  /** Every readable entry of one container, for DEL without a plan. */
  listForContainer(containerId: string): CacheEntry[] {
    return this.listAll().filter((e) => e.containerId === containerId);
  }

  /** Entries under their own name only: what read() and remove() reach, so GC can remove what it collects. */
  listAll(): CacheEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir());
    } catch {
      return [];
    }
    const out: CacheEntry[] = [];
    for (const n of names) {
      const path = join(this.dir(), n);
      const e = n.startsWith('.') ? undefined : readEntry(path);
      if (e && this.pathOf(e) === path) out.push(e);
    }
    return out;
  }
}

const isEntryOf = (e: CacheEntry, key: AttachmentKey) =>
  e.networkName === key.networkName && e.containerId === key.containerId && e.ifName === key.ifName;

function readEntry(path: string): CacheEntry | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isObject(parsed) || parsed.kind !== CACHE_KIND || typeof parsed.config !== 'string') return undefined;
    if (
      typeof parsed.networkName !== 'string' ||
      typeof parsed.containerId !== 'string' ||
      typeof parsed.ifName !== 'string'
    )
      return undefined;
    return parsed as unknown as CacheEntry;
  } catch {
    return undefined;
  }
}
