// STATUS and GC (CNI 1.1) over every delegate braid knows, not only the cluster network.
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import type { NetConfList } from '../cni/types.js';
import type { PlannedAttachment } from '../core/plan.js';
import { gcNetworkList, statusNetworkList, type ValidAttachment } from './chain.js';
import { attachmentsFromCache, delPod } from './del.js';
import { delAttachment } from './attachment.js';
import { type EngineDeps, type ForeignContainer, PLAN_KIND, type SavedPlan } from './ports.js';

export async function statusAll(deps: EngineDeps, networks: NetConfList[], path: string[]): Promise<void> {
  for (const list of networks) {
    try {
      await statusNetworkList(deps.exec, list, path);
    } catch (err) {
      const e = err as CniError;
      throw new CniError(
        e.code ?? ErrorCode.PluginNotAvailable,
        `network ${list.name} is not ready: ${e.message}`,
        e.details,
      );
    }
  }
}

const isValid = (valid: ValidAttachment[], plan: SavedPlan) =>
  valid.some((v) => v.containerID === plan.containerId && v.ifname === plan.ifname);

/** What a container in use holds, as far as braid knows it: its plan, Multus' record, or the result cache. */
interface InUse {
  containerId: string;
  attachments: PlannedAttachment[];
}

/**
 * The attachments of containers the runtime lists as valid. One with no plan (a plan lost to a disk error, a pod
 * Multus attached before braid took over) is read from Multus' record or the result cache; one braid knows nothing
 * of makes the result undefined: a delegate must then not be told what is in use, or it would free live addresses.
 */
function inUse(deps: EngineDeps, valid: ValidAttachment[], plans: SavedPlan[]): InUse[] | undefined {
  const out: InUse[] = plans.filter((p) => isValid(valid, p));
  for (const v of valid) {
    if (plans.some((p) => p.containerId === v.containerID && p.ifname === v.ifname)) continue;
    let attachments: PlannedAttachment[] = [];
    try {
      attachments = deps.foreign?.read(v.containerID, v.ifname)?.attachments ?? [];
    } catch (err) {
      deps.log.warn({ containerId: v.containerID, err: (err as Error).message }, 'GC: Multus record unreadable');
    }
    if (!attachments.length) attachments = attachmentsFromCache(deps, { containerId: v.containerID, ifname: v.ifname });
    if (!attachments.length) {
      deps.log.warn(
        { containerId: v.containerID, ifname: v.ifname },
        'GC: a container in use has no record; delegates are not asked to collect garbage',
      );
      return undefined;
    }
    out.push({ containerId: v.containerID, attachments });
  }
  return out;
}

/**
 * Removes every attachment of containers the runtime no longer lists, then lets each delegate
 * collect its own garbage with the attachments that stay.
 */
export async function gcAll(
  deps: EngineDeps,
  valid: ValidAttachment[],
  networks: NetConfList[],
  path: string[],
): Promise<void> {
  const errors: CniError[] = [];
  const plans = deps.plans.list();
  for (const plan of plans.filter((p) => !isValid(valid, p))) {
    for (const att of [...plan.attachments].reverse()) errors.push(...(await delAttachment(deps, plan, att)));
    deps.plans.remove(plan.containerId, plan.ifname);
  }
  // Attachments with a cache entry but no plan (a plan lost to a crash or a disk error) are collected too; those
  // Multus recorded go with their record (gcForeign).
  const kept = new Set([...plans.map((p) => p.containerId), ...valid.map((v) => v.containerID)]);
  const foreign = (deps.foreign?.containers() ?? []).filter((c) => !kept.has(c.containerId));
  const recorded = new Set(foreign.map((c) => c.containerId));
  const orphans = new Set(
    deps.cache
      .listAll()
      .map((e) => e.containerId)
      .filter((id) => !kept.has(id) && !recorded.has(id)),
  );
  for (const containerId of orphans) {
    const first = deps.cache.listForContainer(containerId)[0]!;
    const plan: SavedPlan = {
      kind: PLAN_KIND,
      containerId,
      ifname: first.ifName,
      netns: first.netns ?? '',
      cniVersion: '',
      args: first.cniArgs ?? [],
      path,
      attachments: [],
    };
    plan.attachments = attachmentsFromCache(deps, { containerId, ifname: '' });
    for (const att of [...plan.attachments].reverse()) errors.push(...(await delAttachment(deps, plan, att)));
  }
  errors.push(...(await gcForeign(deps, foreign, path)));
  const inuse = inUse(deps, valid, plans);
  if (inuse) errors.push(...(await gcDelegates(deps, inuse, networks, path)));
  if (errors.length) throw new CniError(errors[0]!.code, `GC left errors: ${errors.map((e) => e.message).join(' / ')}`);
}

/**
 * Containers Multus attached before braid took over that the runtime no longer lists: DELed as the runtime's DEL
 * would (from Multus' record, each delegate with its cached result), the record going once all succeeded (issue 11).
 */
async function gcForeign(deps: EngineDeps, gone: ForeignContainer[], path: string[]): Promise<CniError[]> {
  const errors: CniError[] = [];
  for (const c of gone) {
    const req = { containerId: c.containerId, ifname: c.ifname, netns: c.netns, args: c.args, path, cniVersion: '' };
    try {
      // an unreadable record: DEL logs it and guesses nothing; it stays, and so do its addresses (ADR 0008)
      await delPod(deps, req, async () => []);
    } catch (err) {
      errors.push(toCniError(err));
    }
  }
  return errors;
}

/** Each network's delegates collect their own garbage, told which of their attachments stay. */
async function gcDelegates(
  deps: EngineDeps,
  kept: InUse[],
  networks: NetConfList[],
  path: string[],
): Promise<CniError[]> {
  const errors: CniError[] = [];
  const byName = new Map(networks.map((n) => [n.name, n]));
  for (const p of kept) for (const a of p.attachments) if (!byName.has(a.conf.name)) byName.set(a.conf.name, a.conf);
  for (const list of byName.values()) {
    const stillUsed = kept.flatMap((p) =>
      p.attachments
        .filter((a) => a.conf.name === list.name)
        .map((a) => ({ containerID: p.containerId, ifname: a.ifname })),
    );
    errors.push(...(await gcNetworkList(deps.exec, list, stillUsed, path)));
  }
  return errors;
}
