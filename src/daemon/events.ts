// Kubernetes Events on the pod, sent without holding up the CNI reply.
import type { Logger } from 'pino';
import type { NetworkStatus } from '../core/network-status.js';
import type { PodRef } from '../engine/deps.js';
import type { ApiClient } from '../k8s/api.js';
import { createEvent, type EventSpec } from '../k8s/resources.js';

function send(api: ApiClient, log: Logger, e: EventSpec): void {
  createEvent(api, e).catch((err: unknown) => log.debug({ err: (err as Error).message, reason: e.reason }, 'event not sent'));
}

/** One AddedInterface per attachment: "Add net1 [10.1.1.5] from ns/nad". */
export function emitAdded(api: ApiClient, log: Logger, host: string, pod: PodRef, status: NetworkStatus[]): void {
  for (const s of status) {
    send(api, log, { pod, host, type: 'Normal', reason: 'AddedInterface', message: `Add ${s.interface ?? '?'} [${(s.ips ?? []).join(', ')}] from ${s.name}` });
  }
}

export function emitAddFailed(api: ApiClient, log: Logger, host: string, pod: PodRef, err: Error): void {
  send(api, log, { pod, host, type: 'Warning', reason: 'BraidAddFailed', message: err.message });
}
