// Cached objects keep only the fields braid reads (Multus' daemon grew to 1.8 GB caching whole pods:
// openshift/cluster-network-operator#2020).
import type { Nad, PodInfo } from '../core/sources.js';
import { ANNOTATIONS } from '../core/sources.js';

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  annotations?: Record<string, string>;
}

export interface CachedPod extends PodInfo {
  resourceVersion: string;
}

const KEEP_POD_ANNOTATIONS = [
  ANNOTATIONS.networks,
  ANNOTATIONS.defaultNetwork,
  ANNOTATIONS.networkStatus,
  'kubernetes.io/config.source',
  'braid.k8s.io/network-status-owner',
];

const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;

function pick(annotations: Record<string, string> | undefined, keys: string[]): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const k of keys) if (annotations?.[k] !== undefined) (out ??= {})[k] = annotations[k]!;
  return out ?? NONE; // most objects keep none: one shared empty object
}

// Namespaces repeat across thousands of objects; JSON.parse makes a new string for each.
const namespaces = new Map<string, string>();
function intern(ns: string): string {
  const known = namespaces.get(ns);
  if (known !== undefined) return known;
  namespaces.set(ns, ns);
  return ns;
}

export function trimPod(obj: { metadata?: Meta }): CachedPod {
  const m = obj.metadata ?? {};
  const pod: CachedPod = {
    namespace: intern(m.namespace ?? 'default'),
    name: m.name ?? '',
    annotations: pick(m.annotations, KEEP_POD_ANNOTATIONS),
    resourceVersion: m.resourceVersion ?? '',
  };
  if (m.uid) pod.uid = m.uid;
  return pod;
}

export function trimNad(obj: { metadata?: Meta; spec?: { config?: string } }): Nad {
  const m = obj.metadata ?? {};
  return {
    namespace: intern(m.namespace ?? 'default'),
    name: m.name ?? '',
    config: obj.spec?.config ?? '',
    annotations: pick(m.annotations, [ANNOTATIONS.resourceName]),
  };
}

export const keyOf = (o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`;
