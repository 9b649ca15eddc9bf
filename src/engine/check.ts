// CHECK covers every attachment of the pod, not only the first (Multus checks only its own delegates).
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import { checkNetworkList } from './chain.js';
import { cacheKey, runtimeConfFor } from './attachment.js';
import type { EngineDeps } from './ports.js';

export async function checkPod(deps: EngineDeps, containerId: string, ifname: string): Promise<void> {
  const read = deps.plans.read(containerId, ifname);
  if (!('plan' in read))
    throw new CniError(
      ErrorCode.UnknownContainer,
      `CHECK: braid has no record of container ${containerId} on ${ifname}`,
    );
  const plan = read.plan;
  for (const att of plan.attachments) {
    const cached = deps.cache.read(cacheKey(plan, att))?.result;
    try {
      await checkNetworkList(deps.exec, att.conf, runtimeConfFor(plan, att), cached);
    } catch (err) {
      throw toCniError(err).withContext({ network: att.name, ifname: att.ifname });
    }
  }
}
