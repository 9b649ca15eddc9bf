// One attachment's ADD and DEL, with its libcni-layout cache entry.
import { delegateArgs } from '../cni/args.js';
import type { CniError } from '../cni/errors.js';
import type { Result } from '../cni/types.js';
import { addNetworkList, delNetworkList, type RuntimeConf } from './chain.js';
import type { PlannedAttachment } from '../core/plan.js';
import type { EngineDeps, SavedPlan } from './ports.js';

export function runtimeConfFor(plan: SavedPlan, att: PlannedAttachment): RuntimeConf {
  return {
    containerId: plan.containerId,
    netns: plan.netns,
    ifname: att.ifname,
    args: delegateArgs(plan.args, att.extraArgs),
    capabilityArgs: att.capabilityArgs,
    path: plan.path,
  };
}

export const cacheKey = (plan: SavedPlan, att: PlannedAttachment) => ({
  networkName: att.conf.name,
  containerId: plan.containerId,
  ifName: att.ifname,
});

export interface Attached {
  att: PlannedAttachment;
  raw: unknown;
  result: Result;
}

export async function addAttachment(deps: EngineDeps, plan: SavedPlan, att: PlannedAttachment): Promise<Attached> {
  const rt = runtimeConfFor(plan, att);
  const out = await addNetworkList(deps.exec, att.conf, rt);
  deps.cache.write({
    kind: 'cniCacheV1',
    containerId: plan.containerId,
    config: Buffer.from(JSON.stringify(att.conf)).toString('base64'),
    ifName: att.ifname,
    networkName: att.conf.name,
    netns: plan.netns,
    cniArgs: rt.args,
    capabilityArgs: rt.capabilityArgs,
    result: out.raw as Record<string, unknown>,
  });
  return { att, ...out };
}

/** DEL of one attachment; the cache entry goes only when every plugin succeeded, so a retry still has prevResult. */
export async function delAttachment(
  deps: EngineDeps,
  plan: SavedPlan,
  att: PlannedAttachment,
  cachedResult?: unknown,
): Promise<CniError[]> {
  const key = cacheKey(plan, att);
  const prev = cachedResult ?? deps.cache.read(key)?.result;
  const errors = await delNetworkList(deps.exec, att.conf, runtimeConfFor(plan, att), prev);
  if (errors.length === 0) deps.cache.remove(key);
  return errors.map((e) => e.withContext({ network: att.name, ifname: att.ifname }));
}
