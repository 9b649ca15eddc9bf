// Dynamic networks (issue 13, docs/adr/0020-dynamic-networks.md): what a running pod's attachments and the networks
// its annotation now asks for differ by. Pure: nothing here runs a plugin or reads a file.
//
// Matching, in two passes over the wanted selections: one that names an interface matches the attachment of the same
// network (namespace and name) on that interface; one that names none matches the first attachment of the same
// network not matched yet (the k-th of a network to the k-th, in order). A match whose other fields (ips, mac, …)
// changed is removed and added again on the same interface, and one marked `addFailed` is removed and added again.
// The default network and the configured networks (those without a selection) are never part of it.
import { toCniError } from '../cni/errors.js';
import { ifnameAt } from './networks.js';
import {
  checkIsolation,
  checkNetworkCount,
  checkPlan,
  deviceAllocator,
  planSelection,
  type PlanInput,
  type PlannedAttachment,
} from './plan.js';
import { parseSelections } from './selection.js';
import type { SelectionElement } from './selection-fields.js';
import { ANNOTATIONS } from './sources.js';

export interface NetworkDiff {
  /** Per wanted selection, in order: the attachment it keeps, or undefined when it is to be attached. */
  keep: Array<PlannedAttachment | undefined>;
  /** Attachments no longer wanted (or wanted with other fields), in their plan order. */
  remove: PlannedAttachment[];
  /** The wanted selections to attach: their index and the interface each gets. */
  add: Array<{ index: number; ifname: string }>;
}

export interface DiffInput {
  /** The attachments the annotation made (those with a selection), in plan order. */
  old: PlannedAttachment[];
  wanted: SelectionElement[];
  /** Interfaces that stay whatever the annotation says (the default network's, the configured networks'). */
  fixed: string[];
  /** The runtime's CNI_IFNAME, for positional names (ifnameAt). */
  runtimeIfname: string;
}

const networkOf = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;

/** Everything of a selection but its interface: what a delegate is asked for. */
const fieldsOf = (s: SelectionElement | undefined) =>
  JSON.stringify(
    Object.entries(s ?? {})
      .filter(([k]) => k !== 'interface')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

/** Which old attachment each wanted selection matches (index into `old`), or -1. */
function match(old: PlannedAttachment[], wanted: SelectionElement[]): number[] {
  const taken = new Set<number>();
  const out = wanted.map(() => -1);
  const claim = (i: number, ok: (a: PlannedAttachment) => boolean) => {
    // An attachment kept as `addFailed` (a failed addition whose undo failed too) matches nothing: it is removed
    // (DEL again) and the selection added again, so it is retried rather than counted as made.
    const j = old.findIndex((a, k) => !taken.has(k) && !a.addFailed && a.name === networkOf(wanted[i]!) && ok(a));
    if (j < 0) return;
    taken.add(j);
    out[i] = j;
  };
  wanted.forEach((s, i) => s.interface && claim(i, (a) => a.ifname === s.interface));
  wanted.forEach((s, i) => !s.interface && claim(i, (a) => !a.selection?.interface));
  // A selection that named no interface may still match one that did (the same network, left where it is).
  wanted.forEach((s, i) => !s.interface && out[i] === -1 && claim(i, () => true));
  return out;
}

/** The interface a new attachment gets: the one it names, the one it replaces, its positional name, else a free one. */
function ifnameFor(
  sel: SelectionElement,
  at: { position: number; replaced: string | undefined; runtimeIfname: string },
  used: Set<string>,
) {
  if (sel.interface) return sel.interface;
  if (at.replaced) return at.replaced;
  const positional = ifnameAt(at.position, at.runtimeIfname);
  if (!used.has(positional)) return positional;
  let k = 1;
  while (used.has(`net${k}`)) k++;
  return `net${k}`;
}

export function diffNetworks({ old, wanted, fixed, runtimeIfname }: DiffInput): NetworkDiff {
  const matched = match(old, wanted);
  const keep = matched.map((j, i) =>
    j >= 0 && fieldsOf(old[j]!.selection) === fieldsOf(wanted[i]) ? old[j] : undefined,
  );
  const kept = new Set(keep.filter((a): a is PlannedAttachment => a !== undefined));
  const remove = old.filter((a) => !kept.has(a));
  // Names in use once the removals are made: the fixed ones, the kept ones, and those named by the selections.
  const used = new Set([
    ...fixed,
    ...[...kept].map((a) => a.ifname),
    ...wanted.flatMap((s) => (s.interface ? [s.interface] : [])),
  ]);
  const add: NetworkDiff['add'] = [];
  wanted.forEach((sel, i) => {
    if (keep[i]) return;
    const replaced = matched[i]! >= 0 ? old[matched[i]!]!.ifname : undefined;
    const ifname = ifnameFor(sel, { position: fixed.length + i, replaced, runtimeIfname }, used);
    used.add(ifname);
    add.push({ index: i, ifname });
  });
  return { keep, remove, add };
}

export interface HotplugPlan {
  /** The plan's attachments once the hot-plug is made, in order: fixed ones, then one per wanted selection. */
  attachments: PlannedAttachment[];
  remove: PlannedAttachment[];
  /** The attachments to make (members of `attachments`). */
  add: PlannedAttachment[];
  warnings: string[];
}

/** The selections the pod's annotation asks for now, with the pod named in a parse error. */
function wantedSelections(input: PlanInput & { pod: NonNullable<PlanInput['pod']> }, warnings: string[]) {
  const { pod } = input;
  try {
    return parseSelections(pod.annotations[ANNOTATIONS.networks] ?? '', pod.namespace, warnings);
  } catch (err) {
    throw toCniError(err).withContext({
      pod: `${pod.namespace}/${pod.name}`,
      where: [`annotation ${ANNOTATIONS.networks}`],
    });
  }
}

/**
 * What a hot-plug does to `current` (a saved plan's attachments) for the pod's annotation as it is now; undefined when
 * nothing. Only the selections to add are planned (ADD's own planSelection: isolation, NADs that exist), so a kept
 * network whose NAD was deleted blocks nothing; the count (maxNetworksPerPod) and namespaceIsolation are checked for
 * every wanted selection, and the plan's checks for the whole result, so an edit ADD would refuse fails here, before
 * anything is touched. Device IDs (resourceName) are handed out only from those no kept attachment holds.
 */
export async function planHotplug(
  input: PlanInput & { pod: NonNullable<PlanInput['pod']> },
  current: PlannedAttachment[],
): Promise<HotplugPlan | undefined> {
  const warnings: string[] = [];
  const fixed = current.filter((a) => !a.selection);
  const old = current.filter((a) => a.selection);
  const wanted = wantedSelections(input, warnings);
  const diff = diffNetworks({ old, wanted, fixed: fixed.map((a) => a.ifname), runtimeIfname: input.ifname });
  if (!diff.remove.length && !diff.add.length) return undefined;
  checkNetworkCount(input, fixed.length, wanted.length);
  for (const sel of wanted) checkIsolation(input, sel);
  const held = diff.keep.flatMap((a) => (a?.deviceId ? [a.deviceId] : []));
  const takeDevice = deviceAllocator(input, held);
  const fresh = new Map<number, PlannedAttachment>();
  for (const { index, ifname } of diff.add)
    fresh.set(index, await planSelection(input, wanted[index]!, ifname, takeDevice));
  const attachments = [...fixed, ...wanted.map((_, i) => diff.keep[i] ?? fresh.get(i)!)];
  checkPlan(input.pod, attachments);
  return { attachments, remove: diff.remove, add: [...fresh.values()], warnings };
}
