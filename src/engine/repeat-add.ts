// A second ADD for a container and ifname that already have a plan (runtimes do retry ADD). What an earlier ADD
// that succeeded made is never touched: the same request is answered from the saved plan and the result cache, as
// libcni's cache allows; a different one fails with nothing changed (issue 12). An earlier ADD that never finished
// (a crash: its plan is there, some results are not) is undone first, as the runtime's own DEL would, which first
// stops the delegates it may have left running (docs/adr/0019-orphaned-delegates.md).
import { CniError, ErrorCode } from '../cni/errors.js';
import { formatResult, parseResult } from '../cni/result.js';
import { listVersion } from '../cni/conflist.js';
import type { JsonObject, Result } from '../cni/types.js';
import { buildNetworkStatus, type NetworkStatus } from '../core/network-status.js';
import type { PlannedAttachment } from '../core/plan.js';
import { cacheKey } from './attachment.js';
import { delPod, stopOrphans } from './del.js';
import type { EngineDeps, PodRequest, SavedPlan } from './ports.js';

/** The parts of an attachment that decide what its delegates are asked to do. */
const shape = (a: PlannedAttachment) =>
  JSON.stringify([a.name, a.ifname, a.isDefault, a.conf, a.capabilityArgs, a.extraArgs]);

function sameRequest(old: SavedPlan, req: PodRequest, attachments: PlannedAttachment[]): boolean {
  return (
    old.netns === req.netns &&
    old.attachments.length === attachments.length &&
    old.attachments.every((a, i) => shape(a) === shape(attachments[i]!))
  );
}

/** Each attachment's cached result, when the earlier ADD finished every one of them. */
function finishedResults(deps: EngineDeps, old: SavedPlan): Result[] | undefined {
  const out: Result[] = [];
  for (const att of old.attachments) {
    const raw = att.addFailed ? undefined : deps.cache.read(cacheKey(old, att))?.result;
    if (!raw) return undefined;
    out.push(parseResult(raw, listVersion(att.conf)));
  }
  return out;
}

export interface EarlierAnswer {
  result: JsonObject;
  status: NetworkStatus[];
}

/**
 * What to do about an earlier ADD of this container on this ifname: `undefined` when there was none (or it was
 * unfinished and is now undone), the earlier answer when this is the same request; throws when it differs.
 */
export async function earlierAdd(
  deps: EngineDeps,
  req: PodRequest,
  attachments: PlannedAttachment[],
): Promise<EarlierAnswer | undefined> {
  const read = deps.plans.read(req.containerId, req.ifname);
  // A plan that cannot be read says nothing of what ran: what an earlier ADD left running must not race this one.
  if ('corrupt' in read) await stopOrphans(deps, req);
  if (!('plan' in read)) return undefined;
  const old = read.plan;
  const results = finishedResults(deps, old);
  if (!results) {
    deps.log.warn(
      { containerId: req.containerId, ifname: req.ifname },
      'ADD: undoing an earlier ADD that never finished',
    );
    await delPod(deps, { ...req, netns: old.netns }, () => Promise.resolve([]), old.pod ? { pod: old.pod } : {}).catch(
      (err: unknown) => {
        throw new CniError(
          ErrorCode.TryAgainLater,
          `container ${req.containerId} has an unfinished earlier ADD on ${req.ifname} that could not be undone: ${(err as Error).message}`,
        );
      },
    );
    return undefined;
  }
  if (!sameRequest(old, req, attachments)) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `container ${req.containerId} is already attached on ${req.ifname} (netns ${old.netns}; networks ${old.attachments.map((a) => a.name).join(', ')}) by an earlier ADD, and this ADD asks for something else: nothing was changed; DEL the container first`,
    );
  }
  deps.log.info({ containerId: req.containerId, ifname: req.ifname }, 'ADD repeated: answered from the saved plan');
  const attached = old.attachments.map((a, i) => ({
    name: a.name,
    ifname: a.ifname,
    isDefault: a.isDefault,
    result: results[i]!,
  }));
  return { result: formatResult(results[0]!, req.cniVersion), status: buildNetworkStatus(attached) };
}
