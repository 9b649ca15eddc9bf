// Composition root of the CNI executable: one request in, the engine with real effects, one answer out.
import { getArg } from '../cni/args.js';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { CniRequest } from '../cni/request.js';
import { type ProcessIo, runSkel } from '../cni/skel.js';
import { isObject, type NetConfList } from '../cni/types.js';
import type { ValidAttachment } from '../invoke/chain.js';
import { toConfList } from '../invoke/conflist.js';
import { ExecaPluginExec } from '../invoke/execa-exec.js';
import { ResultCache } from '../invoke/result-cache.js';
import { parseNodeConfig, type NodeConfig } from '../core/node-config.js';
import { resolveNetworkRef } from '../core/network-ref.js';
import type { PlannedAttachment } from '../core/plan.js';
import type { NadSource, PodInfo, PodSource } from '../core/sources.js';
import { addPod } from '../engine/add.js';
import { checkPod } from '../engine/check.js';
import { delPod } from '../engine/del.js';
import type { EngineDeps, StatusWriter } from '../engine/deps.js';
import { ipRouteEditor } from '../engine/default-route.js';
import { gcAll, statusAll } from '../engine/maintenance.js';
import { waitForReadiness } from '../engine/readiness.js';
import { LocalStore } from '../local/local-store.js';
import { confDirFiles } from '../store/conf-files.js';
import { checkpointDevices } from '../store/devices.js';
import { PlanStore } from '../store/plan-store.js';
import { createLogger } from './logger.js';

const noNads: NadSource = { getNad: async () => undefined };

interface Sources {
  pods?: PodSource;
  nads: NadSource;
  status?: StatusWriter;
}

function sourcesFor(config: NodeConfig): Sources {
  if (config.localStore) {
    const store = new LocalStore(config.localStore);
    return { pods: store, nads: store, status: store };
  }
  return { nads: noNads };
}

export function engineDeps(config: NodeConfig, io: ProcessIo, status?: StatusWriter): EngineDeps {
  const log = createLogger(config);
  return {
    exec: new ExecaPluginExec({
      searchPath: [config.binDir, ...(io.env.CNI_PATH ?? '').split(':').filter(Boolean)],
      env: io.env,
      timeoutMs: config.pluginTimeoutSeconds * 1000,
      onStderr: (type, text) => log.debug({ plugin: type, stderr: text.trim() }, 'delegate stderr'),
    }),
    plans: new PlanStore(config.cacheDir),
    cache: new ResultCache(config.cacheDir),
    routes: ipRouteEditor,
    ...(status ? { status } : {}),
    log,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
}

/** The pod named in CNI_ARGS (namespace "default" when absent, as podman passes none). */
async function lookupPod(req: CniRequest, pods?: PodSource): Promise<PodInfo | undefined> {
  const name = getArg(req.args, 'K8S_POD_NAME');
  if (!pods || !name) return undefined;
  return pods.getPod(getArg(req.args, 'K8S_POD_NAMESPACE') || 'default', name);
}

/** The networks braid is configured with (for STATUS, GC and DEL without any record). */
async function configuredNetworks(config: NodeConfig, nads: NadSource): Promise<NetConfList[]> {
  const files = confDirFiles(config.confDir);
  const out = config.delegates.map((d, i) => toConfList(d, `delegates[${i}]`));
  for (const ref of [config.clusterNetwork, ...config.defaultNetworks]) {
    if (ref) out.push(await resolveNetworkRef(ref, config, { nads, files }));
  }
  return out;
}

function validAttachments(config: NodeConfig): ValidAttachment[] {
  const v = config.raw['cni.dev/valid-attachments'] ?? config.raw['cni.dev/attachments'];
  if (!Array.isArray(v)) throw new CniError(ErrorCode.InvalidConfig, 'GC needs "cni.dev/valid-attachments" in the configuration');
  return v.filter(isObject).map((a) => ({ containerID: String(a.containerID), ifname: String(a.ifname) }));
}

export async function handle(req: CniRequest, config: NodeConfig, deps: EngineDeps, src: Sources): Promise<unknown> {
  const path = req.path;
  const base = { containerId: req.containerId, netns: req.netns, ifname: req.ifname, args: req.args, path, cniVersion: req.cniVersion };
  switch (req.command) {
    case 'ADD': {
      await waitForReadiness(config.readinessIndicatorFile, config.readinessTimeoutSeconds, deps);
      const pod = await lookupPod(req, src.pods);
      const devices = checkpointDevices(config.deviceCheckpointFile);
      return addPod(deps, base, { config, nads: src.nads, files: confDirFiles(config.confDir), devices, ...(pod ? { pod } : {}) });
    }
    case 'DEL': {
      const fallback = (): PlannedAttachment[] =>
        config.delegates.map((d, i) => {
          const conf = toConfList(d, `delegates[${i}]`);
          return { name: conf.name, ifname: i === 0 ? req.ifname : `net${i}`, isDefault: i === 0, conf, capabilityArgs: {}, extraArgs: [] };
        });
      const name = getArg(req.args, 'K8S_POD_NAME');
      const pod = name ? { namespace: getArg(req.args, 'K8S_POD_NAMESPACE') || 'default', name } : undefined;
      return delPod(deps, base, fallback, pod);
    }
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

export async function cniMain(io: ProcessIo): Promise<number> {
  return runSkel(io, async (req) => {
    const config = parseNodeConfig(req.config);
    const src = sourcesFor(config);
    const deps = engineDeps(config, io, src.status);
    try {
      return await handle(req, config, deps, src);
    } catch (err) {
      deps.log.error({ command: req.command, containerId: req.containerId, err: (err as Error).message }, 'request failed');
      throw err;
    }
  });
}
