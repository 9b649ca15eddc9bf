// What planning needs to read, as small interfaces: the local store, the daemon's informer cache and
// the thin Kubernetes client each provide them.
import type { JsonObject } from '../cni/types.js';

export interface PodInfo {
  namespace: string;
  name: string;
  uid?: string;
  annotations: Record<string, string>;
}

export interface Nad {
  namespace: string;
  name: string;
  /** spec.config, possibly empty (then the config file in confDir with that name is used). */
  config: string;
  annotations: Record<string, string>;
}

export interface NadSource {
  getNad(namespace: string, name: string): Promise<Nad | undefined>;
}

/** No NADs at all: modes without a cluster, and DEL, which must not need the API. */
export const NO_NADS: NadSource = { getNad: async () => undefined };

export interface PodSource {
  getPod(namespace: string, name: string): Promise<PodInfo | undefined>;
}

/** Config files on the node: confDir lookups by network name, and files by path. */
export interface ConfFiles {
  /** The first .conf/.conflist/.json in confDir (lexical order) whose "name" is `name`. */
  findByName(name: string): JsonObject | undefined;
  /** A file path, or a directory (its first config file). */
  readPath(path: string): JsonObject | undefined;
}

/** Device IDs the kubelet allocated to a pod for a device-plugin resource (sorted). */
export interface DeviceSource {
  deviceIds(podUid: string, resourceName: string): string[];
  deviceInfo(resourceName: string, deviceId: string): unknown;
}

export const ANNOTATIONS = {
  networks: 'k8s.v1.cni.cncf.io/networks',
  networkStatus: 'k8s.v1.cni.cncf.io/network-status',
  defaultNetwork: 'v1.multus-cni.io/default-network',
  resourceName: 'k8s.v1.cni.cncf.io/resourceName',
} as const;
