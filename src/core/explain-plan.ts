// `braid explain`: the plan ADD makes for a pod, and when ADD would fail, still the rest of it with every network's
// own error. planAttachments is the one planner: it is run as ADD runs it, then (when that fails) once more with
// namespaceIsolation off and a stand-in for each NAD the pod names that is missing or broken, and once per network
// the pod names, so that each error is ADD's own words for that network.
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { confFromNad } from './delegate.js';
import { diffNetworks } from './network-diff.js';
import { planAttachments, type PlanInput, type PlannedAttachment } from './plan.js';
import { parseSelections } from './selection.js';
import type { SelectionElement } from './selection-fields.js';
import { ANNOTATIONS, type Nad, type NadSource, type PodInfo } from './sources.js';
import { closest } from './suggest.js';

export interface Explained {
  attachments: PlannedAttachment[];
  /** What ADD reads past without failing the pod (unknown selection keys). */
  warnings: string[];
  /** What ADD would fail the pod with: one sentence per network at fault; empty when ADD would go ahead. */
  errors: string[];
  /** Attachments planned with a stand-in (their NAD is missing or broken), by index: the error that is why. */
  unavailable: Map<number, string>;
}

/** The NAD names of a namespace, for "did you mean". */
export type NadNames = (namespace: string) => Promise<string[]>;

/** A NAD source that reads each NAD once (the extra planning runs ask again). */
function remembering(nads: NadSource): NadSource {
  const seen = new Map<string, Promise<Nad | undefined>>();
  return {
    getNad(ns, name) {
      const key = `${ns}/${name}`;
      let got = seen.get(key);
      if (!got) seen.set(key, (got = nads.getNad(ns, name)));
      return got;
    },
  };
}

/** The networks the pod's annotations name (ADD has parsed them by the time a NAD can be missing). */
function namedByPod(pod: PodInfo, defaultNamespace: string): { networks: SelectionElement[]; override?: string } {
  const sel = (raw: string | undefined, ns: string) => (raw ? parseSelections(raw, ns) : []);
  const networks = sel(pod.annotations[ANNOTATIONS.networks], pod.namespace);
  const over = sel(pod.annotations[ANNOTATIONS.defaultNetwork], defaultNamespace)[0];
  return over ? { networks, override: `${over.namespace}/${over.name}` } : { networks };
}

const standIn = (namespace: string, name: string): Nad => ({
  namespace,
  name,
  annotations: {},
  config: '{"type":"unavailable"}',
});

/** The pod's NADs as ADD reads them, with a stand-in for each one that is missing or broken (recorded in `bad`). */
function lenient(input: PlanInput, named: Set<string>, bad: Map<string, 'missing' | 'broken'>): NadSource {
  return {
    async getNad(ns, name) {
      const key = `${ns}/${name}`;
      const nad = await input.nads.getNad(ns, name);
      if (!named.has(key)) return nad;
      if (!nad) bad.set(key, 'missing');
      else {
        try {
          confFromNad(nad, input.files);
          return nad;
        } catch {
          bad.set(key, 'broken');
        }
      }
      return standIn(ns, name);
    },
  };
}

/** ADD's error for a pod that names only this one network (or only this default-network override); none if fine. */
async function aloneError(input: PlanInput, annotation: string, value: string): Promise<string | undefined> {
  const pod = input.pod!;
  const annotations = { ...pod.annotations };
  delete annotations[ANNOTATIONS.networks];
  delete annotations[ANNOTATIONS.defaultNetwork];
  annotations[annotation] = value;
  try {
    await planAttachments({ ...input, pod: { ...pod, annotations } });
    return undefined;
  } catch (err) {
    if (err instanceof CniError) return err.message;
    throw err;
  }
}

async function hinted(message: string, key: string, missing: boolean, names?: NadNames): Promise<string> {
  if (!missing || !names) return message;
  const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
  const near = closest(name, await names(ns), name.length > 4 ? 2 : 1);
  return near ? `${message}; did you mean "${near}"?` : message;
}

/** Each network's own error, in the pod's order (the override first), with "did you mean" for a missing NAD. */
async function networkErrors(
  input: PlanInput,
  named: ReturnType<typeof namedByPod>,
  bad: Map<string, 'missing' | 'broken'>,
  names?: NadNames,
): Promise<string[]> {
  const pod = input.pod!;
  const runs: Array<[string, string, string]> = named.override
    ? [[ANNOTATIONS.defaultNetwork, pod.annotations[ANNOTATIONS.defaultNetwork]!, named.override]]
    : [];
  for (const sel of named.networks)
    runs.push([ANNOTATIONS.networks, JSON.stringify([sel]), `${sel.namespace}/${sel.name}`]);
  const out: string[] = [];
  for (const [annotation, value, key] of runs) {
    const err = await aloneError(input, annotation, value);
    if (err) out.push(await hinted(err, key, bad.get(key) === 'missing', names));
  }
  return [...new Set(out)];
}

/**
 * The plan for `input.pod`. A plan error that leaves no plan at all (an annotation that does not parse, two
 * networks on one interface, a broken default network) is thrown, as ADD throws it.
 */
export async function explainPlan(input: PlanInput, names?: NadNames): Promise<Explained> {
  const nads = remembering(input.nads);
  const strict: PlanInput = { ...input, nads };
  let addError: CniError;
  try {
    const plan = await planAttachments(strict);
    return { ...plan, errors: [], unavailable: new Map() };
  } catch (err) {
    if (!(err instanceof CniError) || !input.pod) throw err;
    addError = err;
  }
  const pod = input.pod;
  let named: ReturnType<typeof namedByPod>;
  try {
    named = namedByPod(pod, input.config.defaultNetworkNamespace);
  } catch {
    throw addError;
  }
  const keys = new Set([
    ...named.networks.map((s) => `${s.namespace}/${s.name}`),
    ...(named.override ? [named.override] : []),
  ]);
  const bad = new Map<string, 'missing' | 'broken'>();
  const config = { ...input.config, namespaceIsolation: false };
  let plan;
  try {
    plan = await planAttachments({ ...strict, config, nads: lenient(strict, keys, bad) });
  } catch {
    throw addError;
  }
  const errors = await networkErrors(strict, named, bad, names);
  const unavailable = new Map<number, string>();
  plan.attachments.forEach((a, i) => {
    const key = a.selection ? `${a.selection.namespace}/${a.selection.name}` : a.isDefault ? named.override : undefined;
    const why = key && bad.get(key);
    if (why) unavailable.set(i, `NetworkAttachmentDefinition ${key} is ${why}`);
  });
  return { ...plan, errors: errors.length ? errors : [addError.message], unavailable };
}

/**
 * The plugin type of the stand-in for a config that is a file on the node when explain cannot read it (the primary
 * network, a NAD whose spec.config is empty): shown as such, never as a config.
 */
export const ON_NODE = 'braid-explain-on-the-node';

/** What dynamic networks do, as `braid explain` says it when `dynamicNetworks` is on. */
export const HOTPLUG_HOW =
  `dynamicNetworks is on: editing the pod's ${ANNOTATIONS.networks} annotation attaches the networks added to it ` +
  'and removes those taken out, live (docs/dynamic-networks.md)';

/** One attachment as a hot-plug preview names it. */
export interface Attachment {
  interface: string;
  network: string;
}

/** What the next hot-plug of a sandbox will do; `error` when the annotation does not parse (nothing is done then). */
export type HotplugPreview = { remove: Attachment[]; add: Attachment[] } | { error: string };

/**
 * What the next hot-plug does to a saved plan's `attachments` for the pod's annotation as it is now, by the hot-plug's
 * own pure diff (core/network-diff.ts); undefined when nothing. Attachments a crash left half made (`hotplug:
 * 'adding'`) are undone first and made again, as engine/hotplug.ts does. Whether the NADs exist and the plan's
 * checks pass is the explain plan's own errors (a hot-plug that fails them changes nothing).
 */
export function hotplugPreview(
  attachments: PlannedAttachment[],
  pod: PodInfo,
  runtimeIfname: string,
): HotplugPreview | undefined {
  let wanted: SelectionElement[];
  try {
    wanted = parseSelections(pod.annotations[ANNOTATIONS.networks] ?? '', pod.namespace);
  } catch (err) {
    if (err instanceof CniError) return { error: err.message };
    throw err;
  }
  const settled = attachments.filter((a) => a.hotplug !== 'adding');
  const diff = diffNetworks({
    old: settled.filter((a) => a.selection),
    wanted,
    fixed: settled.filter((a) => !a.selection).map((a) => a.ifname),
    runtimeIfname,
  });
  const unfinished = attachments.filter((a) => a.hotplug === 'adding');
  if (!diff.remove.length && !diff.add.length && !unfinished.length) return undefined;
  return {
    remove: [...unfinished, ...diff.remove].map((a) => ({ interface: a.ifname, network: a.name })),
    add: diff.add.map(({ index, ifname }) => ({
      interface: ifname,
      network: `${wanted[index]!.namespace}/${wanted[index]!.name}`,
    })),
  };
}

/**
 * braid's configuration in a node's CNI config file: the file itself, or (a .conflist, as `braid install` writes it)
 * its plugin of type braid with the list's name and cniVersion, as the runtime passes it on stdin.
 */
export function braidEntry(parsed: unknown, where: string): JsonObject {
  if (isObject(parsed) && Array.isArray(parsed.plugins)) {
    const entry = parsed.plugins.find((p) => isObject(p) && p.type === 'braid');
    if (!isObject(entry)) throw new CniError(ErrorCode.InvalidConfig, `${where} has no plugin of type "braid"`);
    return { cniVersion: parsed.cniVersion, name: parsed.name, ...entry };
  }
  if (!isObject(parsed)) throw new CniError(ErrorCode.InvalidConfig, `${where} must hold a JSON object`);
  return parsed;
}
