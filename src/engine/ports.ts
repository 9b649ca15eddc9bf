// The effects the engine performs, each behind a small interface.
import type { Logger } from 'pino';
import type { CniArgs } from '../cni/args.js';
import type { PluginExec } from '../invoke/exec.js';
import type { ResultCache } from '../invoke/result-cache.js';
import type { NetworkStatus } from '../core/network-status.js';
import type { PlanStore } from '../store/plan-store.js';
import type { RouteEditor } from './default-route.js';

/** One runtime request as the engine needs it: the attachment key, where, and with which arguments. */
export interface PodRequest {
  containerId: string;
  netns: string;
  /** The runtime's CNI_IFNAME. */
  ifname: string;
  /** The runtime's CNI_ARGS. */
  args: CniArgs;
  /** CNI_PATH, for the delegates. */
  path: string[];
  /** The version the runtime speaks to braid. */
  cniVersion: string;
}

export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

export interface StatusWriter {
  /** Records the pod's network-status (one write per ADD). */
  write(pod: PodRef, containerId: string, status: NetworkStatus[]): Promise<void>;
  /** Removes what this container recorded. Must not fail DEL: errors are logged by the caller. */
  remove(pod: PodRef, containerId: string): Promise<void>;
}

export interface EngineDeps {
  exec: PluginExec;
  plans: PlanStore;
  cache: ResultCache;
  routes: RouteEditor;
  status?: StatusWriter;
  log: Logger;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}
