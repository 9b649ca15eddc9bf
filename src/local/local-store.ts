// Local mode (no cluster): pods and NADs from a directory of manifests; network-status written to
// <dir>/status/<namespace>/<name>.json (docs/adr/0006).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject, type JsonObject } from '../cni/types.js';
import type { NetworkStatus } from '../core/network-status.js';
import type { Nad, NadSource, PodInfo, PodSource } from '../core/sources.js';
import type { PodRef, StatusWriter } from '../engine/ports.js';
import { removeFile, writeFileAtomic } from '../store/atomic.js';
import { readManifests } from './manifests.js';

const strings = (v: unknown): Record<string, string> =>
  isObject(v)
    ? (Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>)
    : {};

function meta(o: JsonObject): { name: string; namespace: string; uid?: string; annotations: Record<string, string> } {
  const m = isObject(o.metadata) ? o.metadata : {};
  const out = {
    name: String(m.name ?? ''),
    namespace: String(m.namespace ?? 'default'),
    annotations: strings(m.annotations),
  };
  return typeof m.uid === 'string' ? { ...out, uid: m.uid } : out;
}

export class LocalStore implements PodSource, NadSource, StatusWriter {
  private cache?: { pods: PodInfo[]; nads: Nad[] };

  constructor(readonly dir: string) {}

  /** DEL builds this from CNI_ARGS alone, so a name that is not a plain path segment is refused. */
  statusPath(namespace: string, name: string): string {
    for (const part of [namespace, name]) {
      if (part === '' || part === '.' || part === '..' || /[/\\\0]/.test(part))
        throw new Error(`"${part}" is not a pod namespace or name`);
    }
    return join(this.dir, 'status', namespace, `${name}.json`);
  }

  private load() {
    if (this.cache) return this.cache;
    const pods: PodInfo[] = [];
    const nads: Nad[] = [];
    for (const { object } of readManifests(this.dir, join(this.dir, 'status'))) {
      if (object.kind === 'Pod') pods.push(meta(object));
      if (object.kind === 'NetworkAttachmentDefinition') {
        const spec = isObject(object.spec) ? object.spec : {};
        const m = meta(object);
        nads.push({
          namespace: m.namespace,
          name: m.name,
          annotations: m.annotations,
          config: typeof spec.config === 'string' ? spec.config : '',
        });
      }
    }
    this.cache = { pods, nads };
    return this.cache;
  }

  async getPod(namespace: string, name: string) {
    return this.load().pods.find((p) => p.namespace === namespace && p.name === name);
  }

  async getNad(namespace: string, name: string) {
    return this.load().nads.find((n) => n.namespace === namespace && n.name === name);
  }

  /** Beside the status: which container wrote it, so a stale DEL leaves a newer sandbox's status alone (issue 12). */
  private ownerPath(namespace: string, name: string): string {
    return this.statusPath(namespace, name).replace(/\.json$/, '.owner');
  }

  async write(pod: PodRef, containerId: string, status: NetworkStatus[]) {
    writeFileAtomic(this.ownerPath(pod.namespace, pod.name), `${containerId}\n`, 0o644);
    writeFileAtomic(this.statusPath(pod.namespace, pod.name), `${JSON.stringify(status, null, 2)}\n`, 0o644);
  }

  /** Removes the status only when `containerId` wrote it (a status from before owners were recorded has none: removed). */
  async remove(pod: PodRef, containerId: string) {
    const ownerFile = this.ownerPath(pod.namespace, pod.name);
    let owner: string | undefined;
    try {
      owner = readFileSync(ownerFile, 'utf8').trim();
    } catch {
      owner = undefined;
    }
    if (owner !== undefined && owner !== containerId) return;
    removeFile(this.statusPath(pod.namespace, pod.name));
    removeFile(ownerFile);
  }
}
