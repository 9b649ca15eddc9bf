// GET /explain?namespace=NS&pod=NAME on the daemon's socket (mode 0600: root on the node), for `braid explain
// --socket`. The plan ADD makes for a pod of this node, by the planner `braid explain --kubeconfig` runs
// (core/explain-plan.ts), from the informer caches (no API request: a pod not in them is 404, with "did you mean")
// and the node's own files; with what only the daemon knows: whether dynamicNetworks is on, and the pod's saved plans
// (one per sandbox) with what the next hot-plug will do to each. Nothing of this is loaded on the CNI path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import type { JsonObject } from '../cni/types.js';
import { braidEntry, explainPlan, hotplugPreview, ON_NODE, type HotplugPreview } from '../core/explain-plan.js';
import { parseNodeConfig, withNodeDefaults, type NodeConfig } from '../core/node-config.js';
import type { PlannedAttachment } from '../core/plan.js';
import { ANNOTATIONS, type Nad, type NadSource } from '../core/sources.js';
import { closest } from '../core/suggest.js';
import type { SavedPlan } from '../engine/ports.js';
import type { CachedPod } from '../k8s/trim.js';
import { confDirFiles } from '../store/conf-files.js';
import { checkpointDevices } from '../store/devices.js';
import { FilePlanStore } from '../store/plan-store.js';
import type { DaemonConfig } from './config.js';

export const EXPLAIN_PATH = '/explain';

/** The node's CNI config as `braid install` names it (install/node-conflist.ts), looked for in the daemon's confDir. */
const NODE_CONFLIST = '00-braid.conflist';

/** The informer caches, read and nothing else (daemon/cluster.ts). */
export interface ExplainCaches {
  synced(): boolean;
  pods(): Iterable<CachedPod>;
  pod(namespace: string, name: string): CachedPod | undefined;
  nad(namespace: string, name: string): Nad | undefined;
  nads(): Iterable<Nad>;
}

/** One saved plan of the pod: a sandbox braid attached (normally one per pod). */
export interface SandboxJson {
  containerId: string;
  /** The runtime's CNI_IFNAME. */
  ifname: string;
  netns: string;
  attachments: Array<{ interface: string; network: string; default: boolean; hotplug?: 'adding' }>;
  /** Some attachment is being hot-plugged (or a hot-plug a crash cut short left it half made). */
  hotplugging: boolean;
  /** What the next hot-plug does, when the pod's annotation differs from this plan (dynamicNetworks on). */
  nextHotplug?: HotplugPreview;
}

/** The answer: explainPlan's output (the Map as an object) and the daemon's own. */
export interface ExplainReply {
  pod: { namespace: string; name: string; uid?: string };
  plan: {
    attachments: PlannedAttachment[];
    warnings: string[];
    errors: string[];
    /** By attachment index: why its NAD could not be used. */
    unavailable: Record<string, string>;
  };
  /** The pod's network-status annotation, as its text. */
  networkStatus?: string;
  /** Where the node configuration came from: the node's conflist, else the daemon's own configuration. */
  nodeConfig: string;
  dynamicNetworks: boolean;
  sandboxes: SandboxJson[];
}

export interface GetReply {
  status: number;
  body: unknown;
}

export interface ExplainEndpointOptions {
  cfg: DaemonConfig;
  caches: ExplainCaches;
  /** The daemon's node keys: the defaults under the node's conflist, as for a CNI request (serve.ts). */
  nodeDefaults: JsonObject;
}

const fail = (status: number, err: CniError): GetReply => ({ status, body: err.toJSON() });

/** A primary network only the node's conflist names: the stand-in `braid explain` shows as such. */
function withPrimary(config: NodeConfig): NodeConfig {
  if (config.delegates.length || config.clusterNetwork) return config;
  return { ...config, delegates: [{ cniVersion: '', name: 'primary', type: ON_NODE }] };
}

/** The configuration ADD runs with: the node's conflist over the daemon's keys; the daemon's alone without one. */
function nodeConfigOf(o: ExplainEndpointOptions): { config: NodeConfig; from: string } {
  const file = join(o.cfg.node.confDir, NODE_CONFLIST);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { config: withPrimary(o.cfg.node), from: "the daemon's configuration" };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CniError(ErrorCode.InvalidConfig, `cannot read ${file}: ${(err as Error).message}`);
  }
  return {
    config: withPrimary(parseNodeConfig(withNodeDefaults(braidEntry(parsed, file), o.nodeDefaults))),
    from: file,
  };
}

const ofPod = (pod: CachedPod) => (plan: SavedPlan) =>
  plan.pod?.namespace === pod.namespace &&
  plan.pod.name === pod.name &&
  (!pod.uid || !plan.pod.uid || plan.pod.uid === pod.uid);

/** The pod's saved plans, each with what the next hot-plug does to it when dynamicNetworks is on. */
function sandboxesOf(o: ExplainEndpointOptions, pod: CachedPod): SandboxJson[] {
  return new FilePlanStore(o.cfg.node.cacheDir)
    .list()
    .filter(ofPod(pod))
    .map((plan) => {
      const next = o.cfg.node.dynamicNetworks ? hotplugPreview(plan.attachments, pod, plan.ifname) : undefined;
      return {
        containerId: plan.containerId,
        ifname: plan.ifname,
        netns: plan.netns,
        attachments: plan.attachments.map((a) => ({
          interface: a.ifname,
          network: a.name,
          default: a.isDefault,
          ...(a.hotplug ? { hotplug: a.hotplug } : {}),
        })),
        hotplugging: plan.attachments.some((a) => a.hotplug === 'adding'),
        ...(next ? { nextHotplug: next } : {}),
      };
    });
}

function notCached(caches: ExplainCaches, namespace: string, name: string): GetReply {
  const names = [...caches.pods()].filter((p) => p.namespace === namespace).map((p) => p.name);
  const near = closest(name, names, 2);
  return fail(
    404,
    new CniError(
      ErrorCode.InvalidConfig,
      `pod ${namespace}/${name} is not in the daemon's cache of this node's pods${near ? `; did you mean "${near}"?` : ''}`,
    ),
  );
}

async function explainCached(o: ExplainEndpointOptions, pod: CachedPod): Promise<ExplainReply> {
  const { caches } = o;
  const nads: NadSource = { getNad: async (ns, name) => caches.nad(ns, name) };
  const nadNames = async (ns: string) => [...caches.nads()].filter((n) => n.namespace === ns).map((n) => n.name);
  const { config, from } = nodeConfigOf(o);
  const args: Array<[string, string]> = [
    ['K8S_POD_NAMESPACE', pod.namespace],
    ['K8S_POD_NAME', pod.name],
  ];
  if (pod.uid) args.push(['K8S_POD_UID', pod.uid]);
  const devices = checkpointDevices(config.deviceCheckpointFile, config.deviceInfoDir);
  const files = confDirFiles(config.confDir);
  const plan = await explainPlan({ config, ifname: 'eth0', args, pod, nads, files, devices }, nadNames);
  const status = pod.annotations[ANNOTATIONS.networkStatus];
  return {
    pod: { namespace: pod.namespace, name: pod.name, ...(pod.uid ? { uid: pod.uid } : {}) },
    plan: { ...plan, unavailable: Object.fromEntries(plan.unavailable) },
    ...(status !== undefined ? { networkStatus: status } : {}),
    nodeConfig: from,
    dynamicNetworks: o.cfg.node.dynamicNetworks === true,
    sandboxes: sandboxesOf(o, pod),
  };
}

/** The endpoint: 200 with an ExplainReply; 400, 404 (not cached), 422 (no plan at all) or 503 with a CNI error. */
export function explainEndpoint(o: ExplainEndpointOptions): (query: URLSearchParams) => Promise<GetReply> {
  return async (query) => {
    const [namespace, name] = [query.get('namespace') || 'default', query.get('pod')];
    if (!name) return fail(400, new CniError(ErrorCode.InvalidConfig, 'name the pod: /explain?namespace=NS&pod=NAME'));
    if (!o.caches.synced())
      return fail(503, new CniError(ErrorCode.TryAgainLater, "the daemon's informer caches are not synced yet"));
    const pod = o.caches.pod(namespace, name);
    if (!pod) return notCached(o.caches, namespace, name);
    try {
      return { status: 200, body: await explainCached(o, pod) };
    } catch (err) {
      return fail(422, toCniError(err));
    }
  };
}
