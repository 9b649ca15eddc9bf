// Objects, the global resourceVersion and the change history that watches replay.
//
// Memory matters (a benchmark seeds 10,000 NADs and 250 pods): each object is kept once, as its JSON text plus the
// few fields that selectors read, so a list is a string join and history entries share the stored records.
import type { ResourceType } from './resources.js';
import { errors } from './status.js';

export interface StoredObject {
  namespace: string;
  name: string;
  rv: number;
  /** The serialized object, its metadata.resourceVersion included. Never mutated: a write makes a new record. */
  json: string;
  labels?: Record<string, string>;
  /** Pods only: spec.nodeName, the field selector a node agent watches with. */
  nodeName?: string;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  type: ChangeType;
  resource: ResourceType;
  object: StoredObject;
  /** The record before the change (MODIFIED, DELETED), so a watch can tell when an object left its selector. */
  previous?: StoredObject;
}

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

type Table = Map<string, Map<string, StoredObject>>;

export class Store {
  private rv = 1;
  private readonly tables = new Map<ResourceType, Table>();
  private history: Change[] = [];
  private historyStart = 0;
  /** Watches from a resourceVersion below this have lost events: 410. */
  private compactedRv = 0;
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(public historyLimit: number) {}

  get resourceVersion(): number {
    return this.rv;
  }

  onChange(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(type: ResourceType, namespace: string, name: string): StoredObject | undefined {
    return this.tables.get(type)?.get(namespace)?.get(name);
  }

  /** Objects of a type, in one namespace or (namespace undefined) in all of them. */
  *list(type: ResourceType, namespace?: string): Iterable<StoredObject> {
    const table = this.tables.get(type);
    if (!table) return;
    if (namespace !== undefined) {
      yield* table.get(namespace)?.values() ?? [];
      return;
    }
    for (const objects of table.values()) yield* objects.values();
  }

  count(type: ResourceType): number {
    let n = 0;
    for (const objects of this.tables.get(type)?.values() ?? []) n += objects.size;
    return n;
  }

  /** Store an object (created or replaced) under the next resourceVersion and tell the watches. */
  write(type: ResourceType, obj: KubeObject): StoredObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const record = toRecord(obj, rv);
    let table = this.tables.get(type);
    if (!table) this.tables.set(type, (table = new Map()));
    let objects = table.get(record.namespace);
    if (!objects) table.set(record.namespace, (objects = new Map()));
    const previous = objects.get(record.name);
    objects.set(record.name, record);
    this.record({ rv, type: previous ? 'MODIFIED' : 'ADDED', resource: type, object: record, previous });
    return record;
  }

  /** Delete an object; the DELETED event carries it with the deletion's resourceVersion, as the API server does. */
  remove(type: ResourceType, existing: StoredObject): StoredObject {
    const rv = ++this.rv;
    const obj = JSON.parse(existing.json) as KubeObject;
    obj.metadata.resourceVersion = String(rv);
    const record = toRecord(obj, rv);
    const objects = this.tables.get(type)?.get(existing.namespace);
    objects?.delete(existing.name);
    if (objects?.size === 0) this.tables.get(type)?.delete(existing.namespace);
    this.record({ rv, type: 'DELETED', resource: type, object: record, previous: existing });
    return record;
  }

  /** The changes after `rv`, or 410 Expired when some of them were compacted away. */
  changesSince(rv: number): Change[] {
    if (rv < this.compactedRv) throw errors.expired(rv, this.compactedRv);
    const changes: Change[] = [];
    for (let i = this.history.length - 1; i >= this.historyStart; i--) {
      const change = this.history[i] as Change;
      if (change.rv <= rv) break;
      changes.push(change);
    }
    return changes.reverse();
  }

  /**
   * Forget the history. The resourceVersion moves on by one, as other writes (leases, events) move it in a real
   * cluster, so that every client's last-seen version is now too old and its next watch answers 410.
   */
  compact(): void {
    this.rv++;
    this.compactedRv = this.rv;
    this.history = [];
    this.historyStart = 0;
  }

  /** Drop every object and the history (a fresh cluster, with the resourceVersion still increasing). */
  reset(): void {
    this.tables.clear();
    this.compact();
  }

  stats(): {
    resourceVersion: number;
    compactedResourceVersion: number;
    history: number;
    objects: Record<string, number>;
  } {
    const objects: Record<string, number> = {};
    for (const type of this.tables.keys()) objects[type.plural] = this.count(type);
    return {
      resourceVersion: this.rv,
      compactedResourceVersion: this.compactedRv,
      history: this.history.length - this.historyStart,
      objects,
    };
  }

  private record(change: Change): void {
    this.history.push(change);
    while (this.history.length - this.historyStart > this.historyLimit) {
      this.compactedRv = (this.history[this.historyStart] as Change).rv;
      this.historyStart++;
    }
    // Reclaim the dropped prefix now and then rather than shifting the array on every write.
    if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
    for (const listener of this.listeners) listener(change);
  }
}

function toRecord(obj: KubeObject, rv: number): StoredObject {
  const record: StoredObject = {
    namespace: String(obj.metadata.namespace ?? ''),
    name: String(obj.metadata.name ?? ''),
    rv,
    json: JSON.stringify(obj),
  };
  const labels = obj.metadata.labels;
  if (labels && typeof labels === 'object' && Object.keys(labels).length > 0)
    record.labels = { ...(labels as Record<string, string>) };
  const nodeName = (obj.spec as { nodeName?: unknown } | undefined)?.nodeName;
  if (typeof nodeName === 'string' && nodeName !== '') record.nodeName = nodeName;
  return record;
}
