// Kubernetes Events, sent without holding up the CNI reply, and never about a sandbox that is already gone.
//
// The rule (docs/adr/0010): an Event gets one prompt attempt of at most 2 s; an API server whose storage is down
// holds a write for 10 s and would create the Event long after the fact. An Event that could not be sent is retried
// with a jittered backoff for at most a minute, and only while its sandbox may still exist: it is dropped as soon as
// its pod has left the node's cache (deleted, or replaced by a pod with another UID) or a DEL for the pod has been
// handled since the Event was made.
//
// A repeated Event (the same pod, type, reason and message within AGGREGATE_MS, e.g. the same ADD failure at every
// kubelet retry) is not a new object: the first one's count goes up and its lastTimestamp moves (a merge PATCH), as
// kubectl describe shows "(x5 over 2m)". The Events braid made are remembered for that, at most AGGREGATE_KEEP. A
// PATCH that fails for good (403 for a braid upgraded without the RBAC to patch Events, 404, 422) makes a new Event.
import type { Logger } from 'pino';
import type { PodRef } from '../engine/ports.js';
import { type ApiErrorKind, classifyApiError } from './errors.js';
import type { EventSpec } from './resources.js';
import { Backoff, type Random } from './retry.js';
import type { CachedPod } from './trim.js';

export const PROMPT_MS = 2000;
export const RETRY_FOR_MS = 60_000;
export const AGGREGATE_MS = 10 * 60_000;
export const AGGREGATE_KEEP = 1024;

export interface SandboxView {
  cachedPod: (ns: string, name: string) => CachedPod | undefined;
  /** Whether a DEL for the pod has been handled since a time (K8sStatusWriter sees every DEL). */
  delSince: (pod: PodRef, since: number) => boolean;
}

export interface EventSenderOptions extends SandboxView {
  log: Logger;
  /** Creates one Event, giving up after timeoutMs; its name, for a repeat to bump. */
  create: (e: EventSpec, timeoutMs: number) => Promise<string | void>;
  /** Sets a created Event's count and lastTimestamp; without it every repeat is a new Event. */
  bump?: (e: EventSpec, made: { name: string; count: number }, timeoutMs: number) => Promise<void>;
  /** An Event given up without being sent (for metrics). */
  onGaveUp?: (e: EventSpec) => void;
  now?: () => number;
  /** Runs fn after ms; an unref'd setTimeout unless given. */
  later?: (fn: () => void, ms: number) => void;
  random?: Random;
}

/** Whether the sandbox an Event made at `since` is about may be gone. */
export function sandboxGone(pod: PodRef, since: number, view: SandboxView): boolean {
  const cached = view.cachedPod(pod.namespace, pod.name);
  if (!cached || (pod.uid && cached.uid && cached.uid !== pod.uid)) return true;
  return view.delSince(pod, since);
}

interface Made {
  name: string;
  count: number;
  first: number;
}

/**
 * A failed count update worth another try, later, as a count update: the API server is busy, down or unreachable. Any
 * other failure (403, 404, 422, …) makes a new Event instead. Not 401 and 403, though ApiError calls them retriable (a
 * restarting API server's RBAC warm-up): the create that follows is retried as usual if that is all it was.
 */
const TRANSIENT: readonly ApiErrorKind[] = ['conflict', 'tooManyRequests', 'server', 'connection'];

const aggregateKey = (e: EventSpec) =>
  JSON.stringify([e.pod.namespace, e.pod.name, e.pod.uid ?? '', e.type, e.reason, e.message]);

export class EventSender {
  private readonly now: () => number;
  private readonly later: (fn: () => void, ms: number) => void;
  /** The Events created, by aggregateKey, oldest first. */
  private readonly made = new Map<string, Made>();

  constructor(private readonly o: EventSenderOptions) {
    this.now = o.now ?? Date.now;
    this.later = o.later ?? ((fn, ms) => setTimeout(fn, ms).unref());
  }

  /** `madeAt`: when what it tells happened (a caller that defers sending gives it), for the sandbox check on retry. */
  send(e: EventSpec, madeAt = this.now()): void {
    void this.attempt(e, madeAt, new Backoff(1000, 10_000, this.o.random));
  }

  /** The count of a repeat of an Event created within AGGREGATE_MS, else a new Event. */
  private async sendOnce(e: EventSpec): Promise<void> {
    const key = aggregateKey(e);
    const made = this.made.get(key);
    if (made && this.o.bump && this.now() - made.first <= AGGREGATE_MS) {
      try {
        await this.o.bump(e, { name: made.name, count: made.count + 1 }, PROMPT_MS);
        made.count++;
        return;
      } catch (raw) {
        const err = classifyApiError(raw);
        if (TRANSIENT.includes(err.kind)) throw raw; // retried, and the retry bumps again
        // Gone (the API server deletes Events after an hour), or a PATCH it will never take: denied (braid upgraded
        // without the RBAC to patch Events), refused as invalid. The repeat is still told, as a new Event.
        if (err.kind !== 'notFound') {
          const log = { namespace: e.pod.namespace, pod: e.pod.name, reason: e.reason, err: err.message };
          this.o.log.debug(log, 'event count not updated: a new event instead');
        }
      }
    }
    this.made.delete(key); // expired, gone, or its count cannot be updated: a new one
    const name = await this.o.create(e, PROMPT_MS);
    if (!name) return;
    this.made.set(key, { name, count: 1, first: this.now() });
    if (this.made.size > AGGREGATE_KEEP) this.made.delete(this.made.keys().next().value!);
  }

  private async attempt(e: EventSpec, madeAt: number, backoff: Backoff): Promise<void> {
    try {
      await this.sendOnce(e);
    } catch (raw) {
      const err = classifyApiError(raw);
      const wait = backoff.next();
      const log = { namespace: e.pod.namespace, pod: e.pod.name, reason: e.reason, err: err.message };
      if (!err.retriable || this.now() + wait - madeAt > RETRY_FOR_MS) {
        this.o.onGaveUp?.(e);
        this.o.log.debug(log, 'event not sent');
        return;
      }
      this.later(() => {
        if (!sandboxGone(e.pod, madeAt, this.o)) return void this.attempt(e, madeAt, backoff);
        this.o.onGaveUp?.(e);
        this.o.log.info(log, 'event dropped: its sandbox is gone');
      }, wait);
    }
  }
}
