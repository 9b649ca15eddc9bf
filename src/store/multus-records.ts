// What Multus left on a node braid took over (issue 11): per container, `<cniDir>/<containerID>`, a JSON array of
// its delegates in ADD order (Go field names: "Conf", "ConfList", "Name", "Bytes" = base64 of the raw config, and
// the optional "ifnameRequest"), and libcni's result cache `<cniDir>/results/<network>-<containerID>-<ifname>`.
// DEL reads it only when braid has no plan, so a pod Multus attached is torn down without leaking an address.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toConfList } from '../cni/conflist.js';
import { CniError, ErrorCode } from '../cni/errors.js';
import { MAX_STDIN_DEPTH } from '../cni/request.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { containerIdProblem, interfaceNameProblem } from '../cni/validate.js';
import { boundsProblem } from '../core/bounds.js';
import type { PlannedAttachment } from '../core/plan.js';
import type { ForeignContainer, ForeignRecord, ForeignRecords } from '../engine/ports.js';
import { FileResultCache } from './result-cache.js';

const corrupt = (path: string, why: string) =>
  new CniError(ErrorCode.DecodeFailure, `Multus record ${path} is unreadable: ${why}`);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The delegate's config: the raw bytes Multus kept, else its parsed conflist or conf. */
function configOf(d: JsonObject): unknown {
  if (typeof d.Bytes === 'string' && d.Bytes !== '') return JSON.parse(Buffer.from(d.Bytes, 'base64').toString('utf8'));
  if (isObject(d.ConfList) && Array.isArray(d.ConfList.plugins) && d.ConfList.plugins.length) return d.ConfList;
  return d.Conf;
}

/**
 * Multus' own rule: the interface the selection asked for, else the runtime's for the first delegate, else net<i>.
 * The record is a file on the node, not a promise: an ifname the runtime could not have sent (CNI_IFNAME's rules)
 * makes the record unusable, since it names the result cache's file ("/../../x" is outside it) and the delegates'
 * CNI_IFNAME (issue 12).
 */
function ifnameOf(d: JsonObject, index: number, runtimeIfname: string, path: string): string {
  const requested = typeof d.ifnameRequest === 'string' && d.ifnameRequest !== '' ? d.ifnameRequest : undefined;
  const ifname = requested ?? (index === 0 ? runtimeIfname : `net${index}`);
  const problem = interfaceNameProblem(ifname);
  if (problem) throw corrupt(path, `delegate ${index}: interface name ${JSON.stringify(ifname)} ${problem}`);
  return ifname;
}

/** libcni's result cache beside the record (Multus set its cacheDir to its cniDir). */
const resultsBeside = (record: string) => new FileResultCache(dirname(record));
const keyOf = (att: PlannedAttachment, containerId: string) => ({
  networkName: att.conf.name,
  containerId,
  ifName: att.ifname,
});

function attachmentOf(d: unknown, i: number, path: string, ifname: string): PlannedAttachment {
  if (!isObject(d)) throw corrupt(path, `delegate ${i} is not an object`);
  let conf;
  try {
    const raw = configOf(d);
    // what the delegates get is marshalled by recursive code: a config nested thousands deep is no config
    const deep = boundsProblem(raw, Infinity, MAX_STDIN_DEPTH);
    if (deep) throw new Error(`the config ${deep}`);
    conf = toConfList(raw, `Multus record ${path}, delegate ${i}`);
  } catch (err) {
    throw err instanceof CniError ? err : corrupt(path, `delegate ${i}: ${(err as Error).message}`);
  }
  return {
    name: i === 0 || typeof d.Name !== 'string' || d.Name === '' ? conf.name : d.Name,
    ifname: ifnameOf(d, i, ifname, path),
    isDefault: i === 0,
    conf,
    capabilityArgs: {},
    extraArgs: [],
  };
}

export class MultusRecords implements ForeignRecords {
  /** `dirs`: where to look, first match wins (Multus' cniDir as this process sees it). */
  constructor(private readonly dirs: string[]) {}

  read(containerId: string, ifname: string): ForeignRecord | undefined {
    // CNI's rules for a container ID (characters, length): a record path can never leave its directory.
    if (containerIdProblem(containerId) || interfaceNameProblem(ifname)) return undefined;
    const path = this.dirs.map((d) => join(d, containerId)).find(isFile);
    if (!path) return undefined;
    let delegates: unknown;
    try {
      delegates = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw corrupt(path, (err as Error).message);
    }
    if (!Array.isArray(delegates) || delegates.length === 0) throw corrupt(path, 'not a list of delegates');
    const attachments = delegates.map((d, i) => attachmentOf(d, i, path, ifname));
    const results = resultsBeside(path);
    const prevResults = new Map<PlannedAttachment, unknown>();
    for (const att of attachments) {
      const entry = results.read(keyOf(att, containerId));
      if (entry?.result) prevResults.set(att, entry.result);
      // what the runtime gave it (portMappings, bandwidth, …): its DEL needs them too, e.g. portmap's rules
      if (isObject(entry?.capabilityArgs)) att.capabilityArgs = entry.capabilityArgs;
    }
    return { source: path, attachments, prevResults };
  }

  containers(): ForeignContainer[] {
    const out = new Map<string, ForeignContainer | undefined>();
    for (const dir of this.dirs) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue; // no such directory: Multus never ran here
      }
      for (const id of names)
        if (!out.has(id) && !containerIdProblem(id) && isFile(join(dir, id))) out.set(id, this.runtimeCall(dir, id));
    }
    return [...out.values()].filter((c) => c !== undefined);
  }

  /**
   * The runtime's call for a recorded container, from libcni's cache beside the record: CNI_IFNAME is the interface
   * of the first delegate's entry (the default network, attached on the runtime's CNI_IFNAME), leaving out those
   * another delegate of the record owns (a NAD may share the default network's name); netns and CNI_ARGS from that
   * entry, else from any of the container's. Without a usable entry: eth0. Two candidates but no eth0 among them
   * cannot be told apart: undefined, the container is left (a wrong CNI_IFNAME would free another interface's address).
   */
  private runtimeCall(dir: string, containerId: string): ForeignContainer | undefined {
    let atts: PlannedAttachment[] = [];
    try {
      atts = this.read(containerId, 'eth0')?.attachments ?? [];
    } catch {
      // unreadable: DEL passes it over and says why
    }
    const entries = resultsBeside(join(dir, containerId)).listForContainer(containerId);
    const others = new Set(atts.slice(1).map((a) => a.ifname));
    const candidates = entries.filter(
      (e) => e.networkName === atts[0]?.conf.name && !others.has(e.ifName) && !interfaceNameProblem(e.ifName),
    );
    const entry = candidates.length === 1 ? candidates[0] : candidates.find((e) => e.ifName === 'eth0');
    if (candidates.length > 1 && !entry) return undefined;
    const any = entry ?? entries[0];
    return { containerId, ifname: entry?.ifName ?? 'eth0', netns: any?.netns ?? '', args: any?.cniArgs ?? [] };
  }

  remove(containerId: string, record: ForeignRecord): void {
    const results = resultsBeside(record.source);
    for (const att of record.attachments) results.remove(keyOf(att, containerId));
    rmSync(record.source, { force: true });
  }
}
