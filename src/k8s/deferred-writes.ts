// The daemon's backlog of network-status writes the API could not take within an ADD's or DEL's bound. They are
// retried with a jittered backoff (1 s doubling to 30 s) until they land, on any retriable error, 401 and 403
// included: a restarting API server denies everything for a moment, and dropping the write would leave the pod
// without its status for good. A write is dropped only when the pod is gone or the API refuses the patch itself.
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import { patchPodAnnotations, removeOwnedPodAnnotations } from './resources.js';
import { Backoff } from './retry.js';

export type Annotations = Record<string, string | null>;

/** A clear made only if the pod (this UID) still has `owner` in `ownerKey`: see removeOwnedPodAnnotations. */
export interface OwnedClear {
  ownerKey: string;
  owner: string;
  uid?: string;
}

/** One background attempt: bounded too, as the API server may hold a write (storage down) for 10 s. */
const ATTEMPT_MS = 10_000;

export class DeferredWrites {
  /** By "namespace/name": the latest write only (an older one must not land on top of a newer one). */
  private readonly pending = new Map<string, Annotations>();
  /** The condition of a pending clear, by its annotations object. */
  private readonly conditions = new WeakMap<Annotations, OwnedClear>();
  private readonly backoff = new Backoff(1000, 30_000);
  private timer?: NodeJS.Timeout;

  constructor(private readonly api: ApiClient) {}

  get size(): number {
    return this.pending.size;
  }

  get(key: string): Annotations | undefined {
    return this.pending.get(key);
  }

  delete(key: string): void {
    this.pending.delete(key);
  }

  /** `annotations` null-valued with `clear`: removed only while `clear`'s owner holds them. */
  add(key: string, annotations: Annotations, clear?: OwnedClear): void {
    if (clear) this.conditions.set(annotations, clear);
    this.pending.set(key, annotations);
    if (!this.timer) this.schedule();
  }

  private async send(pod: { namespace: string; name: string }, annotations: Annotations): Promise<void> {
    const clear = this.conditions.get(annotations);
    if (!clear) {
      await patchPodAnnotations(this.api, pod, annotations, ATTEMPT_MS);
      return;
    }
    const keys = Object.keys(annotations);
    await removeOwnedPodAnnotations(
      this.api,
      { ...pod, ...(clear.uid ? { uid: clear.uid } : {}) },
      { ownerKey: clear.ownerKey, owner: clear.owner, keys },
      ATTEMPT_MS,
    );
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.flush(), this.backoff.next());
    this.timer.unref();
  }

  /** One pass over the backlog; the first retriable failure ends it (the API is still unwell) and goes last. */
  private async flush(): Promise<void> {
    let failed = false;
    for (const [key, annotations] of [...this.pending]) {
      const [namespace, name] = key.split('/') as [string, string];
      try {
        await this.send({ namespace, name }, annotations);
        if (this.pending.get(key) === annotations) this.pending.delete(key);
      } catch (raw) {
        const err = classifyApiError(raw);
        if (err.kind === 'notFound' || !err.retriable) {
          // a failed owner test (invalid) included: someone else's status now, left alone
          if (this.pending.get(key) === annotations) this.pending.delete(key);
          continue;
        }
        if (this.pending.get(key) === annotations) {
          this.pending.delete(key); // to the back: a pod the API keeps refusing must not hold up the others
          this.pending.set(key, annotations);
        }
        failed = true;
        break;
      }
    }
    if (!failed) this.backoff.reset();
    this.timer = undefined;
    if (this.pending.size) this.schedule();
  }
}
