// Dynamic networks in the daemon (issue 13, docs/dynamic-networks.md, docs/adr/0020-dynamic-networks.md): with
// `dynamicNetworks`, a pod on this node whose `k8s.v1.cni.cncf.io/networks` annotation changes has its saved plan
// brought to it by the engine (engine/hotplug.ts).
// - The informer's cache of this node's pods is scanned every `scanMs`; a pod whose annotation (or UID) differs from
//   what was last brought about is handled once it has been still for `debounceMs`. Every pod is looked at once
//   after the daemon starts, so an edit made while it was down, or a hot-plug a crash cut short, is finished then.
// - A pod is found by its saved plans (the ADD's container and network namespace); one without a plan is not braid's
//   (yet), one whose network namespace is gone is skipped.
// - Each hot-plug runs in the Limiter under its container's key, as ADD and DEL do: never beside a CNI request for
//   the same container. A failure is a Warning Event (once per distinct failure) and braid_hotplug_total{result=
//   "error"}, and is tried again with a backoff until it works or the annotation changes.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { engineDeps } from '../compose/engine-deps.js';
import { ANNOTATIONS } from '../core/sources.js';
import { hotplugPod, type HotplugOutcome } from '../engine/hotplug.js';
import type { EngineDeps, PodRef, SavedPlan, Sources, StatusWriter } from '../engine/ports.js';
import { Backoff } from '../k8s/retry.js';
import type { CachedPod } from '../k8s/trim.js';
import type { Cluster } from './cluster.js';
import type { DaemonConfig } from './config.js';
import type { DaemonEvents } from './events.js';
import type { Limiter } from './limiter.js';
import type { Metrics } from './metrics.js';

export interface HotplugOptions {
  cfg: DaemonConfig;
  log: Logger;
  metrics: Metrics;
  limiter: Limiter;
  /** This node's pods, from the informer's cache. */
  pods: () => Iterable<CachedPod>;
  synced: () => boolean;
  sources: Sources & { status: StatusWriter };
  events: DaemonEvents;
  scanMs?: number;
  debounceMs?: number;
  /** The longest wait between tries of a failing hot-plug. */
  maxBackoffMs?: number;
}

interface PodState {
  /** The pod's UID and annotation as last brought about (or found to need nothing). */
  done?: string;
  /** The value a try is set for. */
  pending?: string;
  timer?: NodeJS.Timeout;
  backoff?: Backoff;
  /** The last failure's message: a failure repeated by the retries is one Warning Event. */
  warned?: string;
}

type Outcome = 'changed' | 'unchanged' | 'skipped' | 'none';

const keyOf = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;
const valueOf = (p: CachedPod) => `${p.uid ?? ''}\n${p.annotations[ANNOTATIONS.networks] ?? ''}`;
const refOf = (p: CachedPod): PodRef => ({ namespace: p.namespace, name: p.name, ...(p.uid ? { uid: p.uid } : {}) });
const ofPod = (pod: CachedPod) => (plan: SavedPlan) =>
  plan.pod?.namespace === pod.namespace &&
  plan.pod.name === pod.name &&
  (!pod.uid || !plan.pod.uid || plan.pod.uid === pod.uid);

export class HotplugWatcher {
  private readonly states = new Map<string, PodState>();
  private interval?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly o: HotplugOptions) {}

  start(): void {
    this.interval = setInterval(() => this.scan(), this.o.scanMs ?? 250);
    this.interval.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.interval);
    for (const st of this.states.values()) clearTimeout(st.timer);
  }

  /** Sets a try for every pod whose annotation moved; forgets pods that left the node. */
  scan(): void {
    if (this.stopped || !this.o.synced()) return;
    const seen = new Set<string>();
    for (const pod of this.o.pods()) {
      const key = keyOf(pod);
      seen.add(key);
      const value = valueOf(pod);
      let st = this.states.get(key);
      if (!st) this.states.set(key, (st = {}));
      if (st.done === value || st.pending === value) continue;
      st.backoff = undefined;
      st.warned = undefined;
      this.later(key, st, value, this.o.debounceMs ?? 300);
    }
    for (const [key, st] of this.states) {
      if (seen.has(key)) continue;
      clearTimeout(st.timer);
      this.states.delete(key);
    }
  }

  private later(key: string, st: PodState, value: string, ms: number): void {
    clearTimeout(st.timer);
    st.pending = value;
    st.timer = setTimeout(() => void this.run(key, st, value), ms);
    st.timer.unref();
  }

  private async run(key: string, st: PodState, value: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const pod = this.o.sources.cachedPod?.(namespace, name) as CachedPod | undefined;
    // Moved again while waiting: the next scan sets a try for what it is now.
    if (this.stopped || !pod || valueOf(pod) !== value) return;
    try {
      const outcome = await this.reconcile(pod);
      if (st.pending !== value) return; // a newer value took over while this ran
      Object.assign(st, { done: value, pending: undefined, backoff: undefined, warned: undefined });
      if (outcome === 'changed') this.o.metrics.hotplug.inc({ result: 'success' });
      if (outcome === 'skipped') this.o.metrics.hotplug.inc({ result: 'skipped' });
    } catch (err) {
      this.failed(st, value, pod, err as Error);
    }
  }

  private failed(st: PodState, value: string, pod: CachedPod, err: Error): void {
    const key = keyOf(pod);
    this.o.metrics.hotplug.inc({ result: 'error' });
    this.o.log.warn({ pod: key, err: err.message }, 'hot-plug failed; trying again later');
    if (st.warned !== err.message) this.o.events.hotplugFailed(refOf(pod), err);
    st.warned = err.message;
    if (this.stopped || st.pending !== value) return;
    st.backoff ??= new Backoff(1000, this.o.maxBackoffMs ?? 60_000);
    this.later(key, st, value, st.backoff.next());
  }

  /** The engine's deps for a hot-plug: delegates found through the plan's CNI_PATH, with the daemon's environment. */
  private deps(path: string[]): EngineDeps {
    const { cfg, log, metrics } = this.o;
    const io = { env: { CNI_PATH: path.join(':') }, stdin: '', stdout: () => undefined, stderr: () => undefined };
    return engineDeps(cfg.node, io, this.o.sources.status, {
      log,
      processEnv: process.env,
      wrapExec: (e) => ({
        async exec(call) {
          const t0 = performance.now();
          try {
            return await e.exec(call);
          } finally {
            metrics.delegateSeconds.observe(
              { plugin: call.type, command: call.command },
              (performance.now() - t0) / 1000,
            );
          }
        },
      }),
      ...(cfg.hostRoot ? { hostRoot: cfg.hostRoot } : {}),
    });
  }

  /** Every saved plan of the pod (one per sandbox: normally one) brought to its annotation. */
  private async reconcile(pod: CachedPod): Promise<Outcome> {
    const plans = this.deps([]).plans.list().filter(ofPod(pod));
    let outcome: Outcome = 'none';
    for (const p of plans) {
      const one = await this.o.limiter.run(`${p.containerId}/${p.ifname}`, () => this.one(pod, p));
      if (one !== 'none' && outcome !== 'changed') outcome = one;
    }
    return outcome;
  }

  /** One plan, under its container's key: read again (a DEL may have come first), then hot-plugged. */
  private async one(pod: CachedPod, listed: SavedPlan): Promise<Outcome> {
    const deps = this.deps(listed.path);
    const read = deps.plans.read(listed.containerId, listed.ifname);
    if (!('plan' in read)) return 'none';
    const plan = read.plan;
    if (!existsSync(plan.netns)) {
      this.o.log.info({ pod: keyOf(pod), netns: plan.netns }, 'hot-plug skipped: the network namespace is gone');
      return 'skipped';
    }
    // the rules the pod's ADD ran under (the runtime's conflist may set them over the daemon's own)
    const config = { ...this.o.cfg.node, ...plan.policy };
    // The pod as it is now: an edit made while this waited for the container is taken too.
    const now = (this.o.sources.cachedPod?.(pod.namespace, pod.name) as CachedPod | undefined) ?? pod;
    const out = await hotplugPod(deps, plan, {
      config,
      pod: now,
      nads: this.o.sources.nads,
      files: deps.files.confFiles(config.confDir),
      devices: deps.files.devices(config.deviceCheckpointFile, config.deviceInfoDir),
    });
    if (!out) return 'unchanged';
    this.announce(now, out);
    return 'changed';
  }

  private announce(pod: CachedPod, out: HotplugOutcome): void {
    const ref = refOf(pod);
    this.o.log.info(
      {
        pod: keyOf(pod),
        removed: out.removed.map((a) => `${a.ifname} ${a.name}`),
        added: out.added.map((s) => `${s.interface} ${s.name}`),
      },
      'hot-plug done',
    );
    this.o.events.removed(ref, out.removed);
    this.o.events.added(ref, out.added);
    if (out.warnings.length) this.o.events.warned(ref, out.warnings);
  }
}

/** The watcher, started, when the node's configuration has `dynamicNetworks`; stop() it before the daemon drains. */
export function startHotplug(o: {
  cfg: DaemonConfig;
  log: Logger;
  metrics: Metrics;
  limiter: Limiter;
  cluster: Cluster;
}): HotplugWatcher | undefined {
  if (!o.cfg.node.dynamicNetworks) return undefined;
  const { cluster } = o;
  const w = new HotplugWatcher({
    ...o,
    pods: () => cluster.forHotplug.pods(),
    synced: () => cluster.synced(),
    sources: cluster.sources,
    events: cluster.forHotplug.events,
  });
  w.start();
  return w;
}
