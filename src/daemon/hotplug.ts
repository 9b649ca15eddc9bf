// Dynamic networks in the daemon (issue 13, docs/dynamic-networks.md, docs/adr/0020-dynamic-networks.md): with
// `dynamicNetworks`, a pod on this node whose `k8s.v1.cni.cncf.io/networks` annotation changes has its saved plan
// brought to it by the engine (engine/hotplug.ts).
// - The informer's cache of this node's pods is scanned every `scanMs`; a pod whose annotation (or UID) differs from
//   what was last brought about is handled once it has been still for `debounceMs`. Every pod is looked at once
//   after the daemon starts, so an edit made while it was down, or a hot-plug a crash cut short, is finished then.
// - A pod is found by its saved plans (the ADD's container and network namespace), listed once per scan pass; one
//   without a plan is not braid's (yet: the value looked at includes the network-status owner, which the pod's ADD
//   sets when it is done, so an edit made while an ADD runs is looked at again), one whose network namespace is gone
//   is skipped. Only the plan of the container that owns the pod's network-status is acted on (a stale sandbox's plan
//   is not), or the pod's only plan when no status names an owner.
// - The rules are the stricter of the daemon's node keys and the policy the ADD saved in the plan (hotplug-policy.ts).
// - Each hot-plug runs in the Limiter under its container's key, as ADD and DEL do: never beside a CNI request for
//   the same container. A failure is a Warning Event (once per distinct failure) and braid_hotplug_total{result=
//   "error"}, and is tried again with a backoff until it works or the annotation changes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ANNOTATIONS } from '../core/sources.js';
import { hotplugPod, type HotplugOutcome } from '../engine/hotplug.js';
import type { NodeConfig } from '../core/node-config.js';
import type { EngineDeps, PodRef, SavedPlan, Sources, StatusWriter } from '../engine/ports.js';
import { Backoff } from '../k8s/retry.js';
import type { CachedPod } from '../k8s/trim.js';
import type { PluginRunner } from '../invoke/spawn-plugin.js';
import type { Cluster } from './cluster.js';
import type { DaemonConfig } from './config.js';
import { daemonEngineDeps } from './delegate-deps.js';
import type { DaemonEvents } from './events.js';
import { hotplugConfig } from './hotplug-policy.js';
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
  /** The spawn helper's runner, when the daemon has one (ADR 0021). */
  runner?: PluginRunner;
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

/** The container whose ADD (or hot-plug) last wrote the pod's network-status (k8s/status-writer.ts OWNER). */
const STATUS_OWNER = 'braid.k8s.io/network-status-owner';

const keyOf = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;
/** What a try is set for: the pod's UID, its annotation, and the owner of its status (set when an ADD is done). */
const valueOf = (p: CachedPod) =>
  `${p.uid ?? ''}\n${p.annotations[ANNOTATIONS.networks] ?? ''}\n${p.annotations[STATUS_OWNER] ?? ''}`;
/** The pod in a log line: the standard fields (src/log/logger.ts). */
const podFields = (p: { namespace: string; name: string }) => ({ namespace: p.namespace, pod: p.name });
const refOf = (p: CachedPod): PodRef => ({ namespace: p.namespace, name: p.name, ...(p.uid ? { uid: p.uid } : {}) });
const ofPod = (pod: CachedPod) => (plan: SavedPlan) =>
  plan.pod?.namespace === pod.namespace &&
  plan.pod.name === pod.name &&
  (!pod.uid || !plan.pod.uid || plan.pod.uid === pod.uid);

export class HotplugWatcher {
  private readonly states = new Map<string, PodState>();
  private interval?: NodeJS.Timeout;
  private stopped = false;
  /** The node's saved plans by pod, listed at most once per scan pass (`pass`), when a try needs them. */
  private listed?: { pass: number; byPod: Map<string, SavedPlan[]> };
  private pass = 0;
  private store?: EngineDeps['plans'];

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
    this.pass++;
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
    this.o.log.warn({ ...podFields(pod), err: err.message }, 'hot-plug failed; trying again later');
    if (st.warned !== err.message) this.o.events.hotplugFailed(refOf(pod), err);
    st.warned = err.message;
    if (this.stopped || st.pending !== value) return;
    st.backoff ??= new Backoff(1000, this.o.maxBackoffMs ?? 60_000);
    this.later(key, st, value, st.backoff.next());
  }

  /**
   * The engine's deps for a hot-plug: delegates found through the plan's CNI_PATH, timed like a request's. They get
   * the daemon's own environment (its container's PATH, …): the plan does not keep the runtime's.
   */
  private deps(config: NodeConfig, path: string[]): EngineDeps {
    const { cfg, log, metrics } = this.o;
    const io = { env: { CNI_PATH: path.join(':') }, stdin: '', stdout: () => undefined, stderr: () => undefined };
    const { runner } = this.o;
    return daemonEngineDeps(config, io, {
      cfg,
      log,
      metrics,
      status: this.o.sources.status,
      processEnv: process.env,
      runner,
    });
  }

  /** The pod's saved plans, from a listing of the node's made at most once per scan pass. */
  private plansOf(pod: CachedPod): SavedPlan[] {
    if (this.listed?.pass !== this.pass) {
      this.store ??= this.deps(this.o.cfg.node, []).plans;
      const byPod = new Map<string, SavedPlan[]>();
      for (const p of this.store.list()) {
        if (!p.pod) continue;
        const key = keyOf(p.pod);
        byPod.set(key, [...(byPod.get(key) ?? []), p]);
      }
      this.listed = { pass: this.pass, byPod };
    }
    return (this.listed.byPod.get(keyOf(pod)) ?? []).filter(ofPod(pod));
  }

  /**
   * The plan to bring to the annotation: the one of the container that owns the pod's network-status, else the
   * pod's only one; none when several are left and no status says which is current (a stale sandbox's plan is never
   * hot-plugged).
   */
  private currentPlan(pod: CachedPod): SavedPlan | undefined {
    const plans = this.plansOf(pod);
    const owner = pod.annotations[STATUS_OWNER];
    const owned = owner ? plans.find((p) => p.containerId === owner) : undefined;
    if (owned) return owned;
    if (plans.length > 1)
      this.o.log.info(
        { ...podFields(pod), containerIds: plans.map((p) => p.containerId) },
        'hot-plug waits: several sandboxes have plans and no network-status says which is current',
      );
    return plans.length === 1 ? plans[0] : undefined;
  }

  /** The pod's current plan brought to its annotation, under its container's key. */
  private async reconcile(pod: CachedPod): Promise<Outcome> {
    const plan = this.currentPlan(pod);
    if (!plan) return 'none';
    return this.o.limiter.run(`${plan.containerId}/${plan.ifname}`, () => this.one(pod, plan));
  }

  /** One plan, under its container's key: read again (a DEL may have come first), then hot-plugged. */
  private async one(pod: CachedPod, listed: SavedPlan): Promise<Outcome> {
    const read = (this.store ?? this.deps(this.o.cfg.node, []).plans).read(listed.containerId, listed.ifname);
    if (!('plan' in read)) return 'none';
    const plan = read.plan;
    const fields = { ...podFields(pod), containerId: plan.containerId };
    if (!existsSync(join(this.o.cfg.hostRoot ?? '', plan.netns))) {
      this.o.log.info({ ...fields, netns: plan.netns }, 'hot-plug skipped: the network namespace is gone');
      return 'skipped';
    }
    // The stricter of the daemon's keys and the rules the pod's ADD saved (a plan without them: the daemon's).
    const config = hotplugConfig(this.o.cfg.node, plan.policy);
    const deps = this.deps(config, plan.path);
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
    this.announce(now, plan.containerId, out);
    return 'changed';
  }

  private announce(pod: CachedPod, containerId: string, out: HotplugOutcome): void {
    const ref = refOf(pod);
    this.o.log.info(
      {
        ...podFields(pod),
        containerId,
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
  runner?: PluginRunner;
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
