// The Kubernetes client is loaded only here, and only its config/auth and watch parts (deep imports keep
// the daemon's memory down: docs/adr/0009).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';

export type { KubeConfig };

/** A kubeconfig file, or the in-cluster service account when no path is given. Re-run to pick up a rotated token. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}
