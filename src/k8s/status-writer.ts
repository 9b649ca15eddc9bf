// network-status through the API: one merge patch per ADD, carrying the owning container's ID so that
// DEL removes only what that container wrote (Multus leaves a stale status: multus-cni#1173).
//
// deadlineMs bounds a write's whole attempts, not only the waits between them (retry.ts). A write the API cannot
// take by then fails ADD with code 11 (thin mode), or is deferred to the background (daemon: deferred-writes.ts).
//
// In the daemon (`background`) the write does not hold the CNI answer (issue 9, ADR 0015): it goes into a lane per
// pod, so a DEL's clear never lands before its ADD's write, and its outcome is counted in /metrics.
import type { Logger } from 'pino';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { NetworkStatus } from '../core/network-status.js';
import { ANNOTATIONS } from '../core/sources.js';
import type { PodRef, StatusWriter } from '../engine/ports.js';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import { DeferredWrites, type Annotations } from './deferred-writes.js';
import { patchPodAnnotations, removeOwnedPodAnnotations } from './resources.js';
import { withRetry } from './retry.js';
import type { CachedPod } from './trim.js';

export const OWNER = 'braid.k8s.io/network-status-owner';

export interface K8sStatusOptions {
  api: ApiClient;
  log: Logger;
  /** The cached pod, to know who owns the status without a read. */
  cachedPod: (ns: string, name: string) => CachedPod | undefined;
  /** How long one write may take, attempts included, before it is handed to the background (daemon) or fails (thin mode). */
  deadlineMs: number;
  /** Daemon mode: writes are answered at once, made in order per pod, and retried in the background. */
  background: boolean;
  /** Each write's outcome, for /metrics: `landed`, `deferred` (retried in the background), `dropped` (pod gone or patch refused). */
  onOutcome?: (op: 'write' | 'clear', outcome: 'landed' | 'deferred' | 'dropped') => void;
}

/** Thin mode: a DEL waits at most this long for its status clear (the clear is best effort; DEL must not hang on the API). */
const THIN_CLEAR_MS = 2_000;

/** How long a landed write stands in for the cache's view of the owner (the informer sees it a moment later). */
const LANDED_MS = 30_000;

const keyOf = (pod: PodRef) => `${pod.namespace}/${pod.name}`;
/** A pod in a log line: the standard fields (src/log/logger.ts). */
const podFields = (pod: PodRef) => ({ namespace: pod.namespace, pod: pod.name });

/** Why ADD cannot finish: code 11 (the runtime retries the sandbox) unless the pod itself is gone. */
function cannotRecord(pod: PodRef, raw: unknown): CniError {
  const err = classifyApiError(raw);
  const code = err.kind === 'notFound' ? ErrorCode.UnknownContainer : ErrorCode.TryAgainLater;
  return new CniError(code, `pod ${keyOf(pod)}: cannot record network-status: ${err.message}`);
}

/** Sets `key`; a map grown past 1,000 pods drops what is older than `keepMs` (the value is, or has, its time). */
function stamp<V extends number | { at: number }>(map: Map<string, V>, key: string, value: V, keepMs: number): void {
  map.set(key, value);
  if (map.size <= 1000) return;
  const now = Date.now();
  for (const [k, v] of map) if (now - (typeof v === 'number' ? v : v.at) > keepMs) map.delete(k);
}

/** Resolves after the I/O of this turn of the event loop, a reply written in it included. */
export const afterTheAnswer = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class K8sStatusWriter implements StatusWriter {
  private readonly pending: DeferredWrites;
  /** When each pod last had a DEL (events.ts drops an Event whose sandbox is gone). */
  private readonly deleted = new Map<string, number>();
  /** Per pod, the tail of its writes in order. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** Per pod, the owner this writer last recorded and when: newer than the cache until the informer catches up. */
  private readonly landed = new Map<string, { owner: string | null; at: number }>();

  constructor(private readonly o: K8sStatusOptions) {
    this.pending = new DeferredWrites(o.api);
  }

  async write(pod: PodRef, containerId: string, status: NetworkStatus[]): Promise<void> {
    const annotations = { [ANNOTATIONS.networkStatus]: JSON.stringify(status), [OWNER]: containerId };
    if (this.o.background) {
      void this.inLane(keyOf(pod), () => this.patch(pod, 'write', annotations)).catch((err: unknown) =>
        this.dropped(pod, 'write', err),
      );
      return;
    }
    await this.patch(pod, 'write', annotations).catch((err: unknown) => {
      throw cannotRecord(pod, err);
    });
  }

  /** Queued behind the pod's earlier writes; thin mode waits for it, the daemon answers DEL at once. */
  async remove(pod: PodRef, containerId: string): Promise<void> {
    const key = keyOf(pod);
    this.noteDel(key);
    const done = this.inLane(key, () => this.clear(pod, containerId));
    if (this.o.background) void done.catch((err: unknown) => this.dropped(pod, 'clear', err));
    else await done;
  }

  /** Resolves when every write queued so far has been made or handed to the background (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.lanes.values()]);
  }

  get inFlight(): number {
    return this.lanes.size;
  }

  private async clear(pod: PodRef, containerId: string): Promise<void> {
    const key = keyOf(pod);
    const owner = this.ownerOf(key);
    if (this.pending.get(key)?.[OWNER] === containerId) {
      this.pending.delete(key);
      // Its ADD's write never reached the API, unless an attempt cut off at the deadline landed after all: the cache tells.
      if (owner !== containerId) return;
    }
    if (owner !== undefined && owner !== containerId) return; // written by a newer sandbox, or never
    // The cache says it is ours, or does not know the pod (a StatefulSet pod that moved to another node and came back
    // under the same name): the API server checks the owner and the UID in the request itself (issue 12).
    try {
      await withRetry(
        (timeoutMs) =>
          removeOwnedPodAnnotations(
            this.o.api,
            pod,
            { ownerKey: OWNER, owner: containerId, keys: [ANNOTATIONS.networkStatus, OWNER] },
            timeoutMs,
          ),
        { deadlineMs: this.o.background ? this.o.deadlineMs : Math.min(this.o.deadlineMs, THIN_CLEAR_MS) },
      );
      this.noteLanded(key, null);
      this.o.onOutcome?.('clear', 'landed');
    } catch (raw) {
      this.clearFailed(pod, containerId, raw);
    }
  }

  /** A clear that did not land: deferred (daemon, retriable), left alone (gone, or not ours), or an error. */
  private clearFailed(pod: PodRef, containerId: string, raw: unknown): void {
    const key = keyOf(pod);
    const err = classifyApiError(raw);
    if (this.o.background && err.retriable) {
      this.o.log.warn(
        { ...podFields(pod), err: err.message },
        'network-status clear deferred; retrying in the background',
      );
      const clear = { [ANNOTATIONS.networkStatus]: null, [OWNER]: null };
      this.pending.add(key, clear, { ownerKey: OWNER, owner: containerId, ...(pod.uid ? { uid: pod.uid } : {}) });
      this.landed.delete(key);
      this.o.onOutcome?.('clear', 'deferred');
      return;
    }
    if (err.kind !== 'notFound' && err.kind !== 'invalid') throw err;
    // Gone, or not ours (another container's, another pod's under the same name, or nothing there): left as it is.
    this.o.log.debug(
      { ...podFields(pod), containerId, reason: err.message },
      "network-status not cleared: not this container's",
    );
    this.o.onOutcome?.('clear', 'dropped');
  }

  /** Who owns the pod's status: what this writer recorded lately, else the cache; undefined when the pod is unknown. */
  private ownerOf(key: string): string | null | undefined {
    const mine = this.landed.get(key);
    if (mine && Date.now() - mine.at < LANDED_MS) return mine.owner;
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.o.cachedPod(namespace, name);
    return cached ? (cached.annotations[OWNER] ?? null) : undefined;
  }

  /**
   * In the background (the daemon), a job starts once the answer is on its way: the API client's few milliseconds of
   * request building would otherwise run between the engine's result and the reply (issue 9).
   */
  private inLane(key: string, job: () => Promise<void>): Promise<void> {
    const previous = this.lanes.get(key) ?? Promise.resolve();
    const run = (this.o.background ? previous.then(afterTheAnswer) : previous).then(job);
    const tail = run.catch(() => undefined);
    this.lanes.set(key, tail);
    void tail.then(() => {
      if (this.lanes.get(key) === tail) this.lanes.delete(key);
    });
    return run;
  }

  private dropped(pod: PodRef, op: 'write' | 'clear', err: unknown): void {
    this.o.onOutcome?.(op, 'dropped');
    this.o.log.warn({ ...podFields(pod), err: classifyApiError(err).message }, `network-status ${op} dropped`);
  }

  /** Whether a DEL for the pod has been handled since `since` (ms since the epoch). */
  delSince(pod: PodRef, since: number): boolean {
    return (this.deleted.get(keyOf(pod)) ?? -Infinity) >= since;
  }

  get backlog(): number {
    return this.pending.size;
  }

  private noteDel(key: string): void {
    stamp(this.deleted, key, Date.now(), 600_000);
  }

  private noteLanded(key: string, owner: string | null): void {
    stamp(this.landed, key, { owner, at: Date.now() }, LANDED_MS);
  }

  private async patch(pod: PodRef, op: 'write' | 'clear', annotations: Annotations): Promise<void> {
    const key = keyOf(pod);
    try {
      await withRetry((timeoutMs) => patchPodAnnotations(this.o.api, pod, annotations, timeoutMs), {
        deadlineMs: this.o.deadlineMs,
      });
      this.pending.delete(key); // an older deferred write must not land on top of this one
      this.noteLanded(key, annotations[OWNER] ?? null);
      this.o.onOutcome?.(op, 'landed');
    } catch (raw) {
      const err = classifyApiError(raw);
      if (err.kind === 'notFound' || !this.o.background || !err.retriable) throw err;
      this.o.log.warn(
        { ...podFields(pod), err: err.message },
        `network-status ${op} deferred; retrying in the background`,
      );
      this.pending.add(key, annotations);
      this.landed.delete(key);
      this.o.onOutcome?.(op, 'deferred');
    }
  }
}
