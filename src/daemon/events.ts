// Kubernetes Events on the pod: what they say. When and whether they are sent: src/k8s/events.ts.
import type { Logger } from 'pino';
import type { NetworkStatus } from '../core/network-status.js';
import type { PodRef } from '../engine/ports.js';
import type { ApiClient } from '../k8s/api.js';
import { EventSender, type SandboxView } from '../k8s/events.js';
import { afterTheAnswer } from '../k8s/status-writer.js';
import { bumpEvent, createEvent, type EventSpec } from '../k8s/resources.js';

export interface DaemonEventsOptions extends SandboxView {
  api: ApiClient;
  log: Logger;
  /** The node, as the Events' source host. */
  host: string;
  /** An Event given up without being sent (braid_event_send_failures_total). */
  onGaveUp?: (e: EventSpec) => void;
}

export class DaemonEvents {
  private readonly sender: EventSender;

  constructor(private readonly o: DaemonEventsOptions) {
    this.sender = new EventSender({
      ...o,
      create: (e, timeoutMs) => createEvent(o.api, e, timeoutMs),
      bump: (e, made, timeoutMs) => bumpEvent(o.api, e, made, timeoutMs),
    });
  }

  /** Sent once the answer that caused it is on its way, as the status write is (issue 9). */
  private send(e: EventSpec): void {
    const madeAt = Date.now(); // a DEL handled before it is sent still stops its retries
    void afterTheAnswer()
      .then(() => this.sender.send(e, madeAt))
      .catch((err: unknown) => this.o.log.warn({ err: String(err), reason: e.reason }, 'event not sent'));
  }

  /** One AddedInterface per attachment: "Add net1 [10.1.1.5] from ns/nad". */
  added(pod: PodRef, status: NetworkStatus[]): void {
    for (const s of status) {
      this.send({
        pod,
        host: this.o.host,
        type: 'Normal',
        reason: 'AddedInterface',
        message: `Add ${s.interface ?? '?'} [${(s.ips ?? []).join(', ')}] from ${s.name}`,
      });
    }
  }

  addFailed(pod: PodRef, err: Error): void {
    this.send({ pod, host: this.o.host, type: 'Warning', reason: 'BraidAddFailed', message: err.message });
  }

  /** Dynamic networks (issue 13): one RemovedInterface per attachment a hot-plug removed: "Remove net1 from ns/nad". */
  removed(pod: PodRef, removed: Array<{ name: string; ifname: string }>): void {
    for (const a of removed)
      this.send({
        pod,
        host: this.o.host,
        type: 'Normal',
        reason: 'RemovedInterface',
        message: `Remove ${a.ifname} from ${a.name}`,
      });
  }

  /** A hot-plug that failed (it is retried): the pod keeps what it had, less what was removed. */
  hotplugFailed(pod: PodRef, err: Error): void {
    this.send({ pod, host: this.o.host, type: 'Warning', reason: 'BraidHotplugFailed', message: err.message });
  }

  /** One SelectionWarning per thing ADD read past without failing the pod, e.g. an unknown selection key. */
  warned(pod: PodRef, warnings: string[]): void {
    for (const message of warnings)
      this.send({ pod, host: this.o.host, type: 'Warning', reason: 'SelectionWarning', message });
  }
}
