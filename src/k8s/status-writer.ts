// network-status through the API: one merge patch per ADD, carrying the owning container's ID so that
// DEL removes only what that container wrote (Multus leaves a stale status: multus-cni#1173).
import type { Logger } from 'pino';
import type { NetworkStatus } from '../core/network-status.js';
import { ANNOTATIONS } from '../core/sources.js';
import type { PodRef, StatusWriter } from '../engine/deps.js';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import { patchPodAnnotations } from './resources.js';
import { withRetry } from './retry.js';
import type { CachedPod } from './trim.js';

export const OWNER = 'braid.k8s.io/network-status-owner';

export interface K8sStatusOptions {
  api: ApiClient;
  log: Logger;
  /** The cached pod, to know who owns the status without a read. */
  cachedPod: (ns: string, name: string) => CachedPod | undefined;
  /** How long one write may retry before it is handed to the background (daemon) or fails (thin mode). */
  deadlineMs: number;
  /** Daemon mode: a write that cannot be done now is retried in the background and ADD succeeds. */
  background: boolean;
}

export class K8sStatusWriter implements StatusWriter {
  private readonly pending = new Map<string, Record<string, string | null>>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: K8sStatusOptions) {}

  async write(pod: PodRef, containerId: string, status: NetworkStatus[]): Promise<void> {
    await this.patch(pod, { [ANNOTATIONS.networkStatus]: JSON.stringify(status), [OWNER]: containerId });
  }

  async remove(pod: PodRef, containerId: string): Promise<void> {
    const key = `${pod.namespace}/${pod.name}`;
    if (this.pending.get(key)?.[OWNER] === containerId) {
      this.pending.delete(key); // its ADD's status never reached the API: nothing to clear there
      return;
    }
    const cached = this.o.cachedPod(pod.namespace, pod.name);
    if (cached && cached.annotations[OWNER] !== containerId) return; // written by a newer sandbox, or never
    if (!cached && !this.o.background) return; // thin mode: no cache, and DEL must not need the API
    await this.patch(pod, { [ANNOTATIONS.networkStatus]: null, [OWNER]: null }).catch((err: unknown) => {
      if (classifyApiError(err).kind !== 'notFound') throw err;
    });
  }

  private async patch(pod: PodRef, annotations: Record<string, string | null>): Promise<void> {
    const key = `${pod.namespace}/${pod.name}`;
    try {
      await withRetry(() => patchPodAnnotations(this.o.api, pod.namespace, pod.name, annotations), { deadlineMs: this.o.deadlineMs });
      this.pending.delete(key); // an older deferred write must not land on top of this one
    } catch (raw) {
      const err = classifyApiError(raw);
      if (err.kind === 'notFound' || !this.o.background || !err.retriable) throw err;
      this.o.log.warn({ pod: `${pod.namespace}/${pod.name}`, err: err.message }, 'network-status write deferred; retrying in the background');
      this.pending.set(key, annotations);
      this.schedule();
    }
  }

  get backlog(): number {
    return this.pending.size;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), 1000);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    for (const [key, annotations] of [...this.pending]) {
      const [namespace, name] = key.split('/') as [string, string];
      try {
        await patchPodAnnotations(this.o.api, namespace, name, annotations);
        if (this.pending.get(key) === annotations) this.pending.delete(key);
      } catch (raw) {
        const err = classifyApiError(raw);
        if (err.kind === 'notFound' || !err.retriable) this.pending.delete(key);
      }
    }
    if (this.pending.size) this.schedule();
  }
}
