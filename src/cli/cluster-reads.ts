// The lists the operator commands read: pods and NADs of a namespace, or of all of them (paged: list-pages.ts).
import type { Nad } from '../core/sources.js';
import type { ApiClient } from '../k8s/api.js';
import { listPages } from '../k8s/list-pages.js';
import { NAD_PATH } from '../k8s/resources.js';
import { type CachedPod, trimNad, trimPod } from '../k8s/trim.js';

const NAD_GROUP_VERSION = '/apis/k8s.cni.cncf.io/v1';
const podsPath = (ns?: string) =>
  ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;
const namespacedNads = (ns: string) =>
  `${NAD_GROUP_VERSION}/namespaces/${encodeURIComponent(ns)}/network-attachment-definitions`;

const byKey = <T extends { namespace: string; name: string }>(a: T, b: T) =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/** Pods with the annotations braid reads (network-status among them); `namespace` undefined is every namespace. */
export async function listPods(api: ApiClient, namespace?: string): Promise<CachedPod[]> {
  const out: CachedPod[] = [];
  await listPages(api, podsPath(namespace), {}, (raw) => out.push(trimPod(raw as object)));
  return out.sort(byKey);
}

export async function listNads(api: ApiClient, namespace?: string): Promise<Nad[]> {
  const out: Nad[] = [];
  const each = (raw: unknown) => out.push(trimNad(raw as object));
  await listPages(api, namespace === undefined ? NAD_PATH : namespacedNads(namespace), {}, each);
  return out.sort(byKey);
}
