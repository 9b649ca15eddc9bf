// Thin Kubernetes mode: the executable talks to the API server itself (slow, for clusters without the
// daemon). Pod and NADs by GET; the status write retries, then fails ADD, as nothing runs after exit.
import type { NodeConfig } from '../core/node-config.js';
import { ApiClient } from '../k8s/api.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { ApiSources, checkPodIdentity, THIN_READ_BOUND_MS } from '../k8s/sources.js';
import { K8sStatusWriter } from '../k8s/status-writer.js';
import { createLogger } from '../log/logger.js';
import type { Sources } from '../engine/ports.js';

export function thinSources(config: NodeConfig): Sources {
  const api = new ApiClient(() => loadKubeConfig(config.kubeconfig));
  const sources = new ApiSources(api, THIN_READ_BOUND_MS);
  const status = new K8sStatusWriter({
    api,
    log: createLogger(config),
    cachedPod: () => undefined,
    deadlineMs: 10_000,
    background: false,
  });
  return { pods: sources, nads: sources, status, checkPod: checkPodIdentity };
}
