// The per-attachment result cache in libcni's layout (cniCacheV1):
//   <cacheDir>/results/<networkName>-<containerId>-<ifName>
// CHECK and DEL read prevResult from here, and DEL can rebuild an attachment from it alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CniArgs } from '../cni/args.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { removeFile, writeFileAtomic } from '../store/atomic.js';

export const CACHE_KIND = 'cniCacheV1';

export interface CacheEntry {
  kind: typeof CACHE_KIND;
  containerId: string;
  /** base64 of the network config (conflist) bytes, as libcni stores []byte. */
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: CniArgs;
  capabilityArgs?: JsonObject;
  result?: JsonObject;
}

export interface AttachmentKey {
  networkName: string;
  containerId: string;
  ifName: string;
}

export class ResultCache {
  constructor(private readonly cacheDir: string) {}

  private dir(): string {
    return join(this.cacheDir, 'results');
  }

  pathOf(key: AttachmentKey): string {
    return join(this.dir(), `${key.networkName}-${key.containerId}-${key.ifName}`);
  }

  write(entry: CacheEntry): void {
    writeFileAtomic(this.pathOf(entry), JSON.stringify(entry), 0o600, false); // the plan is the durable record
  }

  /** Undefined when missing or unreadable: a corrupt entry must never block DEL. */
  read(key: AttachmentKey): CacheEntry | undefined {
    return readEntry(this.pathOf(key));
  }

  remove(key: AttachmentKey): void {
    removeFile(this.pathOf(key));
  }

  /** Every readable entry of one container, for DEL without a plan. */
  listForContainer(containerId: string): CacheEntry[] {
    return this.listAll().filter((e) => e.containerId === containerId);
  }

  listAll(): CacheEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir());
    } catch {
      return [];
    }
    return names
      .filter((n) => !n.startsWith('.'))
      .map((n) => readEntry(join(this.dir(), n)))
      .filter((e): e is CacheEntry => e !== undefined);
  }
}

function readEntry(path: string): CacheEntry | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isObject(parsed) || parsed.kind !== CACHE_KIND || typeof parsed.config !== 'string') return undefined;
    return parsed as unknown as CacheEntry;
  } catch {
    return undefined;
  }
}
