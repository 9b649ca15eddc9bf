// The write verbs on stored objects: create, update (PUT), patch and delete, with the API server's rules for
// names, immutable metadata, the status subresource and optimistic concurrency (metadata.resourceVersion).
import { randomBytes, randomUUID } from 'node:crypto';
import { applyPatch } from './patch.js';
import { apiVersionOf, resourceTypeOfObject, type ResourceType } from './resources.js';
import { errors } from './status.js';
import type { KubeObject, Store, StoredObject } from './store.js';

export interface ObjectRef {
  type: ResourceType;
  namespace: string;
  name: string;
  /** `status` for pods/{name}/status; undefined for the object itself. */
  subresource?: string;
}

function asObject(body: unknown): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw errors.badRequest('the request body is not a JSON object');
  const obj = body as KubeObject;
  if (obj.metadata === undefined) obj.metadata = {};
  if (obj.metadata === null || typeof obj.metadata !== 'object') throw errors.badRequest('metadata is not an object');
  return obj;
}

function existingOrNotFound(store: Store, ref: ObjectRef): StoredObject {
  const existing = store.get(ref.type, ref.namespace, ref.name);
  if (!existing) throw errors.notFound(ref.type.plural, ref.name, ref.type.group);
  return existing;
}

/** POST: a new object; `upsert` (control API seeding only) replaces an existing one instead of answering 409. */
export function createObject(
  store: Store,
  type: ResourceType,
  namespace: string,
  body: unknown,
  upsert = false,
): StoredObject {
  const obj = asObject(body);
  const meta = obj.metadata;
  if (meta.namespace !== undefined && meta.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (!meta.name && typeof meta.generateName === 'string' && meta.generateName !== '') {
    meta.name = meta.generateName + randomBytes(3).toString('hex').slice(0, 5);
  }
  if (typeof meta.name !== 'string' || meta.name === '')
    throw errors.invalid('metadata.name: Required value: name or generateName is required');
  const existing = store.get(type, namespace, meta.name);
  if (existing && !upsert) throw errors.alreadyExists(type.plural, meta.name, type.group);
  meta.namespace = namespace;
  // A seeded replacement is the same object, changed: it keeps its identity.
  const old = existing && !meta.uid ? (JSON.parse(existing.json) as KubeObject).metadata : undefined;
  meta.uid ??= old?.uid ?? randomUUID();
  meta.creationTimestamp ??= old?.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  delete meta.resourceVersion;
  // A create never starts out deleted (the API server clears these); seeding may set them, to start from any state.
  if (!upsert) {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  if (type.kind === 'Pod') obj.status ??= { phase: 'Pending' };
  // apiVersion and kind first, as the API server serializes them, whatever the client sent.
  const full: KubeObject = Object.assign({ apiVersion: '', kind: '' }, obj);
  full.apiVersion = apiVersionOf(type);
  full.kind = type.kind;
  return store.write(type, full);
}

/** PUT of the object or of its status subresource. */
export function updateObject(store: Store, ref: ObjectRef, body: unknown): StoredObject {
  const existing = existingOrNotFound(store, ref);
  const obj = asObject(body);
  if (obj.metadata.name !== undefined && obj.metadata.name !== ref.name) {
    throw errors.badRequest(
      `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${ref.name})`,
    );
  }
  checkResourceVersion(ref, existing, obj);
  return commit(store, ref, existing, obj);
}

/** PATCH of the object or of its status subresource; the Content-Type chooses the patch format. */
export function patchObject(store: Store, ref: ObjectRef, contentType: string, body: unknown): StoredObject {
  const existing = existingOrNotFound(store, ref);
  const patched = asObject(applyPatch(contentType, JSON.parse(existing.json), body));
  checkResourceVersion(ref, existing, patched);
  return commit(store, ref, existing, patched);
}

export interface Deletion {
  /** The object as deleted (DELETED), or as marked for deletion while finalizers are pending (MODIFIED). */
  object: StoredObject;
  /** Still there: deletionTimestamp set, waiting for its finalizers to be removed. */
  pending: boolean;
}

interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
}

/** The finalizer the garbage collector's propagation policy adds (the API server's deletionFinalizersForGarbageCollection). */
function gcFinalizer(opts: DeleteOptions | undefined): string | undefined {
  if (opts?.propagationPolicy === 'Foreground') return 'foregroundDeletion';
  if (opts?.propagationPolicy === 'Orphan' || opts?.orphanDependents === true) return 'orphan';
  return undefined;
}

/**
 * DELETE, honouring DeleteOptions.preconditions. An object without finalizers goes at once (there is no kubelet to
 * wait for: pods too). One with finalizers, or deleted with propagationPolicy Foreground or Orphan (which add
 * `foregroundDeletion` or `orphan`), is only marked, as the API server does: deletionTimestamp and
 * deletionGracePeriodSeconds 0 are set (watchers see MODIFIED), GET still finds it, and it goes (DELETED, then
 * 404) when a write removes its last finalizer. There is no garbage collector here: a test removes them.
 */
export function deleteObject(store: Store, ref: ObjectRef, body: unknown): Deletion {
  const existing = existingOrNotFound(store, ref);
  const opts = body as DeleteOptions | undefined;
  const preconditions = opts?.preconditions;
  if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== String(existing.rv)) {
    throw errors.conflict(ref.type.plural, ref.name, ref.type.group);
  }
  const obj = JSON.parse(existing.json) as KubeObject;
  if (preconditions?.uid !== undefined && preconditions.uid !== obj.metadata.uid) {
    throw errors.conflict(ref.type.plural, ref.name, ref.type.group);
  }
  const finalizers = finalizersOf(obj);
  const added = gcFinalizer(opts);
  if (added && !finalizers.includes(added)) finalizers.push(added);
  if (finalizers.length === 0) return { object: store.remove(ref.type, existing), pending: false };
  const unchanged = obj.metadata.deletionTimestamp !== undefined && finalizers.length === finalizersOf(obj).length;
  if (unchanged) return { object: existing, pending: true };
  obj.metadata.finalizers = finalizers;
  obj.metadata.deletionTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  obj.metadata.deletionGracePeriodSeconds ??= 0;
  return { object: store.write(ref.type, obj), pending: true };
}

function finalizersOf(obj: KubeObject): string[] {
  const f = obj.metadata.finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

/** A write that names a resourceVersion is conditional on it (optimistic concurrency); without one it is not. */
function checkResourceVersion(ref: ObjectRef, existing: StoredObject, obj: KubeObject): void {
  const rv = obj.metadata.resourceVersion;
  if (rv !== undefined && rv !== null && rv !== '' && String(rv) !== String(existing.rv)) {
    throw errors.conflict(ref.type.plural, ref.name, ref.type.group);
  }
}

/**
 * Keep what a client cannot change, split spec from status as the pod strategies do (a write to the object keeps the
 * old status; a write to pods/status keeps the old spec but takes metadata, so annotations can be written through
 * either), and skip the write entirely when nothing changed, as the API server does (no new resourceVersion, no event).
 * An object marked for deletion takes no new finalizer, and goes when a write removes its last one.
 */
function commit(store: Store, ref: ObjectRef, existing: StoredObject, obj: KubeObject): StoredObject {
  const old = JSON.parse(existing.json) as KubeObject;
  obj.apiVersion = old.apiVersion;
  obj.kind = old.kind;
  for (const key of [
    'name',
    'namespace',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ]) {
    if (old.metadata[key] === undefined) delete obj.metadata[key];
    else obj.metadata[key] = old.metadata[key];
  }
  if (ref.type.subresources.includes('status')) {
    if (ref.subresource === 'status') obj.spec = old.spec;
    else obj.status = old.status;
  }
  obj.metadata.resourceVersion = String(existing.rv);
  if (old.metadata.deletionTimestamp !== undefined) {
    const added = finalizersOf(obj).filter((f) => !finalizersOf(old).includes(f));
    if (added.length > 0)
      throw errors.invalid(
        `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
      );
  }
  if (JSON.stringify(obj) === existing.json) return existing;
  // The API server does not store this last write: it deletes the object as it was (watchers see DELETED only).
  if (old.metadata.deletionTimestamp !== undefined && finalizersOf(obj).length === 0)
    return store.remove(ref.type, existing);
  return store.write(ref.type, obj);
}

/** Seed (control API, --seed): an object, an array of them, or a List; existing objects are replaced. */
export function seedObjects(store: Store, body: unknown): number {
  const items = (Array.isArray(body) ? body : ((body as { items?: unknown[] } | undefined)?.items ?? [body])) as Record<
    string,
    unknown
  >[];
  for (const item of items) {
    const type = resourceTypeOfObject(item ?? {});
    if (!type)
      throw errors.badRequest(`no resource for apiVersion ${String(item?.apiVersion)} kind ${String(item?.kind)}`);
    const namespace = (item.metadata as { namespace?: unknown } | undefined)?.namespace;
    createObject(store, type, typeof namespace === 'string' ? namespace : 'default', item, true);
  }
  return items.length;
}
