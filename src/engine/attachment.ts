// One attachment's ADD and DEL, with its libcni-layout cache entry.
import { delegateArgs } from '../cni/args.js';
import type { CniError } from '../cni/errors.js';
import type { Result } from '../cni/types.js';
import { addNetworkList, delNetworkList, type RuntimeConf, UnrunnableDelegate } from './chain.js';
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
  const { raw, result, problems } = await addNetworkList(deps.exec, att.conf, rt);
  // A result slightly off the spec does not fail an attachment whose interfaces exist (issue 11): what could not be
  // read was left out of the result and the network-status, and is logged here, once, naming plugin and network.
  const where = { pod: plan.pod?.name, namespace: plan.pod?.namespace, containerId: plan.containerId };
  for (const p of problems)
    deps.log.warn(
      { ...where, network: att.name, ifname: att.ifname, plugin: p.plugin, problems: p.problems },
      `plugin "${p.plugin}" of network ${att.name}: parts of its result could not be read and were left out`,
    );
  deps.cache.write({
    kind: 'cniCacheV1',
    containerId: plan.containerId,
    config: Buffer.from(JSON.stringify(att.conf)).toString('base64'),
    ifName: att.ifname,
    networkName: att.conf.name,
    netns: plan.netns,
    cniArgs: rt.args,
    capabilityArgs: rt.capabilityArgs,
    result: raw as Record<string, unknown>,
  });
  return { att, raw, result };
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
  // An unrunnable delegate keeps its class (DEL lets the pod go past it); its message names plugin and network.
  return errors.map((e) =>
    e instanceof UnrunnableDelegate ? e : e.withContext({ network: att.name, ifname: att.ifname }),
  );
}
