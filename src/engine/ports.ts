// The engine's ports: every effect it needs, as an interface it owns. store/, invoke/, k8s/ and local/ implement
// them; the composition roots (app/, daemon/) choose which. Nothing here performs an effect.
import type { Logger } from 'pino';
import type { CniArgs } from '../cni/args.js';
import type { CniCommand } from '../cni/request.js';
import type { JsonObject } from '../cni/types.js';
import type { NetworkStatus } from '../core/network-status.js';
import type { NodeConfig } from '../core/node-config.js';
import type { PlannedAttachment } from '../core/plan.js';
import type { ConfFiles, DeviceSource, NadSource, PodInfo, PodSource } from '../core/sources.js';

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

/** Runs one plugin. The one seam through which every delegate runs; tests use the real runner with a scriptable
 * test plugin, nothing fakes it. */
export interface PluginExec {
  /** Runs the plugin; resolves with its parsed stdout (undefined when empty), throws a CniError. */
  exec(call: PluginCall): Promise<unknown>;
}

export interface PluginCall {
  /** The plugin's `type`, looked up in the search path. */
  type: string;
  command: CniCommand;
  /** Exact bytes for the plugin's stdin. */
  stdin: string;
  /** CNI_* variables for this call; the rest of the environment is the caller's. */
  cniEnv: Record<string, string>;
  /**
   * Called once the plugin's process exists and before it is given its stdin (a plugin does nothing before it has
   * read it), so that it can be recorded; when it throws, the process is killed unstarted and the call fails. What it
   * returns is called once the process has exited.
   */
  onSpawn?: (p: DelegateProcess) => () => void;
}

/**
 * A delegate's process as ADD records it while it runs: enough to find it again after braid was killed (issue 12),
 * and never to take another process for it.
 */
export interface DelegateProcess {
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks after boot): a process given the same pid later has another. */
  startTime: number;
  /** The inode of the pid namespace `pid` is a number in (the daemon's container has its own). */
  pidNs?: number;
  /** "type COMMAND", for logs. */
  plugin?: string;
}

/** What stopping a recorded delegate came to: it had ended, it was killed, or it outlived the wait. */
export type StopOutcome = 'gone' | 'killed' | 'alive';

/** The node's processes, as DEL needs them to stop a delegate an earlier, killed braid left running. */
export interface Processes {
  /**
   * Kills `p` (same pid and start time) with its group, or what of its group it started, when it still runs; waits,
   * bounded. Only processes started for `containerId` (in their environment) count as it.
   */
  stop(p: DelegateProcess, containerId: string): Promise<StopOutcome>;
}

export const PLAN_KIND = 'braidPlanV1';

/** What ADD will do, saved before it does it: DEL undoes exactly this without the pod, NADs or API server. */
/**
 * The keys of an ADD's configuration that decide which networks the pod may have and how many run at once. The
 * runtime's conflist may set them over the daemon's defaults, so they are saved with the plan: a hot-plug of the
 * pod (issue 13) is held to the same rules as its ADD, not to the daemon's own.
 */
export const POLICY_KEYS = [
  'namespaceIsolation',
  'globalNamespaces',
  'defaultNetworkNamespace',
  'systemNamespaces',
  'maxNetworksPerPod',
  'parallelAttach',
  'maxParallelAttachments',
] as const satisfies ReadonlyArray<keyof NodeConfig>;
export type PodPolicy = Pick<NodeConfig, (typeof POLICY_KEYS)[number]>;

export const policyOf = (c: NodeConfig): PodPolicy =>
  Object.fromEntries(POLICY_KEYS.map((k) => [k, c[k]])) as PodPolicy;

export interface SavedPlan {
  kind: typeof PLAN_KIND;
  containerId: string;
  /** The runtime's CNI_IFNAME: braid's own attachment key with the container ID. */
  ifname: string;
  netns: string;
  /** The version the runtime speaks to braid. */
  cniVersion: string;
  /** The runtime's CNI_ARGS. */
  args: CniArgs;
  path: string[];
  pod?: { namespace: string; name: string; uid?: string };
  /** Absent in plans saved before issue 13: a hot-plug then applies the daemon's own configuration. */
  policy?: PodPolicy;
  attachments: PlannedAttachment[];
}

export type PlanRead = { plan: SavedPlan } | { missing: true } | { corrupt: string };

export interface PlanStore {
  /** Durable before it returns: a crash after it leaves a record DEL can use. */
  save(plan: SavedPlan): void;
  read(containerId: string, ifname: string): PlanRead;
  remove(containerId: string, ifname: string): void;
  /** Every readable plan, for GC. */
  list(): SavedPlan[];
  /**
   * ADD's delegates while they run: each recorded before it is given its stdin and forgotten when it exits, so a DEL
   * after braid was killed can stop what is still running (issue 12). Not fsync'd: only a killed braid, never a node
   * crash, leaves a delegate running. A record that cannot be written throws; forgetting never does.
   */
  recordRunning(containerId: string, ifname: string, p: DelegateProcess): void;
  forgetRunning(containerId: string, ifname: string, p: DelegateProcess): void;
  /** The delegates recorded for this attachment key and not forgotten; [] when none can be read. */
  running(containerId: string, ifname: string): DelegateProcess[];
}

export const CACHE_KIND = 'cniCacheV1';

/** One attachment's entry in libcni's result cache. */
export interface CacheEntry {
  kind: typeof CACHE_KIND;
  containerId: string;
  /** base64 of the network config (conflist) bytes, as libcni stores []byte. */
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: CniArgs;
  capabilityArgs?: JsonObject;
  result?: JsonObject;
}

export interface AttachmentKey {
  networkName: string;
  containerId: string;
  ifName: string;
}

export interface ResultCache {
  write(entry: CacheEntry): void;
  read(key: AttachmentKey): CacheEntry | undefined;
  remove(key: AttachmentKey): void;
  listForContainer(containerId: string): CacheEntry[];
  listAll(): CacheEntry[];
}

export interface RouteEditor {
  /** In the pod netns: drop every default route of `family`, then add one via `gw` on `ifname`. */
  setDefaultRoute(netns: string, family: 4 | 6, gw: string, ifname: string): Promise<void>;
}

/** Where a request's pod, NADs, config files, devices and status come from and go, per mode. */
export interface Sources {
  pods?: PodSource;
  /** The pod from a cache only, never the API (for pods whose selection came from the runtime). */
  cachedPod?: (namespace: string, name: string) => PodInfo | undefined;
  nads: NadSource;
  status?: StatusWriter;
  /** Kubernetes modes: the pod must exist and match K8S_POD_UID (local mode attaches default networks only). */
  checkPod?: (pod: PodInfo | undefined, ns: string, name: string, uid: string | undefined) => PodInfo;
  /** Hooks for Kubernetes Events: AddedInterface per attachment, a Warning when ADD fails. */
  onAdded?: (pod: PodRef, status: NetworkStatus[]) => void;
  onAddFailed?: (pod: PodRef, err: Error) => void;
  /** What ADD read past without failing the pod (unknown selection keys, …): a Warning Event each (issue 11). */
  onWarnings?: (pod: PodRef, warnings: string[]) => void;
  /** A DEL that found no record of the container (no plan, Multus record or cache entry): for metrics. */
  onDelWithoutRecord?: () => void;
}

/**
 * A container's attachments as another meta-plugin recorded them before braid took over the node (Multus' cache:
 * issue 11). DEL reads it only when braid has no record of its own, so a pod made before the switch leaks nothing.
 */
export interface ForeignRecord {
  /** Where the record came from, for logs. */
  source: string;
  /** In the order the other plugin attached them: the default network first. */
  attachments: PlannedAttachment[];
  /** Each attachment's cached result (prevResult for DEL), when the other plugin kept one. */
  prevResults: Map<PlannedAttachment, unknown>;
}

export interface ForeignRecords {
  read(containerId: string, ifname: string): ForeignRecord | undefined;
  /** Removes the record and its cached results once every DEL succeeded. */
  remove(containerId: string, record: ForeignRecord): void;
  /** Every container with a record, as the runtime called for it (GC DELs those the runtime no longer lists). */
  containers(): ForeignContainer[];
}

/** A container another plugin recorded, with the runtime's CNI_IFNAME, netns and CNI_ARGS as its cache kept them. */
export interface ForeignContainer {
  containerId: string;
  ifname: string;
  netns: string;
  args: CniArgs;
}

/** The node's files the engine reads: confDir's configs and the device plugins' allocations. */
export interface NodeFiles {
  confFiles(confDir: string): ConfFiles;
  devices(checkpointFile: string, deviceInfoDir: string): DeviceSource;
}

export interface EngineDeps {
  exec: PluginExec;
  processes: Processes;
  files: NodeFiles;
  plans: PlanStore;
  cache: ResultCache;
  /** Records left by Multus, read by DEL when braid has none (absent: not looked for). */
  foreign?: ForeignRecords;
  routes: RouteEditor;
  status?: StatusWriter;
  log: Logger;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}
