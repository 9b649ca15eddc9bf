// The CNI verbs, one handler each, in a table the compiler checks for completeness: a verb added to the
// protocol without a handler does not build. VERSION is answered by the skel before a handler is chosen.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { CniCommand, CniRequest } from '../cni/request.js';
import { isObject, type NetConfList } from '../cni/types.js';
import { configuredNetworks, ifnameAt, resolveConfigured } from '../core/networks.js';
import type { NodeConfig } from '../core/node-config.js';
import type { PlannedAttachment } from '../core/plan.js';
import { NO_NADS } from '../core/sources.js';
import { addPod } from './add.js';
import type { ValidAttachment } from './chain.js';
import { checkPod } from './check.js';
import { delPod, type DelRecord } from './del.js';
import { attachLimit } from './limit.js';
import { gcAll, statusAll } from './maintenance.js';
import { lookupPod, podRefOf } from './pod.js';
import type { EngineDeps, PodRequest, Sources } from './ports.js';
import { waitForReadiness } from './readiness.js';

export type Verb = Exclude<CniCommand, 'VERSION'>;

export interface VerbContext {
  config: NodeConfig;
  deps: EngineDeps;
  src: Sources;
}

export type Handler = (req: CniRequest, ctx: VerbContext) => Promise<unknown>;

const podRequest = (req: CniRequest): PodRequest => ({
  containerId: req.containerId,
  netns: req.netns,
  ifname: req.ifname,
  args: req.args,
  path: req.path,
  cniVersion: req.cniVersion,
});

/** The configured networks, resolved (STATUS, GC): one that cannot be resolved fails the verb. */
async function resolvedNetworks({ config, deps, src }: VerbContext): Promise<NetConfList[]> {
  const files = deps.files.confFiles(config.confDir);
  const out: NetConfList[] = [];
  for (const n of configuredNetworks(config)) out.push(await resolveConfigured(n, config, { nads: src.nads, files }));
  return out;
}

/**
 * DEL with no plan and no cache: the configured networks are all braid can know of, resolved without the API
 * (inline delegates, config files); one that cannot be resolved is skipped, not allowed to stop the others.
 */
async function fallbackAttachments({ config, deps }: VerbContext, ifname: string): Promise<PlannedAttachment[]> {
  const files = deps.files.confFiles(config.confDir);
  const out: PlannedAttachment[] = [];
  for (const [i, n] of configuredNetworks(config).entries()) {
    try {
      const conf = await resolveConfigured(n, config, { nads: NO_NADS, files });
      out.push({
        name: conf.name,
        ifname: ifnameAt(i, ifname),
        isDefault: i === 0,
        conf,
        capabilityArgs: {},
        extraArgs: [],
      });
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'DEL: network skipped');
    }
  }
  return out;
}

/**
 * The runtime's list of attachments to keep. A malformed list is an error: read as "nothing is valid", it would
 * tear down every attachment on the node (issue 12).
 */
function validAttachments(config: NodeConfig): ValidAttachment[] {
  const key = 'cni.dev/valid-attachments' in config.raw ? 'cni.dev/valid-attachments' : 'cni.dev/attachments';
  const v = config.raw[key];
  if (!Array.isArray(v))
    throw new CniError(ErrorCode.InvalidConfig, 'GC needs "cni.dev/valid-attachments" in the configuration');
  return v.map((a, i) => {
    if (isObject(a) && typeof a.containerID === 'string' && a.containerID && typeof a.ifname === 'string' && a.ifname) {
      return { containerID: a.containerID, ifname: a.ifname };
    }
    throw new CniError(
      ErrorCode.InvalidConfig,
      `GC: "${key}"[${i}] must be an object with string "containerID" and "ifname"; nothing was removed`,
    );
  });
}

async function add(req: CniRequest, ctx: VerbContext): Promise<unknown> {
  const { config, deps, src } = ctx;
  await waitForReadiness(config.readinessIndicatorFile, config.readinessTimeoutSeconds, deps);
  const pod = await lookupPod(req, config.runtimeConfig, src);
  const devices = deps.files.devices(config.deviceCheckpointFile, config.deviceInfoDir);
  const ref = pod ? { namespace: pod.namespace, name: pod.name, ...(pod.uid ? { uid: pod.uid } : {}) } : undefined;
  try {
    const out = await addPod(deps, podRequest(req), {
      config,
      nads: src.nads,
      files: deps.files.confFiles(config.confDir),
      devices,
      ...(pod ? { pod } : {}),
    });
    if (ref) src.onAdded?.(ref, out.status);
    if (ref && out.warnings.length) src.onWarnings?.(ref, out.warnings);
    return out.result;
  } catch (err) {
    if (ref) src.onAddFailed?.(ref, err as Error);
    throw err;
  }
}

export const VERBS: Record<Verb, Handler> = {
  ADD: add,
  DEL: async (req, ctx) => {
    const pod = podRefOf(req);
    const record = await delPod(ctx.deps, podRequest(req), () => fallbackAttachments(ctx, req.ifname), {
      ...(pod ? { pod } : {}),
      limit: attachLimit(ctx.config),
    });
    delRecords.set(req, record);
    if (record === 'none') ctx.src.onDelWithoutRecord?.();
    return undefined;
  },
  CHECK: (req, { deps }) => checkPod(deps, req.containerId, req.ifname),
  STATUS: async (req, ctx) => {
    await waitForReadiness(ctx.config.readinessIndicatorFile, ctx.config.readinessTimeoutSeconds, ctx.deps);
    return statusAll(ctx.deps, await resolvedNetworks(ctx), req.path);
  },
  GC: async (req, ctx) => gcAll(ctx.deps, validAttachments(ctx.config), await resolvedNetworks(ctx), req.path),
};

/** What each DEL worked from, for its outcome line. */
const delRecords = new WeakMap<CniRequest, DelRecord>();

/** The fields every log line about a request carries (docs/operators.md, "Logs"). */
export function requestFields(req: CniRequest): Record<string, string> {
  const pod = podRefOf(req);
  return {
    command: req.command,
    ...(pod ? { namespace: pod.namespace, pod: pod.name } : {}),
    containerId: req.containerId,
    ifname: req.ifname,
  };
}

/** Runs the request's verb; ADD and DEL end with one info line saying how it went. */
export async function handle(req: CniRequest, ctx: VerbContext): Promise<unknown> {
  if (req.command === 'VERSION') return undefined; // the skel answers VERSION itself
  if (req.command !== 'ADD' && req.command !== 'DEL') return VERBS[req.command](req, ctx);
  const t0 = ctx.deps.now();
  const line = (outcome: Record<string, unknown>) => ({
    ...requestFields(req),
    durationMs: ctx.deps.now() - t0,
    ...outcome,
  });
  try {
    const out = await VERBS[req.command](req, ctx);
    const record = delRecords.get(req);
    ctx.deps.log.info(line({ outcome: 'success', ...(record ? { record } : {}) }), `${req.command} done`);
    return out;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const fields = { outcome: 'error', ...(typeof code === 'number' ? { code } : {}), err: (err as Error).message };
    ctx.deps.log.info(line(fields), `${req.command} failed`);
    throw err;
  }
}
