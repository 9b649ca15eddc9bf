// Kubernetes Events, sent without holding up the CNI reply, and never about a sandbox that is already gone.
//
// The rule (docs/adr/0010): an Event gets one prompt attempt of at most 2 s; an API server whose storage is down
// holds a write for 10 s and would create the Event long after the fact. An Event that could not be sent is retried
// with a jittered backoff for at most a minute, and only while its sandbox may still exist: it is dropped as soon as
// its pod has left the node's cache (deleted, or replaced by a pod with another UID) or a DEL for the pod has been
// handled since the Event was made.
import type { Logger } from 'pino';
import type { PodRef } from '../engine/ports.js';
import { classifyApiError } from './errors.js';
import type { EventSpec } from './resources.js';
import { Backoff, type Random } from './retry.js';
import type { CachedPod } from './trim.js';

export const PROMPT_MS = 2000;
export const RETRY_FOR_MS = 60_000;

export interface SandboxView {
  cachedPod: (ns: string, name: string) => CachedPod | undefined;
  /** Whether a DEL for the pod has been handled since a time (K8sStatusWriter sees every DEL). */
  delSince: (pod: PodRef, since: number) => boolean;
}

export interface EventSenderOptions extends SandboxView {
  log: Logger;
  /** Creates one Event, giving up after timeoutMs. */
  create: (e: EventSpec, timeoutMs: number) => Promise<void>;
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

export class EventSender {
  private readonly now: () => number;
  private readonly later: (fn: () => void, ms: number) => void;

  constructor(private readonly o: EventSenderOptions) {
    this.now = o.now ?? Date.now;
    this.later = o.later ?? ((fn, ms) => setTimeout(fn, ms).unref());
  }

  send(e: EventSpec): void {
    void this.attempt(e, this.now(), new Backoff(1000, 10_000, this.o.random));
  }

  private async attempt(e: EventSpec, madeAt: number, backoff: Backoff): Promise<void> {
    try {
      await this.o.create(e, PROMPT_MS);
    } catch (raw) {
      const err = classifyApiError(raw);
      const wait = backoff.next();
      const log = { pod: `${e.pod.namespace}/${e.pod.name}`, reason: e.reason, err: err.message };
      if (!err.retriable || this.now() + wait - madeAt > RETRY_FOR_MS) {
        this.o.log.debug(log, 'event not sent');
        return;
      }
      this.later(() => {
        if (sandboxGone(e.pod, madeAt, this.o)) this.o.log.info(log, 'event dropped: its sandbox is gone');
        else void this.attempt(e, madeAt, backoff);
      }, wait);
    }
  }
}
