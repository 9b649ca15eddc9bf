// What Multus left on a node braid took over (issue 11): per container, `<cniDir>/<containerID>`, a JSON array of
// its delegates in ADD order (Go field names: "Conf", "ConfList", "Name", "Bytes" = base64 of the raw config, and
// the optional "ifnameRequest"), and libcni's result cache `<cniDir>/results/<network>-<containerID>-<ifname>`.
// DEL reads it only when braid has no plan, so a pod Multus attached is torn down without leaking an address.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toConfList } from '../cni/conflist.js';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import type { PlannedAttachment } from '../core/plan.js';
import type { ForeignRecord, ForeignRecords } from '../engine/ports.js';
import { FileResultCache } from './result-cache.js';

/** The characters CNI allows in a container ID: a record path can never leave its directory. */
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

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

/** Multus' own rule: the interface the selection asked for, else the runtime's for the first delegate, else net<i>. */
function ifnameOf(d: JsonObject, index: number, runtimeIfname: string): string {
  if (typeof d.ifnameRequest === 'string' && d.ifnameRequest !== '') return d.ifnameRequest;
  return index === 0 ? runtimeIfname : `net${index}`;
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
    conf = toConfList(configOf(d), `Multus record ${path}, delegate ${i}`);
  } catch (err) {
    throw err instanceof CniError ? err : corrupt(path, `delegate ${i}: ${(err as Error).message}`);
  }
  return {
    name: i === 0 || typeof d.Name !== 'string' || d.Name === '' ? conf.name : d.Name,
    ifname: ifnameOf(d, i, ifname),
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
    if (!CONTAINER_ID.test(containerId)) return undefined;
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
      const cached = results.read(keyOf(att, containerId))?.result;
      if (cached) prevResults.set(att, cached);
    }
    return { source: path, attachments, prevResults };
  }

  remove(containerId: string, record: ForeignRecord): void {
    const results = resultsBeside(record.source);
    for (const att of record.attachments) results.remove(keyOf(att, containerId));
    rmSync(record.source, { force: true });
  }
}
