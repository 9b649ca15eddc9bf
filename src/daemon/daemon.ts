// The braid daemon: the cluster caches, the CNI socket, metrics and health, and a drain on SIGTERM. Requests
// run the same engine as the executable (serve.ts).
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isExecutableFile } from '../invoke/find.js';
import { SpawnHelper } from '../invoke/spawner-client.js';
import { createLogger } from '../log/logger.js';
import { writeFileAtomic } from '../store/atomic.js';
import { nodeDefaultsPathOf } from '../wire/protocol.js';
import { connectCluster, type Cluster } from './cluster.js';
import type { DaemonConfig } from './config.js';
import { EXPLAIN_PATH, explainEndpoint } from './explain-endpoint.js';
import { startHotplug } from './hotplug.js';
import { Limiter } from './limiter.js';
import { Metrics } from './metrics.js';
import { listenForMetrics } from './metrics-server.js';
import { requestServer } from './serve.js';
import { listenOnSocket } from './socket-server.js';

export interface RunningDaemon {
  stop(): Promise<void>;
  metrics: Metrics;
}

function registerGauges(metrics: Metrics, limiter: Limiter, cluster: Cluster): void {
  metrics.gauge('braid_requests_in_flight', 'CNI requests running', () => limiter.active);
  metrics.gauge('braid_requests_queued', 'CNI requests waiting for a slot', () => limiter.queued);
  metrics.gauge('braid_cached_pods', 'pods in the informer cache', () => cluster.cachedPods());
  metrics.gauge('braid_cached_nads', 'NetworkAttachmentDefinitions in the informer cache', () => cluster.cachedNads());
  metrics.gauge('braid_resident_memory_bytes', 'resident set size of the daemon', () => process.memoryUsage.rss());
  metrics.gauge('braid_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed);
  metrics.gauge('braid_status_backlog', 'network-status writes waiting to be retried', () => cluster.status.backlog);
  metrics.gauge(
    'braid_status_pods_writing',
    'pods with a network-status write on its way',
    () => cluster.status.inFlight,
  );
}

/** The image's braid (Dockerfile): the spawn helper unless the configuration names another, or "" (ADR 0021). */
export const DEFAULT_SPAWN_HELPER = '/usr/local/bin/braid';

/** The spawn helper, started; none when turned off, or when the default is not in this image. */
function openSpawnHelper(cfg: DaemonConfig, log: Logger): SpawnHelper | undefined {
  const path = cfg.spawnHelper ?? DEFAULT_SPAWN_HELPER;
  if (path === '') return undefined;
  if (!isExecutableFile(path)) {
    if (cfg.spawnHelper !== undefined)
      throw new CniError(
        ErrorCode.InvalidConfig,
        `"spawnHelper" ${path} is not an executable file`,
        'point it at the compiled braid executable, or set it to "" to let the daemon start delegates itself',
      );
    log.info({ spawnHelper: path }, 'no spawn helper: the daemon starts delegates itself');
    return undefined;
  }
  const helper = new SpawnHelper(path, (msg) => log.warn({ spawnHelper: path }, msg));
  helper.start();
  return helper;
}

/** /metrics, /healthz and /readyz; a listener that cannot start is fatal (a half-started daemon is worse than none). */
async function metricsListener(
  cfg: DaemonConfig,
  metrics: Metrics,
  cluster: Cluster,
  draining: () => boolean,
): Promise<Server[]> {
  if (!cfg.metricsAddress) return [];
  const probes = {
    healthy: () => !draining(),
    ready: () => {
      if (!cluster.synced()) return { ok: false, reason: 'informer caches not synced' };
      const f = cfg.node.readinessIndicatorFile;
      if (f && !existsSync(f)) return { ok: false, reason: `${f} is missing` };
      return { ok: true };
    },
  };
  const listening = await listenForMetrics(cfg.metricsAddress, metrics, probes).catch((err: NodeJS.ErrnoException) => {
    throw new CniError(
      ErrorCode.Internal,
      `cannot listen for metrics on ${cfg.metricsAddress}: ${err.code ?? err.message}`,
      'set "metricsAddress" in the daemon configuration to a free address, or "" to turn the listener off',
    );
  });
  return [listening];
}

export async function startDaemon(
  cfg: DaemonConfig,
  log: Logger = createLogger(cfg.node, { component: 'daemon', node: cfg.nodeName }),
): Promise<RunningDaemon> {
  const metrics = new Metrics();
  const cluster = connectCluster(cfg, log, metrics);
  const limiter = new Limiter(cfg.maxConcurrentRequests);
  registerGauges(metrics, limiter, cluster);
  let draining = false;
  const spawner = openSpawnHelper(cfg, log);
  const nodeDefaults = Object.fromEntries(Object.entries(cfg.node.raw).filter(([k]) => k !== 'type'));
  writeFileAtomic(nodeDefaultsPathOf(cfg.socketPath), JSON.stringify(nodeDefaults), 0o644);
  const serve = requestServer({
    cfg,
    log,
    metrics,
    limiter,
    sources: cluster.sources,
    nodeDefaults,
    draining: () => draining,
    ...(spawner ? { runner: spawner.run } : {}),
  });
  // Metrics first: the socket appears only once every listener is up.
  const servers = await metricsListener(cfg, metrics, cluster, () => draining);
  const explain = explainEndpoint({ cfg, caches: cluster.caches, nodeDefaults });
  servers.push(await listenOnSocket(cfg.socketPath, serve, () => !draining, { [EXPLAIN_PATH]: explain }));
  cluster.start();
  const hotplug = startHotplug({ cfg, log, metrics, limiter, cluster, ...(spawner ? { runner: spawner.run } : {}) });
  log.info({ socket: cfg.socketPath, metrics: cfg.metricsAddress }, 'braid daemon serving');

  return {
    metrics,
    async stop() {
      draining = true;
      hotplug?.stop();
      const deadline = Date.now() + cfg.drainSeconds * 1000;
      while ((limiter.active > 0 || limiter.queued > 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      // The answers went out before their status writes: let those land too, within the same drain.
      await Promise.race([
        cluster.status.settled(),
        new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
      ]);
      cluster.stop();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      spawner?.stop();
      log.info('braid daemon stopped');
    },
  };
}
