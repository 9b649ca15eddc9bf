// The saved attachment plan: written (atomically, fsync'd) before the first delegate runs, so DEL can
// undo exactly what ADD did without the pod, the NADs or the API server.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CniArgs } from '../cni/args.js';
import { isObject } from '../cni/types.js';
import type { PlannedAttachment } from '../core/plan.js';
import { removeFile, writeFileAtomic } from './atomic.js';

export const PLAN_KIND = 'braidPlanV1';

export interface SavedPlan {
  kind: typeof PLAN_KIND;
  containerId: string;
  /** The runtime's CNI_IFNAME: braid's own attachment key with the container ID. */
  ifname: string;
  netns: string;
  /** The version the runtime speaks to braid. */
  cniVersion: string;
  /** The runtime's CNI_ARGS. */
  args: CniArgs;
  path: string[];
  pod?: { namespace: string; name: string; uid?: string };
  attachments: PlannedAttachment[];
}

export type PlanRead = { plan: SavedPlan } | { missing: true } | { corrupt: string };

export class PlanStore {
  constructor(private readonly cacheDir: string) {}

  private dir(): string {
    return join(this.cacheDir, 'plans');
  }

  private pathOf(containerId: string, ifname: string): string {
    return join(this.dir(), `${containerId}-${ifname}.json`);
  }

  save(plan: SavedPlan): void {
    writeFileAtomic(this.pathOf(plan.containerId, plan.ifname), JSON.stringify(plan));
  }

  read(containerId: string, ifname: string): PlanRead {
    let text: string;
    try {
      text = readFileSync(this.pathOf(containerId, ifname), 'utf8');
    } catch {
      return { missing: true };
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isObject(parsed) || parsed.kind !== PLAN_KIND || !Array.isArray(parsed.attachments)) return { corrupt: 'not a braid plan' };
      return { plan: parsed as unknown as SavedPlan };
    } catch (err) {
      return { corrupt: (err as Error).message };
    }
  }

  remove(containerId: string, ifname: string): void {
    removeFile(this.pathOf(containerId, ifname));
  }

  /** Every readable plan, for GC. */
  list(): SavedPlan[] {
    let names: string[];
    try {
      names = readdirSync(this.dir());
    } catch {
      return [];
    }
    const out: SavedPlan[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      try {
        const p: unknown = JSON.parse(readFileSync(join(this.dir(), n), 'utf8'));
        if (isObject(p) && p.kind === PLAN_KIND) out.push(p as unknown as SavedPlan);
      } catch {
        // unreadable: its attachments are still reachable through the result cache
      }
    }
    return out;
  }
}
