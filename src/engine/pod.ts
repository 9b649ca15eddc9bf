// The pod a request is for: named in CNI_ARGS, read from the runtime's annotations or from the mode's source.
import { getArg } from '../cni/args.js';
import type { CniRequest } from '../cni/request.js';
import { isObject } from '../cni/types.js';
import type { PodInfo } from '../core/sources.js';
import type { PodRef, Sources } from './ports.js';

const POD_ANNOTATIONS_CAP = 'io.kubernetes.cri.pod-annotations';

/** runtimeConfig keys are matched case-insensitively: containerd marshals Go names. */
export function runtimeValue(runtimeConfig: Record<string, unknown>, key: string): unknown {
  const k = Object.keys(runtimeConfig).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : runtimeConfig[k];
}

export function podRefOf(req: CniRequest): PodRef | undefined {
  const name = getArg(req.args, 'K8S_POD_NAME');
  if (!name) return undefined;
  const uid = getArg(req.args, 'K8S_POD_UID');
  return { namespace: getArg(req.args, 'K8S_POD_NAMESPACE') || 'default', name, ...(uid ? { uid } : {}) };
}

/**
 * The pod named in CNI_ARGS (namespace "default" when absent, as podman passes none). With the
 * pod-annotations capability, the selection comes from the runtime and needs no API read.
 */
export async function lookupPod(
  req: CniRequest,
  runtimeConfig: Record<string, unknown>,
  src: Sources,
): Promise<PodInfo | undefined> {
  const ref = podRefOf(req);
  if (!ref || !src.pods) return undefined;
  const fromRuntime = runtimeValue(runtimeConfig, POD_ANNOTATIONS_CAP);
  if (isObject(fromRuntime)) {
    const annotations = Object.fromEntries(
      Object.entries(fromRuntime).filter(([, v]) => typeof v === 'string'),
    ) as Record<string, string>;
    // The UID is still checked when the cache has the pod; the API server is not asked.
    const cached = src.cachedPod?.(ref.namespace, ref.name);
    if (cached?.uid) src.checkPod?.(cached, ref.namespace, ref.name, ref.uid);
    return { ...ref, annotations };
  }
  const pod = await src.pods.getPod(ref.namespace, ref.name);
  return src.checkPod ? src.checkPod(pod, ref.namespace, ref.name, ref.uid) : pod;
}
