// labelSelector and fieldSelector query parameters, compiled once per request into a predicate.
// Grammar: k8s.io/apimachinery/pkg/labels (=, ==, !=, in, notin, key, !key) and pkg/fields (=, ==, !=).
import type { StoredObject } from './store.js';
import { errors } from './status.js';

export type Matcher = (obj: StoredObject) => boolean;

const matchAll: Matcher = () => true;

/** Split on commas that are not inside `in (a,b)` parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function labelTerm(term: string): Matcher {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key, op, list] = set as unknown as [string, string, string, string];
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in'
      ? (o) => o.labels?.[key] !== undefined && values.has(o.labels[key])
      : (o) => o.labels?.[key] === undefined || !values.has(o.labels[key]);
  }
  const cmp = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
  if (cmp) {
    const [, key, op, value] = cmp as unknown as [string, string, string, string];
    return op === '!=' ? (o) => o.labels?.[key] !== value : (o) => o.labels?.[key] === value;
  }
  const exists = /^(!?)([\w./-]+)$/.exec(term);
  if (exists) {
    const [, not, key] = exists as unknown as [string, string, string];
    return not ? (o) => o.labels?.[key] === undefined : (o) => o.labels?.[key] !== undefined;
  }
  throw errors.badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
}

/** The value of a field path; the common ones come from the stored record without parsing the object. */
function fieldValue(obj: StoredObject, path: string): string {
  if (path === 'metadata.name') return obj.name;
  if (path === 'metadata.namespace') return obj.namespace;
  if (path === 'spec.nodeName') return obj.nodeName ?? '';
  let value: unknown = JSON.parse(obj.json);
  for (const part of path.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}

function fieldTerm(term: string): Matcher {
  const cmp = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (!cmp) throw errors.badRequest(`invalid field selector term "${term}"`);
  const [, path, op, value] = cmp as unknown as [string, string, string, string];
  return op === '!=' ? (o) => fieldValue(o, path) !== value : (o) => fieldValue(o, path) === value;
}

function compile(selector: string | null, term: (t: string) => Matcher): Matcher {
  if (!selector) return matchAll;
  const matchers = splitTerms(selector).map(term);
  return (o) => matchers.every((m) => m(o));
}

/** One predicate for both selectors of a list or watch request. */
export function compileSelectors(query: URLSearchParams): Matcher {
  const labels = compile(query.get('labelSelector'), labelTerm);
  const fields = compile(query.get('fieldSelector'), fieldTerm);
  return (o) => labels(o) && fields(o);
}
