// Composition root of the CNI executable: one request in, the engine with real effects, one answer out.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { CniRequest } from '../cni/request.js';
import { type ProcessIo, runSkel } from '../cni/skel.js';
import { isObject, type JsonObject, type NetConfList } from '../cni/types.js';
import type { ValidAttachment } from '../invoke/chain.js';
import { toConfList } from '../invoke/conflist.js';
import type { Logger } from 'pino';
import type { PluginExec } from '../invoke/exec.js';
import { ProcessPluginExec } from '../invoke/process-exec.js';
import { ResultCache } from '../invoke/result-cache.js';
import { parseNodeConfig, withNodeDefaults, type NodeConfig } from '../core/node-config.js';
import { resolveNetworkRef } from '../core/network-ref.js';
import type { PlannedAttachment } from '../core/plan.js';
import type { NadSource } from '../core/sources.js';
import { addPod } from '../engine/add.js';
import { checkPod } from '../engine/check.js';
import { delPod } from '../engine/del.js';
import type { EngineDeps, PodRef, StatusWriter } from '../engine/deps.js';
import { lookupPod, podRefOf, type Sources } from './sources.js';
import { ipRouteEditor } from '../engine/default-route.js';
import { gcAll, statusAll } from '../engine/maintenance.js';
import { waitForReadiness } from '../engine/readiness.js';
import { confDirFiles } from '../store/conf-files.js';
import { checkpointDevices } from '../store/devices.js';
import { PendingStatusClears } from '../store/pending-status.js';
import { PlanStore } from '../store/plan-store.js';
import { createLogger } from './logger.js';

const noNads: NadSource = { getNad: async () => undefined };

async function sourcesFor(config: NodeConfig, command: string): Promise<Sources> {
  if (config.localStore) {
    const { LocalStore } = await import('../local/local-store.js'); // the YAML parser is for local mode only
    const store = new LocalStore(config.localStore);
    return { pods: store, nads: store, status: store };
  }
  // Thin Kubernetes mode (no daemon). DEL never needs the API server, so it never loads the client.
  if (config.kubeconfig && !config.daemonSocket && command !== 'DEL') {
    const { thinSources } = await import('./thin.js');
    return thinSources(config);
  }
  // Daemon mode with the daemon down (only DEL gets here): the status clear is owed, for the daemon to make.
  if (config.daemonSocket) return { nads: noNads, status: new PendingStatusClears(config.cacheDir) };
  return { nads: noNads };
}

export interface DepsOptions {
  log?: Logger;
  /** The environment delegates inherit (PATH, …); the request's own by default. The daemon passes its own. */
  processEnv?: Record<string, string | undefined>;
  /** Wraps the plugin runner, e.g. to time delegates for metrics. */
  wrapExec?: (exec: PluginExec) => PluginExec;
  /** The daemon's `hostRoot`: delegates run chrooted into it (docs/adr/0013-where-delegates-run.md). */
  hostRoot?: string;
}

export function engineDeps(config: NodeConfig, io: ProcessIo, status?: StatusWriter, opts: DepsOptions = {}): EngineDeps {
  const log = opts.log ?? createLogger(config);
  const exec = new ProcessPluginExec({
    searchPath: [config.binDir, ...(io.env.CNI_PATH ?? '').split(':').filter(Boolean)],
    env: opts.processEnv ?? io.env,
    timeoutMs: config.pluginTimeoutSeconds * 1000,
    ...(opts.hostRoot ? { hostRoot: opts.hostRoot } : {}),
    onStderr: (type, text) => log.debug({ plugin: type, stderr: text.trim() }, 'delegate stderr'),
  });
  return {
    exec: opts.wrapExec ? opts.wrapExec(exec) : exec,
    plans: new PlanStore(config.cacheDir),
    cache: new ResultCache(config.cacheDir),
    routes: ipRouteEditor(opts.hostRoot),
    ...(status ? { status } : {}),
    log,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
}

/** The networks braid is configured with (STATUS, GC), in attachment order. */
async function configuredNetworks(config: NodeConfig, nads: NadSource): Promise<NetConfList[]> {
  const files = confDirFiles(config.confDir);
  const out = config.delegates.map((d, i) => toConfList(d, `delegates[${i}]`));
  for (const ref of [config.clusterNetwork, ...config.defaultNetworks]) {
    if (ref) out.push(await resolveNetworkRef(ref, config, { nads, files }));
  }
  return out;
}

/**
 * DEL with no plan and no cache: the configured networks are all braid can know of, resolved without the API
 * (inline delegates, config files); one that cannot be resolved is skipped, not allowed to stop the others.
 */
async function fallbackAttachments(config: NodeConfig, ifname: string, log: Logger): Promise<PlannedAttachment[]> {
  const files = confDirFiles(config.confDir);
  const refs: Array<() => Promise<NetConfList>> = [
    ...config.delegates.map((d, i) => async () => toConfList(d, `delegates[${i}]`)),
    ...[config.clusterNetwork, ...config.defaultNetworks].filter((r): r is string => !!r).map((r) => () => resolveNetworkRef(r, config, { nads: noNads, files })),
  ];
  const out: PlannedAttachment[] = [];
  for (const resolve of refs) {
    try {
      const conf = await resolve();
      const i = out.length;
      out.push({ name: conf.name, ifname: i === 0 ? ifname : `net${i}`, isDefault: i === 0, conf, capabilityArgs: {}, extraArgs: [] });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'DEL: network skipped');
    }
  }
  return out;
}

function validAttachments(config: NodeConfig): ValidAttachment[] {
  const v = config.raw['cni.dev/valid-attachments'] ?? config.raw['cni.dev/attachments'];
  if (!Array.isArray(v)) throw new CniError(ErrorCode.InvalidConfig, 'GC needs "cni.dev/valid-attachments" in the configuration');
  return v.filter(isObject).map((a) => ({ containerID: String(a.containerID), ifname: String(a.ifname) }));
}

const podOpt = (pod: PodRef | undefined) => (pod ? { pod } : {});

export async function handle(req: CniRequest, config: NodeConfig, deps: EngineDeps, src: Sources): Promise<unknown> {
  const path = req.path;
  const base = { containerId: req.containerId, netns: req.netns, ifname: req.ifname, args: req.args, path, cniVersion: req.cniVersion };
  switch (req.command) {
    case 'ADD': {
      await waitForReadiness(config.readinessIndicatorFile, config.readinessTimeoutSeconds, deps);
      const pod = await lookupPod(req, config.runtimeConfig, src);
      const devices = checkpointDevices(config.deviceCheckpointFile, config.deviceInfoDir);
      const ref = pod ? { namespace: pod.namespace, name: pod.name, ...(pod.uid ? { uid: pod.uid } : {}) } : undefined;
      try {
        const out = await addPod(deps, base, { config, nads: src.nads, files: confDirFiles(config.confDir), devices, ...(pod ? { pod } : {}) });
        if (ref) src.onAdded?.(ref, out.status);
        return out.result;
      } catch (err) {
        if (ref) src.onAddFailed?.(ref, err as Error);
        throw err;
      }
    }
    case 'DEL':
      return delPod(deps, base, () => fallbackAttachments(config, req.ifname, deps.log), { ...podOpt(podRefOf(req)), parallel: config.parallelAttach });
    case 'CHECK':
      return checkPod(deps, req.containerId, req.ifname);
    case 'STATUS':
      await waitForReadiness(config.readinessIndicatorFile, config.readinessTimeoutSeconds, deps);
      return statusAll(deps, await configuredNetworks(config, src.nads), path);
    case 'GC':
      return gcAll(deps, validAttachments(config), await configuredNetworks(config, src.nads), path);
    default:
      return undefined;
  }
}

/** `defaults`: node keys the request's own override (the daemon's, for the in-process DEL of daemon mode). */
export async function cniMain(io: ProcessIo, defaults: JsonObject = {}): Promise<number> {
  return runSkel(io, async (req) => {
    const config = parseNodeConfig(withNodeDefaults(req.config, defaults));
    const src = await sourcesFor(config, req.command);
    const deps = engineDeps(config, io, src.status);
    try {
      return await handle(req, config, deps, src);
    } catch (err) {
      deps.log.error({ command: req.command, containerId: req.containerId, err: (err as Error).message }, 'request failed');
      throw err;
    }
  });
}
