// Dynamic networks (issue 13, docs/adr/0020-dynamic-networks.md): a running pod's saved plan brought to what its
// annotation asks for now, as a transaction like ADD's (add.ts, ADR 0008):
//   1. plan with ADD's own planning (core/network-diff.ts): a bad edit fails here, with nothing touched;
//   2. save an intent: the plan with the new attachments marked `hotplug: 'adding'` (and `addFailed`, so a DEL of
//      the pod treats them as best effort): from here on a crash leaves a plan DEL undoes everything from;
//   3. DEL what went away (removals first: an interface name may be reused), save the intent without them, put back
//      the default network's default route when a removed one carried the pod's (`default-route`), then ADD what is
//      new; when one ADD fails, the new ones are undone and the plan keeps only what the pod has;
//   4. write the pod's whole network-status for the plan about to be saved, then save it (failures too): a crash
//      before the save leaves the intent, so the next try makes the edit, and writes the status, again.
// Called under the per-container serialisation of ADD and DEL (the daemon's Limiter).
import { isIP } from 'node:net';
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import { listVersion } from '../cni/conflist.js';
import { parseResult } from '../cni/result.js';
import type { Result } from '../cni/types.js';
import { buildNetworkStatus, type AttachedNetwork, type NetworkStatus } from '../core/network-status.js';
import { planHotplug, type HotplugPlan } from '../core/network-diff.js';
import type { PlanInput, PlannedAttachment } from '../core/plan.js';
import type { PodInfo } from '../core/sources.js';
import { recording } from './add.js';
import { independent } from '../core/independence.js';
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

/** The pod in an error's context: "ns/name". */
const podOf = (plan: SavedPlan) => (plan.pod ? { pod: `${plan.pod.namespace}/${plan.pod.name}` } : {});
/** The pod and container in a log line: the standard fields (src/log/logger.ts). */
const logOf = (plan: SavedPlan) => ({
  ...(plan.pod ? { namespace: plan.pod.namespace, pod: plan.pod.name } : {}),
  containerId: plan.containerId,
});
const attOf = (att: PlannedAttachment) => ({ network: att.name, ifname: att.ifname });
const withoutMarks = ({ hotplug: _h, addFailed: _a, ...att }: PlannedAttachment): PlannedAttachment => att;

/**
 * A plan a crash left in the middle of a hot-plug: its half-made attachments are undone (best effort: they may
 * never have existed) and dropped, so the diff that follows makes them again. One whose DEL fails stops the hot-plug.
 * An `adding` one whose interface a non-adding attachment of the same intent still holds was never made (the intent
 * is saved again without the removals once they are made, before any ADD): its DEL would take the other's live link,
 * so it is only dropped.
 */
async function undoUnfinished(deps: EngineDeps, plan: SavedPlan): Promise<SavedPlan> {
  const unfinished = plan.attachments.filter((a) => a.hotplug === 'adding');
  if (!unfinished.length) return plan;
  const held = new Set(plan.attachments.filter((a) => a.hotplug !== 'adding').map((a) => a.ifname));
  for (const att of [...unfinished].reverse()) {
    if (held.has(att.ifname)) continue;
    const errors = (await delAttachment(deps, plan, att)).filter((e) => !(e instanceof UnrunnableDelegate));
    if (errors.length)
      throw new CniError(
        ErrorCode.TryAgainLater,
        `an unfinished hot-plug of ${att.name} on ${att.ifname} could not be undone: ${errors.map((e) => e.message).join(' / ')}`,
      ).withContext(podOf(plan));
  }
  deps.log.warn({ ...logOf(plan), networks: unfinished.map((a) => a.name) }, 'hot-plug: undid an unfinished one');
  const next = { ...plan, attachments: plan.attachments.filter((a) => a.hotplug !== 'adding') };
  deps.plans.save(next);
  return next;
}

/** DELs `remove` in reverse plan order; those whose DEL failed (a delegate that can never run aside) stay. */
async function removeAll(deps: EngineDeps, plan: SavedPlan, remove: PlannedAttachment[]) {
  const errors: CniError[] = [];
  const failed = new Set<PlannedAttachment>();
  for (const att of [...remove].reverse()) {
    const found = await delAttachment(deps, plan, att);
    for (const e of found.filter((x) => x instanceof UnrunnableDelegate))
      deps.log.error(
        { ...logOf(plan), ...attOf(att), err: e.message },
        'hot-plug: a delegate that can never run is skipped',
      );
    const real = found.filter((x) => !(x instanceof UnrunnableDelegate));
    if (real.length) failed.add(att);
    errors.push(...real);
  }
  return { errors, failed };
}

const routeFamily = (gw: string) => isIP(gw) as 4 | 6;
const isDefaultFor = (dst: string, fam: 4 | 6) => dst === (fam === 4 ? '0.0.0.0/0' : '::/0');

/** The gateway of a result's default route of `fam` (the route's own, else its address's), if it has one. */
function defaultGateway(result: Result, fam: 4 | 6): string | undefined {
  const route = result.routes?.find((r) => isDefaultFor(r.dst, fam));
  if (!route) return undefined;
  return route.gw ?? result.ips?.find((ip) => isIP(ip.address.split('/')[0]!) === fam)?.gateway;
}

/**
 * A removed attachment carried the pod's default route (`default-route`): its link, and the route with it, are gone.
 * The default network's is put back, as its plugin reported it (its cached result); a new attachment asking for
 * `default-route` takes it over after its ADD. When the cached result has none, or the edit fails, a warning says so.
 */
async function restoreDefaultRoutes(deps: EngineDeps, plan: SavedPlan, removed: PlannedAttachment[]) {
  const warnings: string[] = [];
  const families = new Set(removed.flatMap((a) => (a.selection?.['default-route'] ?? []).map(routeFamily)));
  const def = plan.attachments.find((a) => a.isDefault);
  if (!families.size || !def) return warnings;
  const raw = deps.cache.read(cacheKey(plan, def))?.result;
  const result = raw ? parseResult(raw, listVersion(def.conf)) : undefined;
  for (const fam of families) {
    const gw = result && defaultGateway(result, fam);
    const taken = `removing the network that carried the pod's IPv${fam} default route (default-route)`;
    if (!gw) {
      warnings.push(`${taken} left the pod without one: the default network ${def.name} reported none to put back`);
      continue;
    }
    try {
      await deps.routes.setDefaultRoute(plan.netns, fam, gw, def.ifname);
    } catch (err) {
      warnings.push(
        `${taken}: the default route via ${gw} on ${def.ifname} could not be put back: ${(err as Error).message}`,
      );
    }
  }
  for (const w of warnings) deps.log.warn(logOf(plan), w);
  return warnings;
}

/** Undoes the new attachments in reverse; one whose DEL fails stays in the plan as `addFailed` (DEL: best effort). */
async function undoAdds(deps: EngineDeps, plan: SavedPlan, added: PlannedAttachment[], done: Attached[]) {
  const kept: PlannedAttachment[] = [];
  for (const att of [...added].reverse()) {
    const errors = await delAttachment(deps, plan, att, done.find((d) => d.att === att)?.raw);
    if (!errors.length) continue;
    for (const e of errors)
      deps.log.error({ ...logOf(plan), ...attOf(att), err: e.message }, 'hot-plug rollback: DEL failed');
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

/**
 * The end of every hot-plug that touched something, made or failed: the network-status of the plan about to be saved
 * is written first, then the plan saved, so a crash between them leaves the intent and the next try writes the status
 * again. `failing`: a status write that fails is logged, not thrown (the hot-plug's own error is the one to report).
 */
async function finish(
  deps: EngineDeps,
  input: HotplugInput,
  next: SavedPlan,
  o: { fresh?: Attached[]; failing?: boolean },
) {
  const { fresh = [], failing = false } = o;
  const status = statusOf(deps, next, fresh, input);
  try {
    if (deps.status && next.pod) await deps.status.write(next.pod, next.containerId, status);
  } catch (err) {
    if (!failing) throw err;
    deps.log.error({ ...logOf(next), err: (err as Error).message }, 'hot-plug: network-status not written');
  }
  deps.plans.save(next);
  return status;
}

/** Steps 2 to 4 once the hot-plug is planned. */
async function apply(deps: EngineDeps, plan: SavedPlan, hp: HotplugPlan, input: HotplugInput) {
  const adding = hp.add.map((a) => ({ ...a, addFailed: true, hotplug: 'adding' as const }));
  deps.plans.save({ ...plan, attachments: [...plan.attachments, ...adding] });
  const rdeps = recording(deps, plan);
  const removed = await removeAll(rdeps, plan, hp.remove);
  if (removed.errors.length) {
    // What could not be removed stays (the next try, or the pod's DEL, removes it); what was removed is gone, and
    // nothing new was attached.
    const left = plan.attachments.filter((a) => !hp.remove.includes(a) || removed.failed.has(a));
    await finish(deps, input, { ...plan, attachments: left }, { failing: true });
    throw new CniError(
      removed.errors[0]!.code ?? ErrorCode.Internal,
      `hot-plug: ${removed.errors.map((e) => e.message).join(' / ')}`,
    ).withContext(podOf(plan));
  }
  const before = plan.attachments.filter((a) => !hp.remove.includes(a));
  if (hp.remove.length) deps.plans.save({ ...plan, attachments: [...before, ...adding] });
  hp.warnings.push(...(await restoreDefaultRoutes(deps, plan, hp.remove)));
  // one at a time when any of the pod's networks uses another's interface (core/independence.ts)
  const limit = independent([...before, ...adding]) ? attachLimit(input.config) : 1;
  const added = await addAll(rdeps, plan, adding, limit);
  if ('err' in added) {
    await finish(deps, input, { ...plan, attachments: [...before, ...added.leftover] }, { failing: true });
    throw added.err;
  }
  // The plan's own attachments (hp.add's are members of hp.attachments, unmarked) stand for the marked copies.
  const fresh = added.map((d) => ({ ...d, att: hp.add[adding.indexOf(d.att as (typeof adding)[number])]! }));
  const next: SavedPlan = { ...plan, attachments: hp.attachments };
  return { fresh, status: await finish(deps, input, next, { fresh }) };
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
  for (const w of hp.warnings) deps.log.warn(logOf(plan), w);
  const { fresh, status } = await apply(deps, plan, hp, input);
  const addedNames = new Set(fresh.map((d) => d.att.ifname));
  return {
    removed: hp.remove,
    added: status.filter((s) => s.interface !== undefined && addedNames.has(s.interface)),
    status,
    warnings: hp.warnings,
  };
}
