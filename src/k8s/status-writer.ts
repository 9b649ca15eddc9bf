// network-status through the API: one merge patch per ADD, carrying the owning container's ID so that
// DEL removes only what that container wrote (Multus leaves a stale status: multus-cni#1173).
//
// deadlineMs bounds a write's whole attempts, not only the waits between them (retry.ts). A write the API cannot
// take by then fails ADD with code 11 (thin mode), or is deferred to the background (daemon: deferred-writes.ts).
import type { Logger } from 'pino';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { NetworkStatus } from '../core/network-status.js';
import { ANNOTATIONS } from '../core/sources.js';
import type { PodRef, StatusWriter } from '../engine/deps.js';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import { DeferredWrites, type Annotations } from './deferred-writes.js';
import { patchPodAnnotations } from './resources.js';
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
  /** Daemon mode: a write that cannot be done now is retried in the background and ADD succeeds. */
  background: boolean;
}

const keyOf = (pod: PodRef) => `${pod.namespace}/${pod.name}`;

/** Why ADD cannot finish: code 11 (the runtime retries the sandbox) unless the pod itself is gone. */
function cannotRecord(pod: PodRef, raw: unknown): CniError {
  const err = classifyApiError(raw);
  const code = err.kind === 'notFound' ? ErrorCode.UnknownContainer : ErrorCode.TryAgainLater;
  return new CniError(code, `pod ${keyOf(pod)}: cannot record network-status: ${err.message}`);
}

export class K8sStatusWriter implements StatusWriter {
  private readonly pending: DeferredWrites;
  /** When each pod last had a DEL (events.ts drops an Event whose sandbox is gone). */
  private readonly deleted = new Map<string, number>();

  constructor(private readonly o: K8sStatusOptions) {
    this.pending = new DeferredWrites(o.api);
  }

  async write(pod: PodRef, containerId: string, status: NetworkStatus[]): Promise<void> {
    await this.patch(pod, { [ANNOTATIONS.networkStatus]: JSON.stringify(status), [OWNER]: containerId }).catch((err: unknown) => {
      throw cannotRecord(pod, err);
    });
  }

  async remove(pod: PodRef, containerId: string): Promise<void> {
    const key = keyOf(pod);
    this.noteDel(key);
    const cached = this.o.cachedPod(pod.namespace, pod.name);
    if (this.pending.get(key)?.[OWNER] === containerId) {
      this.pending.delete(key);
      // Its ADD's write never reached the API, unless an attempt cut off at the deadline landed after all: the cache tells.
      if (cached?.annotations[OWNER] !== containerId) return;
    }
    if (cached && cached.annotations[OWNER] !== containerId) return; // written by a newer sandbox, or never
    if (!cached && !this.o.background) return; // thin mode: no cache, and DEL must not need the API
    await this.patch(pod, { [ANNOTATIONS.networkStatus]: null, [OWNER]: null }).catch((err: unknown) => {
      if (classifyApiError(err).kind !== 'notFound') throw err;
    });
  }

  /** Whether a DEL for the pod has been handled since `since` (ms since the epoch). */
  delSince(pod: PodRef, since: number): boolean {
    return (this.deleted.get(keyOf(pod)) ?? -Infinity) >= since;
  }

  get backlog(): number {
    return this.pending.size;
  }

  private noteDel(key: string): void {
    const now = Date.now();
    this.deleted.set(key, now);
    if (this.deleted.size > 1000) for (const [k, at] of this.deleted) if (now - at > 600_000) this.deleted.delete(k);
  }

  private async patch(pod: PodRef, annotations: Annotations): Promise<void> {
    const key = keyOf(pod);
    try {
      await withRetry((timeoutMs) => patchPodAnnotations(this.o.api, pod.namespace, pod.name, annotations, timeoutMs), { deadlineMs: this.o.deadlineMs });
      this.pending.delete(key); // an older deferred write must not land on top of this one
    } catch (raw) {
      const err = classifyApiError(raw);
      if (err.kind === 'notFound' || !this.o.background || !err.retriable) throw err;
      this.o.log.warn({ pod: key, err: err.message }, 'network-status write deferred; retrying in the background');
      this.pending.add(key, annotations);
    }
  }
}
