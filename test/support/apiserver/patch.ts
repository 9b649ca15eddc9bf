// PATCH bodies by Content-Type, as the API server accepts them (sig-api-machinery "patch" handler).
import { errors } from './status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes a key, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

/**
 * Strategic merge patch, to the depth braid needs: maps merge as in a merge patch (so metadata.annotations and
 * labels behave exactly as on a real server), lists are replaced rather than merged by their patchMergeKey, and
 * `$patch`/`$setElementOrder`/`$retainKeys` directives are dropped.
 */
export function strategicMergePatch(target: Json, patch: Json): Json {
  return mergePatch(target, stripDirectives(patch));
}

function stripDirectives(patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) if (!key.startsWith('$')) out[key] = stripDirectives(value);
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw errors.invalid(`JSON pointer "${path}" does not start with "/"`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container that holds the last token of a path, or 422 when a step on the way is missing. */
function parentOf(doc: Json, tokens: string[], path: string): { parent: JsonObject | Json[]; key: string } {
  let node: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (next === undefined) throw errors.invalid(`doc is missing path: "${path}"`);
    node = next;
  }
  if (!isObject(node) && !Array.isArray(node)) throw errors.invalid(`doc is missing path: "${path}"`);
  return { parent: node, key: tokens[tokens.length - 1] as string };
}

function readAt(doc: Json, path: string): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens, path);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === undefined) throw errors.invalid(`doc is missing path: "${path}"`);
  return value;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): void {
  const tokens = pointer(path);
  if (tokens.length === 0) throw errors.invalid('replacing the whole document is not supported');
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw errors.invalid(`index out of range: "${path}"`);
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(key in parent)) throw errors.invalid(`doc is missing key: "${path}"`);
    parent[key] = structuredClone(value);
  }
}

function removeAt(doc: Json, path: string): void {
  const tokens = pointer(path);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!(index >= 0 && index < parent.length)) throw errors.invalid(`index out of range: "${path}"`);
    parent.splice(index, 1);
  } else {
    if (!(key in parent)) throw errors.invalid(`doc is missing key: "${path}"`);
    delete parent[key];
  }
}

/** RFC 6902 JSON patch, the default Content-Type of every generated patch method in @kubernetes/client-node 1.x. */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw errors.badRequest('a JSON patch must be a JSON array of operations');
  const doc = structuredClone(target);
  for (const op of ops as JsonPatchOp[]) {
    const value = op.value ?? null;
    switch (op.op) {
      case 'add':
        addAt(doc, op.path, value, false);
        break;
      case 'replace':
        addAt(doc, op.path, value, true);
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'copy':
        addAt(doc, op.path, readAt(doc, op.from ?? ''), false);
        break;
      case 'move': {
        const moved = readAt(doc, op.from ?? '');
        removeAt(doc, op.from ?? '');
        addAt(doc, op.path, moved, false);
        break;
      }
      case 'test':
        if (JSON.stringify(readAt(doc, op.path)) !== JSON.stringify(value)) {
          throw errors.invalid(`testing value ${op.path} failed`);
        }
        break;
      default:
        throw errors.invalid(`unexpected kind of JSON patch operation: "${String(op.op)}"`);
    }
  }
  return doc;
}

const patchers: Record<string, (target: Json, body: Json) => Json> = {
  'application/merge-patch+json': mergePatch,
  'application/strategic-merge-patch+json': strategicMergePatch,
  'application/json-patch+json': jsonPatch,
};

/** Apply a PATCH body to an object; 415 for apply-patch (server-side apply) and anything unknown. */
export function applyPatch(contentType: string, target: object, body: unknown): Record<string, unknown> {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const patcher = patchers[type];
  if (!patcher) throw errors.unsupportedMediaType(type || '(none)');
  const result = patcher(target as Json, body as Json);
  if (!isObject(result)) throw errors.invalid('the patched object is not a JSON object');
  return result;
}
