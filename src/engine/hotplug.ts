// Dynamic networks (issue 13, docs/adr/0020-dynamic-networks.md): a running pod's saved plan brought to what its
// annotation asks for now, as a transaction like ADD's (add.ts, ADR 0008):
//   1. plan with ADD's own planning (core/network-diff.ts): a bad edit fails here, with nothing touched;
//   2. save an intent: the plan with the new attachments marked `hotplug: 'adding'` (and `addFailed`, so a DEL of
//      the pod treats them as best effort): from here on a crash leaves a plan DEL undoes everything from;
//   3. DEL what went away (removals first: an interface name may be reused), then ADD what is new; when one ADD
//      fails, the new ones are undone and the plan keeps only what the pod has;
//   4. save the plan, and return the pod's whole network-status for one write.
// Called under the per-container serialisation of ADD and DEL (the daemon's Limiter).
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import { listVersion } from '../cni/conflist.js';
import { parseResult } from '../cni/result.js';
import { buildNetworkStatus, type AttachedNetwork, type NetworkStatus } from '../core/network-status.js';
import { planHotplug, type HotplugPlan } from '../core/network-diff.js';
import type { PlanInput, PlannedAttachment } from '../core/plan.js';
import type { PodInfo } from '../core/sources.js';
import { recording } from './add.js';
import { addAttachment, type Attached, cacheKey, delAttachment } from './attachment.js';
import { UnrunnableDelegate } from './chain.js';
import { applyDefaultRoutes } from './default-route.js';
import { stopOrphans } from './del.js';
import { attachLimit, settleLimited } from './limit.js';
import type { EngineDeps, SavedPlan } from './ports.js';

export type HotplugInput = Omit<PlanInput, 'ifname' | 'args' | 'pod'> & { pod: PodInfo };

export interface HotplugOutcome {
  /** What was removed, in plan order. */
  removed: PlannedAttachment[];
  /** The network-status entries of what was added. */
  added: NetworkStatus[];
  /** The pod's whole network-status now (written once through deps.status). */
  status: NetworkStatus[];
  warnings: string[];
}

const podOf = (plan: SavedPlan) => (plan.pod ? { pod: `${plan.pod.namespace}/${plan.pod.name}` } : {});
const withoutMarks = ({ hotplug: _h, addFailed: _a, ...att }: PlannedAttachment): PlannedAttachment => att;

/**
 * A plan a crash left in the middle of a hot-plug: its half-made attachments are undone (best effort: they may
 * never have existed) and dropped, so the diff that follows makes them again. One whose DEL fails stops the hot-plug.
 */
async function undoUnfinished(deps: EngineDeps, plan: SavedPlan): Promise<SavedPlan> {
  const unfinished = plan.attachments.filter((a) => a.hotplug === 'adding');
  if (!unfinished.length) return plan;
  for (const att of [...unfinished].reverse()) {
    const errors = (await delAttachment(deps, plan, att)).filter((e) => !(e instanceof UnrunnableDelegate));
    if (errors.length)
      throw new CniError(
        ErrorCode.TryAgainLater,
        `an unfinished hot-plug of ${att.name} on ${att.ifname} could not be undone: ${errors.map((e) => e.message).join(' / ')}`,
      ).withContext(podOf(plan));
  }
  deps.log.warn({ ...podOf(plan), networks: unfinished.map((a) => a.name) }, 'hot-plug: undid an unfinished one');
  const next = { ...plan, attachments: plan.attachments.filter((a) => a.hotplug !== 'adding') };
  deps.plans.save(next);
  return next;
}

/** DELs `remove` in reverse plan order; those whose DEL failed (a delegate that can never run aside) stay. */
async function removeAll(deps: EngineDeps, plan: SavedPlan, remove: PlannedAttachment[]): Promise<CniError[]> {
  const failed: CniError[] = [];
  for (const att of [...remove].reverse()) {
    const errors = await delAttachment(deps, plan, att);
    for (const e of errors.filter((x) => x instanceof UnrunnableDelegate))
      deps.log.error({ err: e.message, network: att.name }, 'hot-plug: a delegate that can never run is skipped');
    failed.push(...errors.filter((x) => !(x instanceof UnrunnableDelegate)));
  }
  return failed;
}

/** Undoes the new attachments in reverse; one whose DEL fails stays in the plan as `addFailed` (DEL: best effort). */
async function undoAdds(deps: EngineDeps, plan: SavedPlan, added: PlannedAttachment[], done: Attached[]) {
  const kept: PlannedAttachment[] = [];
  for (const att of [...added].reverse()) {
    const errors = await delAttachment(deps, plan, att, done.find((d) => d.att === att)?.raw);
    if (!errors.length) continue;
    for (const e of errors) deps.log.error({ err: e.message, network: att.name }, 'hot-plug rollback: DEL failed');
    kept.unshift({ ...withoutMarks(att), addFailed: true });
  }
  return kept;
}

/** ADDs `add` (at most `limit` at once) and applies their default routes; undoes them all when one fails. */
async function addAll(deps: EngineDeps, plan: SavedPlan, add: PlannedAttachment[], limit: number) {
  const settled = await settleLimited(add, limit, (a) => addAttachment(deps, plan, a));
  const done = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = settled.findIndex((s) => s.status === 'rejected');
    if (failed >= 0) {
      const att = add[failed]!;
      throw toCniError((settled[failed] as PromiseRejectedResult).reason).withContext({
        ...podOf(plan),
        network: att.name,
        ifname: att.ifname,
      });
    }
    const rewritten = await applyDefaultRoutes(deps.routes, plan.netns, done);
    return done.map((d) => ({ ...d, result: rewritten.get(d) ?? d.result }));
  } catch (err) {
    return { err: toCniError(err), leftover: await undoAdds(deps, plan, add, done) };
  }
}

/** Every attachment's result: the new ones' from their ADD, the others' from the result cache. */
function statusOf(deps: EngineDeps, plan: SavedPlan, fresh: Attached[], input: HotplugInput): NetworkStatus[] {
  const out: AttachedNetwork[] = [];
  for (const att of plan.attachments) {
    const mine = fresh.find((d) => d.att === att)?.result;
    const raw = mine ? undefined : deps.cache.read(cacheKey(plan, att))?.result;
    if (!mine && (!raw || att.addFailed)) continue;
    const result = mine ?? parseResult(raw, listVersion(att.conf));
    const deviceInfo =
      att.resourceName && att.deviceId ? input.devices?.deviceInfo(att.resourceName, att.deviceId) : undefined;
    out.push({ name: att.name, ifname: att.ifname, isDefault: att.isDefault, result, deviceInfo });
  }
  return buildNetworkStatus(out);
}

/** Steps 2 to 4 once the hot-plug is planned. */
async function apply(deps: EngineDeps, plan: SavedPlan, hp: HotplugPlan, input: HotplugInput) {
  const adding = hp.add.map((a) => ({ ...a, addFailed: true, hotplug: 'adding' as const }));
  deps.plans.save({ ...plan, attachments: [...plan.attachments, ...adding] });
  const rdeps = recording(deps, plan);
  const removeErrors = await removeAll(rdeps, plan, hp.remove);
  const before = plan.attachments.filter((a) => !hp.remove.includes(a));
  if (removeErrors.length) {
    // What could not be removed stays (the next try, or the pod's DEL, removes it); nothing new was attached.
    deps.plans.save({ ...plan });
    throw new CniError(
      removeErrors[0]!.code ?? ErrorCode.Internal,
      `hot-plug: ${removeErrors.map((e) => e.message).join(' / ')}`,
    ).withContext(podOf(plan));
  }
  const added = await addAll(rdeps, plan, adding, attachLimit(input.config));
  if ('err' in added) {
    deps.plans.save({ ...plan, attachments: [...before, ...added.leftover] });
    throw added.err;
  }
  // The plan's own attachments (hp.add's are members of hp.attachments, unmarked) stand for the marked copies.
  const fresh = added.map((d) => ({ ...d, att: hp.add[adding.indexOf(d.att as (typeof adding)[number])]! }));
  const next: SavedPlan = { ...plan, attachments: hp.attachments };
  deps.plans.save(next);
  return { next, fresh };
}

/**
 * Brings `plan` (a running pod's, read under the container's serialisation) to what the pod's annotation asks for;
 * undefined when it already is. Throws a CniError, with the pod as it was, when the edit cannot be planned; with the
 * removals made and the additions undone when a delegate fails.
 */
export async function hotplugPod(
  deps: EngineDeps,
  saved: SavedPlan,
  input: HotplugInput,
): Promise<HotplugOutcome | undefined> {
  // What a killed daemon left running for this container (an ADD's or a hot-plug's delegates) is stopped first.
  await stopOrphans(deps, saved);
  const plan = await undoUnfinished(deps, saved);
  const hp = await planHotplug({ ...input, ifname: plan.ifname, args: plan.args }, plan.attachments);
  if (!hp) return undefined;
  for (const w of hp.warnings) deps.log.warn(podOf(plan), w);
  const { next, fresh } = await apply(deps, plan, hp, input);
  const status = statusOf(deps, next, fresh, input);
  if (deps.status && next.pod) await deps.status.write(next.pod, next.containerId, status);
  const addedNames = new Set(fresh.map((d) => d.att.ifname));
  return {
    removed: hp.remove,
    added: status.filter((s) => s.interface !== undefined && addedNames.has(s.interface)),
    status,
    warnings: hp.warnings,
  };
}
