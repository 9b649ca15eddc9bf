// Where `braid explain` reads a pod, its NADs and its network-status: a local store of manifests, or the cluster
// (the API reads ADD makes in thin mode: k8s/sources.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from '../cni/types.js';
import type { NadNames } from '../core/explain-plan.js';
import { ANNOTATIONS, type NadSource, type PodInfo, type PodSource } from '../core/sources.js';
import { ApiSources, THIN_READ_BOUND_MS } from '../k8s/sources.js';
import { LocalStore } from '../local/local-store.js';
import { readManifests } from '../local/manifests.js';
import { listNads, listPods } from './cluster-reads.js';
import { connect, type ClusterOptions } from './kubeconfig.js';

export interface ExplainSources {
  pods: PodSource;
  nads: NadSource;
  nadNames: NadNames;
  podNames(namespace: string): Promise<string[]>;
  /** The pod's network-status as JSON text, when it has one. */
  status(pod: PodInfo): string | undefined;
  /** The namespace when none is given. */
  namespace: string;
  /** Where the pods are, for "pod … is not in …". */
  where: string;
}

export function localSources(dir: string): ExplainSources {
  const store = new LocalStore(dir);
  const names = (kind: string, ns: string) =>
    readManifests(dir, join(dir, 'status')).flatMap(({ object }) => {
      const m = isObject(object.metadata) ? object.metadata : {};
      return object.kind === kind && (m.namespace ?? 'default') === ns && typeof m.name === 'string' ? [m.name] : [];
    });
  return {
    pods: store,
    nads: store,
    nadNames: async (ns) => names('NetworkAttachmentDefinition', ns),
    podNames: async (ns) => names('Pod', ns),
    status(pod) {
      try {
        return readFileSync(store.statusPath(pod.namespace, pod.name), 'utf8');
      } catch {
        return undefined;
      }
    },
    namespace: 'default',
    where: `the local store ${dir}`,
  };
}

export function clusterSources(opts: ClusterOptions): ExplainSources {
  const { api, namespace } = connect(opts);
  const sources = new ApiSources(api, THIN_READ_BOUND_MS);
  return {
    pods: sources,
    nads: sources,
    nadNames: async (ns) => (await listNads(api, ns)).map((n) => n.name),
    podNames: async (ns) => (await listPods(api, ns)).map((p) => p.name),
    status: (pod) => pod.annotations[ANNOTATIONS.networkStatus],
    namespace,
    where: 'the cluster',
  };
}
