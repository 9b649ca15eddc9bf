// The saved attachment plan: written (atomically, fsync'd) before the first delegate runs, so DEL can
// undo exactly what ADD did without the pod, the NADs or the API server. Beside it, the records of ADD's delegates
// while they run (issue 12: docs/adr/0019-orphaned-delegates.md).
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isObject } from '../cni/types.js';
import { type DelegateProcess, PLAN_KIND, type PlanRead, type PlanStore, type SavedPlan } from '../engine/ports.js';
import { writeStateFile } from './atomic.js';
import { cacheDirBlocked, cacheWriteError, removeCacheFile } from './cache-dir.js';

/**
 * `<containerId>-<ifname>.json` with ':', '-' and '/' in either part written `:XX` (hex), so a '-' only separates and
 * no two attachments share a name. Before issue 12 neither part was escaped: "c-y" on eth0 and "c" on "y-eth0"
 * shared a file, and a DEL of one tore down the other. IDs and ifnames hold no ':', so an escaped name is never an
 * old one, and one with nothing to escape is the name it always had. Plans under an old name that differs are
 * still read, by the attachment named inside only, so pods attached before an upgrade can be deleted.
 */
const escapePart = (s: string) => s.replace(/[:/-]/g, (c) => `:${c.charCodeAt(0).toString(16).toUpperCase()}`);
/**
 * The longest base a name is built from: with ".json", or a running record's "@<pid>-<startTime>-<pidNs>" (at most
 * 42 bytes), it stays under the 255 bytes a file name may have.
 */
const MAX_BASE_BYTES = 200;
/**
 * The escaped parts, or when they are too long for a file name (a container ID of many "-", each escaped to three
 * bytes), ":H" and the SHA-256 of both: no escaped name holds ":H" (escapes are hex), and the IDs inside a plan
 * still say whose it is.
 */
const baseName = (containerId: string, ifname: string) => {
  const escaped = `${escapePart(containerId)}-${escapePart(ifname)}`;
  if (Buffer.byteLength(escaped) <= MAX_BASE_BYTES) return escaped;
  return `:H${createHash('sha256').update(containerId).update('\0').update(ifname).digest('hex')}`;
};
const fileName = (containerId: string, ifname: string) => `${baseName(containerId, ifname)}.json`;

/**
 * A running delegate's record: `running/<base>@<pid>-<startTime>-<pidNs>`, holding "type COMMAND". The name alone
 * says whose it is and which process (a record torn by a kill still names it); no part after the last '@' holds one.
 */
const runningName = (containerId: string, ifname: string, p: DelegateProcess) =>
  `${baseName(containerId, ifname)}@${p.pid}-${p.startTime}-${p.pidNs ?? 0}`;

function parseRunning(name: string, base: string): DelegateProcess | undefined {
  const at = name.lastIndexOf('@');
  if (at < 0 || name.slice(0, at) !== base) return undefined;
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(name.slice(at + 1));
  if (!m) return undefined;
  const pidNs = Number(m[3]);
  return { pid: Number(m[1]), startTime: Number(m[2]), ...(pidNs ? { pidNs } : {}) };
}

const oldFileName = (containerId: string, ifname: string): string | undefined => {
  const name = `${containerId}-${ifname}.json`;
  return name.includes('/') || name === fileName(containerId, ifname) ? undefined : name;
};

const belongsTo = (plan: SavedPlan, containerId: string, ifname: string) =>
  plan.containerId === containerId && plan.ifname === ifname;

export class FilePlanStore implements PlanStore {
  constructor(private readonly cacheDir: string) {}

  private dir(): string {
    return join(this.cacheDir, 'plans');
  }

  private pathOf(containerId: string, ifname: string): string {
    return join(this.dir(), fileName(containerId, ifname));
  }

  /** The plan saved under the old name, when it is this attachment's. */
  private readOld(containerId: string, ifname: string): { path: string; plan: SavedPlan } | undefined {
    const name = oldFileName(containerId, ifname);
    if (name === undefined) return undefined;
    const path = join(this.dir(), name);
    const found = load(path);
    return 'plan' in found && belongsTo(found.plan, containerId, ifname) ? { path, plan: found.plan } : undefined;
  }

  /** A cacheDir that is a file (or has one on its path) is named in a CNI error saying what to do (issue 12). */
  save(plan: SavedPlan): void {
    try {
      writeStateFile(this.pathOf(plan.containerId, plan.ifname), JSON.stringify(plan), true);
    } catch (err) {
      throw cacheWriteError(this.cacheDir, this.dir(), err);
    }
  }

  read(containerId: string, ifname: string): PlanRead {
    const found = load(this.pathOf(containerId, ifname));
    if ('blocked' in found) return { corrupt: cacheDirBlocked(this.cacheDir, this.dir())?.message ?? found.blocked };
    if ('plan' in found && !belongsTo(found.plan, containerId, ifname)) {
      return { corrupt: `the file holds the plan of container ${found.plan.containerId} on ${found.plan.ifname}` };
    }
    if (!('missing' in found)) return found;
    const old = this.readOld(containerId, ifname);
    return old ? { plan: old.plan } : { missing: true };
  }

  remove(containerId: string, ifname: string): void {
    removeCacheFile(this.pathOf(containerId, ifname));
    // an old name may hold another attachment's plan, or one nobody can tell: only this attachment's goes
    const old = this.readOld(containerId, ifname);
    if (old) removeCacheFile(old.path);
  }

  private runningDir(): string {
    return join(this.cacheDir, 'running');
  }

  /** One small file per delegate, so delegates of one ADD running at once never write the same file. No fsync. */
  recordRunning(containerId: string, ifname: string, p: DelegateProcess): void {
    const path = join(this.runningDir(), runningName(containerId, ifname, p));
    const write = () => writeFileSync(path, p.plugin ?? '', { mode: 0o600 });
    try {
      write();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw cacheWriteError(this.cacheDir, this.runningDir(), err);
      try {
        mkdirSync(this.runningDir(), { recursive: true, mode: 0o700 });
        write();
      } catch (again) {
        throw cacheWriteError(this.cacheDir, this.runningDir(), again);
      }
    }
  }

  forgetRunning(containerId: string, ifname: string, p: DelegateProcess): void {
    try {
      unlinkSync(join(this.runningDir(), runningName(containerId, ifname, p)));
    } catch {
      // a record left behind names a process that has exited: the next DEL finds it gone and removes the record
    }
  }

  running(containerId: string, ifname: string): DelegateProcess[] {
    let names: string[];
    try {
      names = readdirSync(this.runningDir());
    } catch {
      return [];
    }
    const base = baseName(containerId, ifname);
    const out: DelegateProcess[] = [];
    for (const n of names) {
      const p = parseRunning(n, base);
      if (!p) continue;
      try {
        const plugin = readFileSync(join(this.runningDir(), n), 'utf8');
        out.push(plugin ? { ...p, plugin } : p);
      } catch {
        out.push(p);
      }
    }
    return out;
  }

  /** Every readable plan, for GC: those read() and remove() reach by the IDs inside, each once. */
  list(): SavedPlan[] {
    let names: string[];
    try {
      names = readdirSync(this.dir());
    } catch {
      return [];
    }
    const present = new Set(names);
    const out: SavedPlan[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      const found = load(join(this.dir(), n));
      // unreadable: its attachments are still reachable through the result cache
      if (!('plan' in found)) continue;
      const { containerId, ifname } = found.plan;
      const current = fileName(containerId, ifname);
      if (n === current || (n === oldFileName(containerId, ifname) && !present.has(current))) out.push(found.plan);
    }
    return out;
  }
}

/** `blocked`: a file stands where a directory of the path should be (ENOTDIR). */
function load(path: string): PlanRead | { blocked: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ENOTDIR' ? { blocked: `cannot read ${path}: ${e.message}` } : { missing: true };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed) || parsed.kind !== PLAN_KIND || !Array.isArray(parsed.attachments))
      return { corrupt: 'not a braid plan' };
    if (typeof parsed.containerId !== 'string' || typeof parsed.ifname !== 'string')
      return { corrupt: 'the plan names no container or ifname' };
    return { plan: parsed as unknown as SavedPlan };
  } catch (err) {
    return { corrupt: (err as Error).message };
  }
}
