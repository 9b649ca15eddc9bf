// The whole attachment plan, computed before any plugin runs: a plan error (unknown NAD, bad
// annotation, isolation violation) fails ADD with nothing attached.
import { isIP } from 'node:net';
import { type CniArgs, getArg } from '../cni/args.js';
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import type { JsonObject, NetConfList } from '../cni/types.js';
import { applySelection, confFromNad } from './delegate.js';
import { configuredNetworks, ifnameAt, resolveConfigured } from './networks.js';
import type { NodeConfig } from './node-config.js';
import { parseSelections } from './selection.js';
import { ANNOTATIONS, type ConfFiles, type DeviceSource, type NadSource, type PodInfo } from './sources.js';
import type { SelectionElement } from './selection-fields.js';

export interface PlannedAttachment {
  /** network-status name: `ns/nad` for NADs, the config name otherwise. */
  name: string;
  ifname: string;
  isDefault: boolean;
  conf: NetConfList;
  capabilityArgs: JsonObject;
  extraArgs: CniArgs;
  selection?: SelectionElement;
  resourceName?: string;
  deviceId?: string;
  /** Set when this attachment's ADD failed and its rollback DEL did too: a later DEL tries again, best effort. */
  addFailed?: boolean;
  /**
   * Set (with `addFailed`) while a hot-plug attaches it (issue 13): in a plan a crash left, it may be half made; the
   * next hot-plug undoes it first (engine/hotplug.ts).
   */
  hotplug?: 'adding';
}

export interface PlanInput {
  config: NodeConfig;
  ifname: string;
  args: CniArgs;
  pod?: PodInfo;
  nads: NadSource;
  files: ConfFiles;
  devices?: DeviceSource;
}

const podRef = (pod?: PodInfo) => (pod ? `pod ${pod.namespace}/${pod.name}` : 'pod');
const planError = (pod: PodInfo | undefined, msg: string) =>
  new CniError(ErrorCode.InvalidConfig, `${podRef(pod)}: ${msg}`);

export interface Plan {
  attachments: PlannedAttachment[];
  /** What the plan read past without failing the pod (unknown selection keys): one sentence each. */
  warnings: string[];
}

async function defaultNetwork(input: PlanInput, warnings: string[]): Promise<{ name: string; conf: NetConfList }> {
  const { config, pod } = input;
  const override = pod?.annotations[ANNOTATIONS.defaultNetwork];
  if (override) {
    const found: string[] = [];
    const sels = parseSelections(override, config.defaultNetworkNamespace, found);
    warnings.push(...found.map((w) => `annotation ${ANNOTATIONS.defaultNetwork}: ${w}`));
    if (sels.length !== 1)
      throw planError(pod, `annotation ${ANNOTATIONS.defaultNetwork} must name exactly one network`);
    const sel = sels[0]!;
    // The override's own namespace is where the admin keeps default networks (Multus' multusNamespace).
    checkIsolation(input, sel, [config.defaultNetworkNamespace], `annotation ${ANNOTATIONS.defaultNetwork}: `);
    const nad = await input.nads.getNad(sel.namespace, sel.name);
    if (!nad)
      throw planError(pod, `default network ${sel.namespace}/${sel.name}: NetworkAttachmentDefinition not found`);
    const conf = confFromNad(nad, input.files);
    return { name: conf.name, conf };
  }
  const first = configuredNetworks(config)[0];
  if (first) {
    const conf = await resolveConfigured(first, config, input);
    return { name: conf.name, conf };
  }
  throw new CniError(
    ErrorCode.InvalidConfig,
    'braid has no default network: set "clusterNetwork" or "delegates" in its configuration',
  );
}

/**
 * namespaceIsolation, for every network a pod names: its own namespace and `globalNamespaces`, plus `alsoAllowed`
 * (the default-network override may also name the admin's `defaultNetworkNamespace`). Issue 12: the override was
 * not checked at all, so `v1.multus-cni.io/default-network: other-ns/nad` attached another tenant's NAD as eth0.
 */
export function checkIsolation(input: PlanInput, sel: SelectionElement, alsoAllowed: string[] = [], prefix = ''): void {
  const { config, pod } = input;
  if (!config.namespaceIsolation || !pod || sel.namespace === pod.namespace) return;
  const allowed = [...config.globalNamespaces, ...alsoAllowed];
  if (allowed.includes(sel.namespace)) return;
  throw planError(
    pod,
    `${prefix}network ${sel.namespace}/${sel.name}: namespaceIsolation allows pods in "${pod.namespace}" to use networks only from "${pod.namespace}" or [${[...new Set(allowed)].join(', ')}]`,
  );
}

/**
 * Hands out the kubelet's device IDs for a resource, one per attachment that uses it, in order; never one in `held`
 * (a hot-plug's kept attachments' devices).
 */
export function deviceAllocator(input: PlanInput, held: readonly string[] = []) {
  const used = new Map<string, number>();
  const uid = getArg(input.args, 'K8S_POD_UID') || input.pod?.uid;
  return (resourceName: string): string | undefined => {
    if (!input.devices || !uid) return undefined;
    const ids = input.devices.deviceIds(uid, resourceName).filter((id) => !held.includes(id));
    const next = used.get(resourceName) ?? 0;
    used.set(resourceName, next + 1);
    return ids[next];
  };
}

/** The annotation's attachments, planned as ADD plans them (hot-plug too: core/network-diff.ts). */
async function podAttachments(input: PlanInput, firstIndex: number, warnings: string[]) {
  const { pod } = input;
  const annotation = pod?.annotations[ANNOTATIONS.networks];
  if (!pod || !annotation) return [];
  let selections: SelectionElement[];
  try {
    selections = parseSelections(annotation, pod.namespace, warnings);
  } catch (err) {
    throw toCniError(err).withContext({
      pod: `${pod.namespace}/${pod.name}`,
      where: [`annotation ${ANNOTATIONS.networks}`],
    });
  }
  checkNetworkCount(input, firstIndex, selections.length);
  const takeDevice = deviceAllocator(input);
  const out: PlannedAttachment[] = [];
  for (const [i, sel] of selections.entries())
    out.push(await planSelection(input, sel, sel.interface ?? ifnameAt(firstIndex + i, input.ifname), takeDevice));
  return out;
}

/** maxNetworksPerPod: `count` annotation networks after `firstIndex` configured ones. */
export function checkNetworkCount(input: PlanInput, firstIndex: number, count: number): void {
  const max = input.config.maxNetworksPerPod;
  if (firstIndex + count > max)
    throw planError(
      input.pod,
      `annotation ${ANNOTATIONS.networks} asks for ${count} networks; with the ${firstIndex} configured ones that is more than the ${max} a pod may have (maxNetworksPerPod)`,
    );
}

/** One selection of the annotation, planned on `ifname` (ADD's, and a hot-plug's for each new one). */
export async function planSelection(
  input: PlanInput,
  sel: SelectionElement,
  ifname: string,
  takeDevice: (resourceName: string) => string | undefined,
): Promise<PlannedAttachment> {
  const pod = input.pod!;
  checkIsolation(input, sel);
  const nad = await input.nads.getNad(sel.namespace, sel.name);
  if (!nad) throw planError(pod, `network ${sel.namespace}/${sel.name}: NetworkAttachmentDefinition not found`);
  let conf: NetConfList;
  try {
    conf = confFromNad(nad, input.files);
  } catch (err) {
    throw toCniError(err).withContext({ pod: `${pod.namespace}/${pod.name}` });
  }
  const resourceName = nad.annotations[ANNOTATIONS.resourceName];
  const deviceId = resourceName ? takeDevice(resourceName) : undefined;
  const d = applySelection(conf, sel, deviceId);
  const att: PlannedAttachment = {
    name: `${sel.namespace}/${sel.name}`,
    ifname,
    isDefault: false,
    ...d,
    selection: sel,
  };
  if (resourceName) att.resourceName = resourceName;
  if (deviceId) att.deviceId = deviceId;
  return att;
}

export function checkPlan(pod: PodInfo | undefined, atts: PlannedAttachment[]): void {
  const seen = new Map<string, string>();
  for (const a of atts) {
    const other = seen.get(a.ifname);
    if (other)
      throw planError(
        pod,
        `networks ${other} and ${a.name} both use interface "${a.ifname}": give one an explicit interface name`,
      );
    seen.set(a.ifname, a.name);
  }
  const gws = atts.flatMap((a) => a.selection?.['default-route'] ?? []);
  for (const fam of [4, 6]) {
    if (gws.filter((g) => isIP(g) === fam).length > 1) {
      throw planError(
        pod,
        `more than one IPv${fam} "default-route" was requested; a pod has one default route per address family`,
      );
    }
  }
}

export async function planAttachments(input: PlanInput): Promise<Plan> {
  const { config, pod } = input;
  if (config.clusterNetwork && config.delegates.length) {
    throw new CniError(
      ErrorCode.InvalidConfig,
      'braid configuration sets both "clusterNetwork" and "delegates"; keep one',
    );
  }
  const warnings: string[] = [];
  const def = await defaultNetwork(input, warnings);
  const atts: PlannedAttachment[] = [
    {
      name: def.name,
      ifname: input.ifname,
      isDefault: true,
      conf: def.conf,
      capabilityArgs: config.runtimeConfig,
      extraArgs: [],
    },
  ];
  // The configured networks after the default one; the default network may have been overridden by the pod.
  for (const n of configuredNetworks(config, !pod || !config.systemNamespaces.includes(pod.namespace)).slice(1)) {
    const conf = await resolveConfigured(n, config, input);
    atts.push({
      name: conf.name,
      ifname: ifnameAt(atts.length, input.ifname),
      isDefault: false,
      conf,
      capabilityArgs: {},
      extraArgs: [],
    });
  }
  atts.push(...(await podAttachments(input, atts.length, warnings)));
  checkPlan(pod, atts);
  return { attachments: atts, warnings };
}
