// Pods and NADs for planning: from the informer caches when they have them, a live GET otherwise
// (a pod created a moment ago), then the pod UID check (multus-cni#742: static pods are exempt).
import { CniError, ErrorCode } from '../cni/errors.js';
import type { Nad, NadSource, PodInfo, PodSource } from '../core/sources.js';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import type { Reflector } from './reflector.js';
import { getNad, getPod } from './resources.js';
import { keyOf, type CachedPod } from './trim.js';

export class ApiSources implements PodSource, NadSource {
  constructor(
    private readonly api: ApiClient,
    private readonly pods?: Reflector<CachedPod>,
    private readonly nads?: Reflector<Nad>,
  ) {}

  cachedPod(ns: string, name: string): CachedPod | undefined {
    return this.pods?.get(keyOf({ namespace: ns, name }));
  }

  async getPod(ns: string, name: string): Promise<PodInfo | undefined> {
    const cached = this.cachedPod(ns, name);
    if (cached) return cached;
    try {
      return await getPod(this.api, ns, name);
    } catch (err) {
      throw new CniError(
        ErrorCode.TryAgainLater,
        `pod ${ns}/${name}: cannot read it from the API server: ${classifyApiError(err).message}`,
      );
    }
  }

  async getNad(ns: string, name: string): Promise<Nad | undefined> {
    const cached = this.nads?.get(keyOf({ namespace: ns, name }));
    if (cached) return cached;
    try {
      return await getNad(this.api, ns, name);
    } catch (err) {
      throw new CniError(
        ErrorCode.TryAgainLater,
        `network ${ns}/${name}: cannot read it from the API server: ${classifyApiError(err).message}`,
      );
    }
  }
}

/** The pod the runtime means: it must exist, and its UID must match K8S_POD_UID when both are known. */
export function checkPodIdentity(pod: PodInfo | undefined, ns: string, name: string, uid: string | undefined): PodInfo {
  if (!pod)
    throw new CniError(
      ErrorCode.UnknownContainer,
      `pod ${ns}/${name} does not exist`,
      'it may have been deleted while its sandbox was being created',
    );
  const staticPod =
    pod.annotations['kubernetes.io/config.source'] && pod.annotations['kubernetes.io/config.source'] !== 'api';
  if (uid && pod.uid && uid !== pod.uid && !staticPod) {
    throw new CniError(
      ErrorCode.UnknownContainer,
      `pod ${ns}/${name}: expected UID ${uid} but the API server has ${pod.uid}`,
      'the pod was deleted and recreated with the same name',
    );
  }
  return pod;
}
