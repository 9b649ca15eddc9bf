// The braid daemon: informer caches of the NADs and of this node's pods, the CNI socket, metrics and
// health, Events, and a drain on SIGTERM. Requests run the same engine as the executable.
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { CniError, ErrorCode } from '../cni/errors.js';
import { runSkel } from '../cni/skel.js';
import type { Nad } from '../core/sources.js';
import { parseNodeConfig, withNodeDefaults } from '../core/node-config.js';
import { createLogger } from '../log/logger.js';
import { nodeDefaultsPathOf, type DaemonReply, type DaemonRequest } from '../wire/protocol.js';
import { writeFileAtomic } from '../store/atomic.js';
import { PendingStatusClears } from '../store/pending-status.js';
import { ApiClient } from '../k8s/api.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { Reflector } from '../k8s/reflector.js';
import { NAD_PATH } from '../k8s/resources.js';
import { ApiSources, checkPodIdentity } from '../k8s/sources.js';
import { K8sStatusWriter } from '../k8s/status-writer.js';
import { keyOf, trimNad, trimPod, type CachedPod } from '../k8s/trim.js';
import type { DaemonConfig } from './config.js';
import { DaemonEvents } from './events.js';
import { Limiter } from './limiter.js';
import { Metrics } from './metrics.js';
import { listenForMetrics } from './metrics-server.js';
import { listenOnSocket } from './socket-server.js';
import type { PluginExec, Sources } from '../engine/ports.js';
import { engineDeps } from '../compose/engine-deps.js';
import { handle } from '../engine/verbs.js';

export interface RunningDaemon {
  stop(): Promise<void>;
  metrics: Metrics;
}

function timedExec(exec: PluginExec, metrics: Metrics): PluginExec {
  return {
    async exec(call) {
      const t0 = performance.now();
      try {
        return await exec.exec(call);
      } finally {
        metrics.delegateSeconds.observe({ plugin: call.type, command: call.command }, (performance.now() - t0) / 1000);
      }
    },
  };
}

/**
 * The status clears DELs made while the daemon was down (src/store/pending-status.ts); kept when the API fails.
 * `status` waits for each clear (background: false), unlike the serving writer, so a failure keeps the record.
 */
async function clearOwedStatus(owed: PendingStatusClears, status: K8sStatusWriter, log: Logger): Promise<void> {
  for (const e of owed.list()) {
    try {
      await status.remove(e.pod, e.containerId);
      owed.done(e);
    } catch (err) {
      log.warn({ pod: `${e.pod.namespace}/${e.pod.name}`, containerId: e.containerId, err: (err as Error).message }, 'owed network-status clear failed; kept for the next start');
    }
  }
}

export async function startDaemon(cfg: DaemonConfig, log: Logger = createLogger(cfg.node, { component: 'daemon', node: cfg.nodeName })): Promise<RunningDaemon> {
  const api = new ApiClient(() => loadKubeConfig(cfg.node.kubeconfig));
  const pods = new Reflector<CachedPod>({ api, path: '/api/v1/pods', query: { fieldSelector: `spec.nodeName=${cfg.nodeName}` }, trim: (o) => trimPod(o as object), key: keyOf, log });
  const nads = new Reflector<Nad>({ api, path: NAD_PATH, trim: (o) => trimNad(o as object), key: keyOf, log });
  const apiSources = new ApiSources(api, pods, nads);
  const metrics = new Metrics();
  const status = new K8sStatusWriter({
    api, log, cachedPod: (ns, n) => apiSources.cachedPod(ns, n), deadlineMs: 2000, background: true,
    onOutcome: (op, result) => metrics.statusWrites.inc({ op, result }),
  });
  const events = new DaemonEvents({ api, log, host: cfg.nodeName, cachedPod: (ns, n) => apiSources.cachedPod(ns, n), delSince: (pod, t) => status.delSince(pod, t) });
  const sources: Sources = {
    pods: apiSources,
    cachedPod: (ns, name) => apiSources.cachedPod(ns, name),
    nads: apiSources,
    status,
    checkPod: checkPodIdentity,
    onAdded: (pod, st) => events.added(pod, st),
    onAddFailed: (pod, err) => events.addFailed(pod, err),
  };
  const limiter = new Limiter(cfg.maxConcurrentRequests);
  metrics.gauge('braid_requests_in_flight', 'CNI requests running', () => limiter.active);
  metrics.gauge('braid_requests_queued', 'CNI requests waiting for a slot', () => limiter.queued);
  metrics.gauge('braid_cached_pods', 'pods in the informer cache', () => pods.items.size);
  metrics.gauge('braid_cached_nads', 'NetworkAttachmentDefinitions in the informer cache', () => nads.items.size);
  metrics.gauge('braid_resident_memory_bytes', 'resident set size of the daemon', () => process.memoryUsage.rss());
  metrics.gauge('braid_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed);
  metrics.gauge('braid_status_backlog', 'network-status writes waiting to be retried', () => status.backlog);
  metrics.gauge('braid_status_pods_writing', 'pods with a network-status write on its way', () => status.inFlight);
  let draining = false;

  const serve = async (r: DaemonRequest): Promise<DaemonReply> => {
    if (draining) return { exitCode: 1, stdout: JSON.stringify(new CniError(ErrorCode.TryAgainLater, 'the braid daemon is shutting down').toJSON()) };
    const command = r.env.CNI_COMMAND ?? '?';
    const t0 = performance.now();
    let stdout = '';
    const io = { env: r.env, stdin: r.stdin, stdout: (t: string) => (stdout += t), stderr: () => undefined };
    const key = `${r.env.CNI_CONTAINERID ?? ''}/${r.env.CNI_IFNAME ?? ''}`;
    const exitCode = await limiter.run(key, () =>
      runSkel(io, async (req) => {
        // The daemon's node keys are the defaults; the runtime's config wins key by key (issue 8).
        const config = parseNodeConfig(withNodeDefaults(req.config, nodeDefaults));
        // Delegates get the runtime's environment and the host's root, as if the runtime ran them (ADR 0013).
        const deps = engineDeps(config, io, status, { log, processEnv: r.env, wrapExec: (e) => timedExec(e, metrics), ...(cfg.hostRoot ? { hostRoot: cfg.hostRoot } : {}) });
        return handle(req, { config, deps, src: sources });
      }, (err) => log.warn({ command, container: r.env.CNI_CONTAINERID, err: (err as Error).message }, 'request failed')),
    );
    metrics.requests.inc({ command, result: exitCode === 0 ? 'success' : 'error' });
    metrics.requestSeconds.observe({ command }, (performance.now() - t0) / 1000);
    return { exitCode, stdout };
  };

  const synced = () => pods.synced && nads.synced;
  const nodeDefaults = Object.fromEntries(Object.entries(cfg.node.raw).filter(([k]) => k !== 'type'));
  writeFileAtomic(nodeDefaultsPathOf(cfg.socketPath), JSON.stringify(nodeDefaults), 0o644);
  // Metrics first: the socket appears only once every listener is up, and a listener that cannot start stops
  // the daemon before it serves anyone (a half-started daemon is worse than none: the DaemonSet restarts it).
  const servers: Server[] = [];
  if (cfg.metricsAddress) {
    const probes = {
      healthy: () => !draining,
      ready: () => {
        if (!synced()) return { ok: false, reason: 'informer caches not synced' };
        const f = cfg.node.readinessIndicatorFile;
        if (f && !existsSync(f)) return { ok: false, reason: `${f} is missing` };
        return { ok: true };
      },
    };
    const listening = await listenForMetrics(cfg.metricsAddress, metrics, probes).catch((err: NodeJS.ErrnoException) => {
      throw new CniError(ErrorCode.Internal, `cannot listen for metrics on ${cfg.metricsAddress}: ${err.code ?? err.message}`, 'set "metricsAddress" in the daemon configuration to a free address, or "" to turn the listener off');
    });
    servers.push(listening);
  }
  servers.push(await listenOnSocket(cfg.socketPath, serve, () => !draining));
  // After the first lists, return their garbage (whole pages of untrimmed objects) before serving: with
  // --expose-gc (as deployed) this is what keeps the daemon's RSS down after start-up.
  const owed = new PendingStatusClears(cfg.node.cacheDir);
  void Promise.all([pods.start(), nads.start()]).then(async () => {
    (globalThis as { gc?: () => void }).gc?.();
    const owedWriter = new K8sStatusWriter({ api, log, cachedPod: (ns, n) => apiSources.cachedPod(ns, n), deadlineMs: 10_000, background: false });
    await clearOwedStatus(owed, owedWriter, log);
  });
  log.info({ socket: cfg.socketPath, metrics: cfg.metricsAddress }, 'braid daemon serving');

  return {
    metrics,
    async stop() {
      draining = true;
      const deadline = Date.now() + cfg.drainSeconds * 1000;
      while ((limiter.active > 0 || limiter.queued > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // The answers went out before their status writes: let those land too, within the same drain.
      await Promise.race([status.settled(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
      pods.stop();
      nads.stop();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      log.info('braid daemon stopped');
    },
  };
}
