// The daemon's view of the cluster: informer caches of the NADs and of this node's pods, the status writer,
// Events, and the Sources the engine reads them through.
import type { Logger } from 'pino';
import type { Nad } from '../core/sources.js';
import type { Sources, StatusWriter } from '../engine/ports.js';
import { ApiClient } from '../k8s/api.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { Reflector } from '../k8s/reflector.js';
import type { WatchEnd } from '../k8s/watch-once.js';
import { NAD_PATH } from '../k8s/resources.js';
import { ApiSources, checkPodIdentity, DAEMON_READ_BOUND_MS } from '../k8s/sources.js';
import { K8sStatusWriter } from '../k8s/status-writer.js';
import { keyOf, trimNad, trimPod, type CachedPod } from '../k8s/trim.js';
import { PendingStatusClears } from '../store/pending-status.js';
import type { DaemonConfig } from './config.js';
import { DaemonEvents } from './events.js';
import type { ExplainCaches } from './explain-endpoint.js';
import type { Metrics } from './metrics.js';
import { OwedClears } from './owed-clears.js';

export interface Cluster {
  /** What the engine reads and writes through, the status writer included. */
  sources: Sources & { status: StatusWriter };
  status: K8sStatusWriter;
  synced(): boolean;
  cachedPods(): number;
  /** For dynamic networks (daemon/hotplug.ts): this node's pods as the informer has them, and the pods' Events. */
  forHotplug: { pods(): Iterable<CachedPod>; events: DaemonEvents };
  cachedNads(): number;
  /** The caches as they are, for `braid explain --socket` (explain-endpoint.ts): read, never an API request. */
  caches: ExplainCaches;
  /** Lists and watches; once synced, the owed status clears are made (and retried until they land: owed-clears.ts). */
  start(): void;
  stop(): void;
}

/** Counts each watch's end (and the relist a 410 Gone makes) in /metrics. */
const watchEnds = (metrics: Metrics, resource: string) => (end: WatchEnd) => {
  metrics.watchRestarts.inc({ resource, end });
  if (end === 'gone') metrics.relists.inc({ resource });
};

/** The two informers: NADs everywhere, pods of this node only. */
function informers(api: ApiClient, cfg: DaemonConfig, log: Logger, metrics: Metrics) {
  const pods = new Reflector<CachedPod>({
    api,
    path: '/api/v1/pods',
    query: { fieldSelector: `spec.nodeName=${cfg.nodeName}` },
    trim: (o) => trimPod(o as object),
    key: keyOf,
    log,
    onWatchEnd: watchEnds(metrics, 'pods'),
  });
  const nads = new Reflector<Nad>({
    api,
    path: NAD_PATH,
    trim: (o) => trimNad(o as object),
    key: keyOf,
    log,
    onWatchEnd: watchEnds(metrics, 'network-attachment-definitions'),
  });
  return { pods, nads };
}

/** The clears owed by DELs made while the daemon was down, made through a writer that waits for each (not in lanes). */
function owedClears(
  api: ApiClient,
  cfg: DaemonConfig,
  log: Logger,
  cachedPod: (ns: string, name: string) => CachedPod | undefined,
) {
  const writer = new K8sStatusWriter({ api, log, cachedPod, deadlineMs: 10_000, background: false });
  return new OwedClears({
    owed: new PendingStatusClears(cfg.node.cacheDir),
    clear: (pod, containerId) => writer.remove(pod, containerId),
    log,
  });
}

/** Failed API requests by HTTP status ("none": no answer), in /metrics. */
const countApiErrors = (metrics: Metrics) => (status: number | undefined) =>
  metrics.apiErrors.inc({ status: status === undefined ? 'none' : String(status) });

/** The status writer of requests: in lanes, after the answer, its outcomes counted in /metrics. */
function statusWriter(
  api: ApiClient,
  log: Logger,
  cachedPod: (ns: string, name: string) => CachedPod | undefined,
  metrics: Metrics,
): K8sStatusWriter {
  return new K8sStatusWriter({
    api,
    log,
    cachedPod,
    deadlineMs: 2000,
    background: true,
    onOutcome: (op, result) => metrics.statusWrites.inc({ op, result }),
  });
}

/** The caches, read as they are (never an API request). */
const cachesOf = (pods: Reflector<CachedPod>, nads: Reflector<Nad>): ExplainCaches => ({
  synced: () => pods.synced && nads.synced,
  pods: () => pods.items.values(),
  pod: (namespace, name) => pods.get(keyOf({ namespace, name })),
  nad: (namespace, name) => nads.get(keyOf({ namespace, name })),
  nads: () => nads.items.values(),
});

export function connectCluster(cfg: DaemonConfig, log: Logger, metrics: Metrics): Cluster {
  const api = new ApiClient(() => loadKubeConfig(cfg.node.kubeconfig), { onError: countApiErrors(metrics) });
  const { pods, nads } = informers(api, cfg, log, metrics);
  const apiSources = new ApiSources(api, DAEMON_READ_BOUND_MS, pods, nads);
  const cachedPod = (ns: string, name: string) => apiSources.cachedPod(ns, name);
  const status = statusWriter(api, log, cachedPod, metrics);
  const owed = owedClears(api, cfg, log, cachedPod);
  const events = new DaemonEvents({
    api,
    log,
    host: cfg.nodeName,
    cachedPod,
    delSince: (pod, t) => status.delSince(pod, t),
    onGaveUp: (e) => metrics.eventFailures.inc({ reason: e.reason }),
  });
  return {
    sources: {
      pods: apiSources,
      cachedPod,
      nads: apiSources,
      status,
      checkPod: checkPodIdentity,
      onAdded: (pod, st) => events.added(pod, st),
      onAddFailed: (pod, err) => events.addFailed(pod, err),
      onWarnings: (pod, warnings) => events.warned(pod, warnings),
      onDelWithoutRecord: () => metrics.delWithoutRecord.inc(),
    },
    status,
    synced: () => pods.synced && nads.synced,
    cachedPods: () => pods.items.size,
    forHotplug: { pods: () => pods.items.values(), events },
    cachedNads: () => nads.items.size,
    caches: cachesOf(pods, nads),
    start() {
      void Promise.all([pods.start(), nads.start()]).then(async () => {
        // Return the first lists' garbage (whole pages of untrimmed objects) at once: with --expose-gc (as
        // deployed) this is what keeps the daemon's RSS down after start-up.
        (globalThis as { gc?: () => void }).gc?.();
        owed.start();
      });
    },
    stop() {
      owed.stop();
      pods.stop();
      nads.stop();
    },
  };
}
