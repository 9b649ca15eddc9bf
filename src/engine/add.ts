// ADD as a transaction: plan, save the plan, attach (in parallel when allowed), apply default routes,
// record network-status; on any failure undo every attachment in reverse and leave nothing behind.
import { getArg } from '../cni/args.js';
import { CniError, toCniError, type ErrorContext } from '../cni/errors.js';
import { formatResult } from '../cni/result.js';
import type { JsonObject } from '../cni/types.js';
import { independent } from '../core/independence.js';
import { buildNetworkStatus, type NetworkStatus } from '../core/network-status.js';
import { planAttachments, type PlanInput, type PlannedAttachment } from '../core/plan.js';
import { ListAddError } from './chain.js';
import { addAttachment, type Attached, delAttachment } from './attachment.js';
import { applyDefaultRoutes } from './default-route.js';
import { attachLimit, settleLimited } from './limit.js';
import { earlierAdd } from './repeat-add.js';
import { type EngineDeps, PLAN_KIND, type PluginExec, type PodRequest, policyOf, type SavedPlan } from './ports.js';

/** Whom an ADD error is about: the pod when known, else the container. */
const subjectOf = (plan: SavedPlan): ErrorContext =>
  plan.pod ? { pod: `${plan.pod.namespace}/${plan.pod.name}` } : { container: plan.containerId };

interface Failure {
  att: PlannedAttachment;
  err: unknown;
}

/** How far ADD got: what it started, what succeeded, and the first failure. */
interface Progress {
  started: PlannedAttachment[];
  done: Attached[];
  failure?: Failure;
}

/**
 * `deps` whose delegates are recorded beside the plan while they run (issue 12): a runtime that kills braid on its
 * own timeout leaves them running, and the DEL that follows stops them first (`stopOrphans`, del.ts). Each is
 * recorded before it is given its stdin, so one that braid could not record never acts.
 */
export function recording(deps: EngineDeps, plan: SavedPlan): EngineDeps {
  const { containerId, ifname } = plan;
  const exec: PluginExec = {
    exec: (call) =>
      deps.exec.exec({
        ...call,
        onSpawn: (p) => {
          const rec = { ...p, plugin: `${call.type} ${call.command}` };
          deps.plans.recordRunning(containerId, ifname, rec);
          return () => deps.plans.forgetRunning(containerId, ifname, rec);
        },
      }),
  };
  return { ...deps, exec };
}

/**
 * `limit`: attachments at once after the default network; 1 (or `parallelAttach` off) is one after another, and so
 * is a pod one of whose networks uses another's interface (core/independence.ts).
 */
async function attachAll(deps: EngineDeps, plan: SavedPlan, limit: number): Promise<Progress> {
  const parallel = limit > 1 && independent(plan.attachments);
  const done: Attached[] = [];
  const started: PlannedAttachment[] = [];
  let failure: Failure | undefined;
  if (parallel) {
    // The default network first (it is the runtime's interface: product.md), then the others at once.
    const [first, ...rest] = plan.attachments;
    started.push(first!);
    try {
      done.push(await addAttachment(deps, plan, first!));
    } catch (err) {
      return { done, started, failure: { att: first!, err } };
    }
    started.push(...rest);
    const settled = await settleLimited(rest, limit, (a) => addAttachment(deps, plan, a));
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') done.push(s.value);
      else failure ??= { att: rest[i]!, err: s.reason };
    });
  } else {
    for (const att of plan.attachments) {
      started.push(att);
      try {
        done.push(await addAttachment(deps, plan, att));
      } catch (err) {
        failure = { att, err };
        break;
      }
    }
  }
  return { done, started, failure };
}

/**
 * Undoes `started` in reverse plan order; the failed attachment too, since a plugin may have half-done it. The
 * plan goes only when every DEL succeeded: otherwise it is the record the runtime's own DEL retries from.
 */
async function rollback(deps: EngineDeps, plan: SavedPlan, { started, done, failure }: Progress): Promise<void> {
  let clean = true;
  for (const att of [...started].reverse()) {
    const cached = done.find((d) => d.att === att)?.raw;
    const errors = await delAttachment(deps, plan, att, cached);
    if (!errors.length) continue;
    // A network whose first plugin failed holds nothing (a failing plugin cleans up after itself): a DEL error
    // there is expected (macvlan without its master) and is no reason to keep a record.
    const heldNothing = att === failure?.att && failure.err instanceof ListAddError && failure.err.pluginsDone === 0;
    for (const e of errors)
      deps.log[heldNothing ? 'warn' : 'error']({ err: e.message, network: att.name }, 'rollback: DEL failed');
    // Kept in a plan that stays for another network's sake, it must not make every later DEL fail.
    if (heldNothing || !cached) att.addFailed = true;
    if (heldNothing) continue;
    clean = false;
  }
  if (clean) deps.plans.remove(plan.containerId, plan.ifname);
  else deps.plans.save(plan);
}

export interface AddOutcome {
  /** The default network's result at the runtime's version: what ADD prints. */
  result: JsonObject;
  status: NetworkStatus[];
  /** What the plan read past without failing the pod (unknown selection keys): logged here, Events by the caller. */
  warnings: string[];
}

function logWarnings(deps: EngineDeps, plan: SavedPlan, warnings: string[]): void {
  const fields = { pod: plan.pod?.name, namespace: plan.pod?.namespace, containerId: plan.containerId };
  for (const w of warnings) deps.log.warn(fields, w);
}

export async function addPod(
  deps: EngineDeps,
  req: PodRequest,
  input: Omit<PlanInput, 'ifname' | 'args'>,
): Promise<AddOutcome> {
  const { attachments, warnings } = await planAttachments({ ...input, ifname: req.ifname, args: req.args });
  const earlier = await earlierAdd(deps, req, attachments);
  if (earlier) return { ...earlier, warnings };
  const pod = input.pod
    ? { namespace: input.pod.namespace, name: input.pod.name, uid: input.pod.uid ?? getArg(req.args, 'K8S_POD_UID') }
    : undefined;
  const plan: SavedPlan = {
    kind: PLAN_KIND,
    ...req,
    ...(pod ? { pod } : {}),
    policy: policyOf(input.config),
    attachments,
  };
  deps.plans.save(plan);
  logWarnings(deps, plan, warnings);

  const { done, started, failure } = await attachAll(recording(deps, plan), plan, attachLimit(input.config));
  try {
    if (failure)
      throw toCniError(failure.err).withContext({
        ...subjectOf(plan),
        network: failure.att.name,
        ifname: failure.att.ifname,
      });
    const ordered = plan.attachments.map((a) => done.find((d) => d.att === a)!);
    const rewritten = await applyDefaultRoutes(deps.routes, plan.netns, ordered).catch((err: unknown) => {
      throw toCniError(err).withContext(subjectOf(plan));
    });
    const attached = ordered.map((d) => ({
      name: d.att.name,
      ifname: d.att.ifname,
      isDefault: d.att.isDefault,
      result: rewritten.get(d) ?? d.result,
      deviceInfo:
        d.att.resourceName && d.att.deviceId
          ? input.devices?.deviceInfo(d.att.resourceName, d.att.deviceId)
          : undefined,
    }));
    const status = buildNetworkStatus(attached);
    if (deps.status && plan.pod) await deps.status.write(plan.pod, plan.containerId, status);
    return { result: formatResult(attached[0]!.result, req.cniVersion), status, warnings };
  } catch (err) {
    await rollback(deps, plan, { started, done, failure });
    throw err instanceof CniError ? err : toCniError(err).withContext(subjectOf(plan));
  }
}
