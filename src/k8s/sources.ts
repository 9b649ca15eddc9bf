// Pods and NADs for planning: from the informer caches when they have them, a live GET otherwise
// (a pod created a moment ago), then the pod UID check (multus-cni#742: static pods are exempt).
//
// A live GET is bounded and retried as the status write is (ADR 0010): 401/403 (the RBAC warm-up of a restarting API
// server), 5xx, 429 and cut-off attempts are retried with the jittered backoff of retry.ts, each attempt getting the
// time left, and a read not done within the bound is code 11 "try again later" naming the pod or NAD. A GET without
// resourceVersion is a quorum read: with etcd down the API server holds it and answers 504, as it does a write.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { Nad, NadSource, PodInfo, PodSource } from '../core/sources.js';
import type { ApiClient } from './api.js';
import { classifyApiError } from './errors.js';
import type { Reflector } from './reflector.js';
import { getNad, getPod } from './resources.js';
import { withRetry } from './retry.js';
import { keyOf, type CachedPod } from './trim.js';

/** The status write's bounds (ADR 0010): the daemon's, whose caches make a miss rare, and thin mode's. */
export const DAEMON_READ_BOUND_MS = 2000;
export const THIN_READ_BOUND_MS = 10_000;

export class ApiSources implements PodSource, NadSource {
  /**
   * `deadlineMs`: how long a read that misses the caches may take, attempts and waits included
   * (DAEMON_READ_BOUND_MS or THIN_READ_BOUND_MS).
   */
  constructor(
    private readonly api: ApiClient,
    private readonly deadlineMs: number,
    private readonly pods?: Reflector<CachedPod>,
    private readonly nads?: Reflector<Nad>,
  ) {}

  cachedPod(ns: string, name: string): CachedPod | undefined {
    return this.pods?.get(keyOf({ namespace: ns, name }));
  }

  async getPod(ns: string, name: string): Promise<PodInfo | undefined> {
    return (
      this.cachedPod(ns, name) ?? this.read(`pod ${ns}/${name}`, (timeoutMs) => getPod(this.api, ns, name, timeoutMs))
    );
  }

  async getNad(ns: string, name: string): Promise<Nad | undefined> {
    return (
      this.nads?.get(keyOf({ namespace: ns, name })) ??
      this.read(`network ${ns}/${name}`, (timeoutMs) => getNad(this.api, ns, name, timeoutMs))
    );
  }

  /** A GET retried within the bound; 404 is an answer (undefined), anything else left at the end is code 11. */
  private async read<T>(what: string, get: (timeoutMs: number) => Promise<T>): Promise<T> {
    try {
      return await withRetry(get, { deadlineMs: this.deadlineMs });
    } catch (err) {
      throw new CniError(
        ErrorCode.TryAgainLater,
        `${what}: cannot read it from the API server: ${classifyApiError(err).message}`,
        `reads that miss braid's caches are retried for at most ${this.deadlineMs} ms; the runtime retries the sandbox`,
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
