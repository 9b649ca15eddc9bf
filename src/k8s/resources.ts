// The few API calls braid makes, with the paths spelled out.
import type { Nad } from '../core/sources.js';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import { type CachedPod, trimNad, trimPod } from './trim.js';

export const NAD_PATH = '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions';
const podPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (classifyApiError(err).kind === 'notFound') return undefined;
    throw classifyApiError(err);
  }
}

const bound = (timeoutMs?: number) => (timeoutMs ? { timeoutMs } : {});

export async function getPod(
  api: ApiClient,
  ns: string,
  name: string,
  timeoutMs?: number,
): Promise<CachedPod | undefined> {
  const raw = await orUndefined(api.request('GET', podPath(ns, name), bound(timeoutMs)));
  return raw ? trimPod(raw as object) : undefined;
}

export async function getNad(api: ApiClient, ns: string, name: string, timeoutMs?: number): Promise<Nad | undefined> {
  const raw = await orUndefined(
    api.request(
      'GET',
      `/apis/k8s.cni.cncf.io/v1/namespaces/${encodeURIComponent(ns)}/network-attachment-definitions/${encodeURIComponent(name)}`,
      bound(timeoutMs),
    ),
  );
  return raw ? trimNad(raw as object) : undefined;
}

/** One merge patch of annotations (null removes a key). */
export async function patchPodAnnotations(
  api: ApiClient,
  pod: { namespace: string; name: string },
  annotations: Record<string, string | null>,
  timeoutMs?: number,
): Promise<CachedPod> {
  const raw = await api.request('PATCH', podPath(pod.namespace, pod.name), {
    body: { metadata: { annotations } },
    contentType: 'application/merge-patch+json',
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  return trimPod(raw as object);
}

/** A JSON pointer segment (RFC 6901): annotation keys hold '/'. */
const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Removes `keys` from the pod's annotations only if `ownerKey` still holds `owner` (and the pod's UID is `uid`, when
 * given): the API server checks both in the same request (JSON patch `test` operations), so no read is needed and no
 * newer writer's value is ever removed. A failed test is a 422 (kind `invalid`): nothing was changed.
 */
export async function removeOwnedPodAnnotations(
  api: ApiClient,
  pod: { namespace: string; name: string; uid?: string },
  owned: { ownerKey: string; owner: string; keys: string[] },
  timeoutMs?: number,
): Promise<void> {
  const ops = [
    ...(pod.uid ? [{ op: 'test', path: '/metadata/uid', value: pod.uid }] : []),
    { op: 'test', path: `/metadata/annotations/${pointer(owned.ownerKey)}`, value: owned.owner },
    ...owned.keys.map((k) => ({ op: 'remove', path: `/metadata/annotations/${pointer(k)}` })),
  ];
  await api.request('PATCH', podPath(pod.namespace, pod.name), {
    body: ops,
    contentType: 'application/json-patch+json',
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

export interface EventSpec {
  pod: { namespace: string; name: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  host: string;
}

/** Creates the Event; its name (the API server generates it). */
export async function createEvent(api: ApiClient, e: EventSpec, timeoutMs?: number): Promise<string | undefined> {
  const now = new Date().toISOString();
  const made = await api.request<{ metadata?: { name?: string } } | undefined>(
    'POST',
    `/api/v1/namespaces/${encodeURIComponent(e.pod.namespace)}/events`,
    {
      ...(timeoutMs ? { timeoutMs } : {}),
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${e.pod.name}.`, namespace: e.pod.namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: e.pod.namespace,
          name: e.pod.name,
          ...(e.pod.uid ? { uid: e.pod.uid } : {}),
        },
        type: e.type,
        reason: e.reason,
        message: e.message,
        source: { component: 'braid', host: e.host },
        reportingComponent: 'braid',
        reportingInstance: e.host,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    },
  );
  return made?.metadata?.name;
}

/** A repeat of an Event braid created: its count and lastTimestamp, in a merge patch. */
export async function bumpEvent(
  api: ApiClient,
  e: EventSpec,
  made: { name: string; count: number },
  timeoutMs?: number,
): Promise<void> {
  const ns = encodeURIComponent(e.pod.namespace);
  await api.request('PATCH', `/api/v1/namespaces/${ns}/events/${encodeURIComponent(made.name)}`, {
    ...(timeoutMs ? { timeoutMs } : {}),
    contentType: 'application/merge-patch+json',
    body: { count: made.count, lastTimestamp: new Date().toISOString() },
  });
}
