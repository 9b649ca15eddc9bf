// The saved attachment plan: written (atomically, fsync'd) before the first delegate runs, so DEL can
// undo exactly what ADD did without the pod, the NADs or the API server.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from '../cni/types.js';
import { PLAN_KIND, type PlanRead, type PlanStore, type SavedPlan } from '../engine/ports.js';
import { removeFile, writeFileAtomic } from './atomic.js';

/**
 * `<containerId>-<ifname>.json` with ':', '-' and '/' in either part written `:XX` (hex), so a '-' only separates and
 * no two attachments share a name. Before issue 12 neither part was escaped: "c-y" on eth0 and "c" on "y-eth0"
 * shared a file, and a DEL of one tore down the other. IDs and ifnames hold no ':', so an escaped name is never an
 * old one, and one with nothing to escape is the name it always had. Plans under an old name that differs are
 * still read, by the attachment named inside only, so pods attached before an upgrade can be deleted.
 */
const escapePart = (s: string) => s.replace(/[:/-]/g, (c) => `:${c.charCodeAt(0).toString(16).toUpperCase()}`);
const fileName = (containerId: string, ifname: string) => `${escapePart(containerId)}-${escapePart(ifname)}.json`;

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

  save(plan: SavedPlan): void {
    writeFileAtomic(this.pathOf(plan.containerId, plan.ifname), JSON.stringify(plan));
  }

  read(containerId: string, ifname: string): PlanRead {
    const found = load(this.pathOf(containerId, ifname));
    if ('plan' in found && !belongsTo(found.plan, containerId, ifname)) {
      return { corrupt: `the file holds the plan of container ${found.plan.containerId} on ${found.plan.ifname}` };
    }
    if (!('missing' in found)) return found;
    const old = this.readOld(containerId, ifname);
    return old ? { plan: old.plan } : { missing: true };
  }

  remove(containerId: string, ifname: string): void {
    removeFile(this.pathOf(containerId, ifname));
    // an old name may hold another attachment's plan, or one nobody can tell: only this attachment's goes
    const old = this.readOld(containerId, ifname);
    if (old) removeFile(old.path);
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

function load(path: string): PlanRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { missing: true };
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
