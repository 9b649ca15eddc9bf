// DEL: from the saved plan, in reverse, past errors, idempotent, never needing the API server. Without a
// usable plan it falls back to the libcni result cache, then to the configured default networks, so an
// address is never leaked (Multus skips delegates here: multus-cni#1087, #948).
import { CniError, ErrorCode } from '../cni/errors.js';
import { toConfList } from '../cni/conflist.js';
import { idsProblem } from '../cni/request.js';
import { independent } from '../core/independence.js';
import type { PlannedAttachment } from '../core/plan.js';
import { delAttachment } from './attachment.js';
import { UnrunnableDelegate } from './chain.js';
import { settleLimited } from './limit.js';
import {
  type DelegateProcess,
  type EngineDeps,
  type ForeignRecord,
  PLAN_KIND,
  type PodRef,
  type PodRequest,
  type SavedPlan,
} from './ports.js';

/**
 * Stops what an earlier braid left running for this attachment key (issue 12). A runtime that gives up on ADD kills
 * braid, not the delegates braid started in their own process groups, and one finishing its ADD after this DEL would
 * leak its address and link: each still running (same pid and start time) has its group killed, and DEL goes on only
 * once none runs, to undo whatever they made. One that outlives the wait fails DEL with "try again later".
 */
export async function stopOrphans(deps: EngineDeps, key: Pick<PodRequest, 'containerId' | 'ifname'>): Promise<void> {
  const { containerId, ifname } = key;
  const left = deps.plans.running(containerId, ifname);
  if (!left.length) return;
  const outcomes = await Promise.all(left.map((p) => deps.processes.stop(p, containerId)));
  const stuck: DelegateProcess[] = [];
  left.forEach((p, i) => {
    const fields = { containerId, ifname, pid: p.pid, plugin: p.plugin };
    switch (outcomes[i]!) {
      case 'alive':
        stuck.push(p);
        return;
      case 'killed':
        deps.log.warn(fields, 'killed a delegate that an earlier, killed braid left running');
        break;
      case 'gone':
        deps.log.info(fields, 'a delegate recorded by an earlier, killed braid has ended');
        break;
    }
    deps.plans.forgetRunning(containerId, ifname, p);
  });
  if (stuck.length)
    throw new CniError(
      ErrorCode.TryAgainLater,
      `container ${containerId} on ${ifname}: ${stuck.map((p) => `${p.plugin ?? 'a delegate'} (pid ${p.pid})`).join(', ')}, started by an earlier braid that was killed, still runs after SIGKILL; nothing was deleted yet`,
    );
}

/** Attachments rebuilt from cache entries when the plan is gone or corrupt. */
export function attachmentsFromCache(
  deps: EngineDeps,
  req: Pick<PodRequest, 'containerId' | 'ifname'>,
): PlannedAttachment[] {
  const out: PlannedAttachment[] = [];
  for (const e of deps.cache.listForContainer(req.containerId)) {
    try {
      const conf = toConfList(
        JSON.parse(Buffer.from(e.config, 'base64').toString('utf8')),
        `cached network ${e.networkName}`,
      );
      out.push({
        name: e.networkName,
        ifname: e.ifName,
        isDefault: e.ifName === req.ifname,
        conf,
        capabilityArgs: e.capabilityArgs ?? {},
        extraArgs: [],
      });
    } catch (err) {
      deps.log.error({ err: (err as Error).message, network: e.networkName }, 'DEL: unreadable cache entry');
    }
  }
  // The default network last, as it was attached first.
  return out.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
}

export interface DelOptions {
  /** What the runtime's CNI_ARGS say of the pod, when the plan has no record of it. */
  pod?: PodRef;
  /**
   * How many secondary attachments are removed at once, as they were added: `maxParallelAttachments` with
   * `parallelAttach`, else (and by default) 1, one after another.
   */
  limit?: number;
}

/**
 * With `parallelAttach`, every attachment at once, the default network beside the secondaries (at most `limit` of
 * those): each plugin removes its own interface and releases its own addresses, from the host's side, and none of
 * them uses the pod's other interfaces (core/independence.ts). Otherwise, and whenever one of them does use another's
 * interface (`linkInContainer`), the reverse of ADD's order, one after another: the default network last.
 */
async function delAttachments(
  deps: EngineDeps,
  plan: SavedPlan,
  limit: number,
  foreign?: ForeignRecord,
): Promise<Array<[PlannedAttachment, CniError[]]>> {
  const parallel = limit > 1 && independent(plan.attachments);
  const reversed = [...plan.attachments].reverse();
  const run = async (att: PlannedAttachment): Promise<[PlannedAttachment, CniError[]]> => [
    att,
    await delAttachment(deps, plan, att, foreign?.prevResults.get(att)),
  ];
  const out: Array<[PlannedAttachment, CniError[]]> = [];
  if (!parallel) {
    for (const att of reversed) out.push(await run(att));
    return out;
  }
  const defaults = Promise.allSettled(reversed.filter((a) => a.isDefault).map(run));
  const secondaries = await settleLimited(
    reversed.filter((a) => !a.isDefault),
    limit,
    run,
  );
  for (const settled of [...secondaries, ...(await defaults)]) {
    if (settled.status === 'rejected') throw settled.reason;
    out.push(settled.value);
  }
  return out;
}

/** What DEL worked from: braid's plan, Multus' record, the result cache, or nothing (the configured networks). */
export type DelRecord = 'plan' | 'multus' | 'cache' | 'none';

interface DelSource {
  plan: SavedPlan;
  /** No record at all: the configured networks stand in, and their errors do not fail DEL. */
  guessing: boolean;
  /** The plan came from Multus' record (a pod attached before braid took over the node). */
  foreign?: ForeignRecord;
  record: DelRecord;
}

/** Multus' record of the container, when braid has none of its own; an unreadable one is logged and passed over. */
function foreignRecord(deps: EngineDeps, req: PodRequest): ForeignRecord | undefined {
  try {
    const record = deps.foreign?.read(req.containerId, req.ifname);
    if (record)
      deps.log.info({ containerId: req.containerId, multusRecord: record.source }, 'DEL: using the Multus record');
    return record;
  } catch (err) {
    deps.log.warn({ containerId: req.containerId, err: (err as Error).message }, 'DEL: Multus record not used');
    return undefined;
  }
}

/**
 * What DEL works from: the saved plan, else Multus' record of a pod it attached, else the result cache, else
 * (`guessing`) the configured networks.
 */
async function planForDel(
  deps: EngineDeps,
  req: PodRequest,
  fallback: () => Promise<PlannedAttachment[]>,
  pod?: PodRef,
): Promise<DelSource> {
  const read = deps.plans.read(req.containerId, req.ifname);
  if ('plan' in read) return { plan: read.plan, guessing: false, record: 'plan' };
  if ('corrupt' in read)
    deps.log.warn(
      { containerId: req.containerId, reason: read.corrupt },
      'DEL: the saved plan cannot be read; using the result cache',
    );
  const planOf = (attachments: PlannedAttachment[]): SavedPlan => ({
    kind: PLAN_KIND,
    ...req,
    ...(pod ? { pod } : {}),
    attachments,
  });
  const foreign = foreignRecord(deps, req);
  if (foreign) return { plan: planOf(foreign.attachments), guessing: false, foreign, record: 'multus' };
  let attachments = attachmentsFromCache(deps, req);
  const guessing = attachments.length === 0;
  if (guessing) attachments = await fallback();
  return { plan: planOf(attachments), guessing, record: guessing ? 'none' : 'cache' };
}

/** The errors that count: an attachment whose ADD failed may never have existed, so its DEL errors do not. */
function countedErrors(deps: EngineDeps, results: Array<[PlannedAttachment, CniError[]]>): CniError[] {
  const errors: CniError[] = [];
  for (const [att, attErrors] of results) {
    // macvlan's DEL fails when its master is gone: tried again here, but it must not keep the pod from being deleted.
    for (const e of attErrors.filter((x) => x instanceof UnrunnableDelegate))
      deps.log.error({ err: e.message, network: att.name }, 'DEL: a delegate that can never run is skipped');
    const runnable = attErrors.filter((x) => !(x instanceof UnrunnableDelegate));
    if (att.addFailed)
      for (const e of runnable)
        deps.log.warn({ err: e.message, network: att.name }, 'DEL of a failed attachment: error ignored');
    else errors.push(...runnable);
  }
  return errors;
}

export async function delPod(
  deps: EngineDeps,
  req: PodRequest,
  fallback: () => Promise<PlannedAttachment[]>,
  opts: DelOptions = {},
): Promise<DelRecord> {
  if (refusedIds(deps, req)) return 'none';
  await stopOrphans(deps, req);
  /** With no record at all, braid cannot know what was attached: DEL is best effort and reports success. */
  const { plan, guessing, foreign, record } = await planForDel(deps, req, fallback, opts.pod);
  const errors = countedErrors(deps, await delAttachments(deps, plan, opts.limit ?? 1, foreign));
  const who = plan.pod ?? opts.pod;
  if (deps.status && who) {
    await deps.status
      .remove(who, req.containerId)
      .catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, 'DEL: network-status not updated'));
  }
  if (errors.length && guessing) {
    deps.log.warn(
      { containerId: req.containerId, errors: errors.map((e) => e.message) },
      'DEL without any record: delegate errors ignored',
    );
  } else if (errors.length) {
    throw new CniError(
      errors[0]!.code ?? ErrorCode.Internal,
      `DEL of container ${req.containerId} left errors: ${errors.map((e) => e.message).join(' / ')}`,
    );
  }
  deps.plans.remove(req.containerId, req.ifname);
  if (foreign) removeForeign(deps, req, foreign);
  return record;
}

/**
 * Multus' record goes once every DEL succeeded; one that cannot be removed is logged and left (it is Multus' file,
 * and the next DEL of the container finds its attachments gone): it must not make this DEL, and every retry, fail.
 */
function removeForeign(deps: EngineDeps, req: PodRequest, foreign: ForeignRecord): void {
  try {
    deps.foreign?.remove(req.containerId, foreign);
  } catch (err) {
    deps.log.warn(
      { containerId: req.containerId, multusRecord: foreign.source, err: (err as Error).message },
      'DEL: the Multus record could not be removed',
    );
  }
}

/**
 * A DEL for IDs ADD refuses (libcni's rules: request.ts idsProblem) is a no-op: no ADD can have attached anything
 * under them, and a DEL that fails makes the runtime retry it forever (docs/adr/0008). Logged, so it is seen.
 */
function refusedIds(deps: EngineDeps, req: PodRequest): boolean {
  const problem = idsProblem(req.containerId, req.ifname);
  if (problem) deps.log.warn({ reason: problem }, 'DEL: no ADD can have succeeded for these IDs; nothing to do');
  return problem !== undefined;
}
