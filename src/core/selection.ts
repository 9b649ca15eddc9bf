// The pod's network selection: `k8s.v1.cni.cncf.io/networks` in both NPWG forms (§4.1).
// Unlike Multus, the JSON form is validated as strictly as the short form (docs/adr/0003).
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { FIELD_BY_KEY, PASSED_OVER_FIELDS, SELECTION_FIELDS, type SelectionElement } from './selection-fields.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const fail = (where: string, msg: string) => new CniError(ErrorCode.InvalidConfig, `${where}: ${msg}`);

export function namespaceProblem(ns: string): string | undefined {
  if (ns.length > 63 || !LABEL.test(ns)) return `namespace "${ns}" is not a valid DNS-1123 label`;
  return undefined;
}

/** NAD names are object names: DNS-1123 subdomains (Multus only allows labels; dots are legal in Kubernetes). */
export function nadNameProblem(name: string): string | undefined {
  if (name.length > 253 || !name.split('.').every((p) => LABEL.test(p)))
    return `network name "${name}" is not a valid DNS-1123 name`;
  return undefined;
}

/** Parses the annotation value. `podNamespace` fills missing namespaces. */
export function parseSelections(raw: string, podNamespace: string): SelectionElement[] {
  const text = raw.trim();
  if (text === '') return [];
  const elements = /[[{"]/.test(text) ? parseJsonForm(text) : parseShortForm(text);
  return elements.map((e, i) => finish(e, podNamespace, `network ${i + 1} ("${e.name ?? ''}")`));
}

function parseShortForm(text: string): Array<Partial<SelectionElement>> {
  return text.split(',').map((item, i) => {
    const where = `network ${i + 1} ("${item.trim()}")`;
    const s = item.trim();
    if (s === '') throw fail(where, 'is empty: remove the stray comma');
    const slash = s.split('/');
    if (slash.length > 2) throw fail(where, 'has more than one "/": use namespace/name[@interface]');
    const [ns, rest] = slash.length === 2 ? [slash[0], slash[1]!] : [undefined, slash[0]!];
    const at = rest.split('@');
    if (at.length > 2) throw fail(where, 'has more than one "@": use namespace/name[@interface]');
    const out: Partial<SelectionElement> = { name: at[0]! };
    if (ns !== undefined) {
      if (ns === '') throw fail(where, 'has an empty namespace before "/"');
      out.namespace = ns;
    }
    if (at.length === 2) out.interface = at[1]!;
    return out;
  });
}

// Keys compare case-insensitively, as Go's encoding/json does for Multus users' existing annotations.
const PASSED_OVER = new Set(PASSED_OVER_FIELDS);

function parseJsonForm(text: string): Array<Partial<SelectionElement>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CniError(ErrorCode.InvalidConfig, `networks annotation is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed))
    throw new CniError(
      ErrorCode.InvalidConfig,
      'networks annotation in JSON form must be a list of selection elements: [{"name": …}]',
    );
  return parsed.map((el, i) => {
    const where = `network ${i + 1}`;
    if (!isObject(el)) throw fail(where, 'is not a JSON object');
    const out: JsonObject = {};
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(el)) {
      const known = FIELD_BY_KEY.get(key.toLowerCase());
      if (known) out[known] = value;
      else if (!key.includes('.') && !PASSED_OVER.has(key.toLowerCase())) unknown.push(key);
      // keys with a dot are NPWG §4.1.2 vendor extensions: ignored
    }
    // Reported after the loop so that the message can name the network, wherever its "name" key is.
    if (unknown.length)
      throw fail(
        `${where} ("${String(out.name ?? '')}")`,
        `unknown key "${unknown[0]}" (vendor keys must be reverse-DNS, e.g. "org.example.key")`,
      );
    return out as Partial<SelectionElement>;
  });
}

function finish(e: Partial<SelectionElement>, podNamespace: string, where: string): SelectionElement {
  if (typeof e.name !== 'string' || e.name === '') throw fail(where, 'field "name" is missing');
  const nameProblem = nadNameProblem(e.name);
  if (nameProblem) throw fail(where, nameProblem);
  const ns = e.namespace === undefined || e.namespace === '' ? podNamespace : e.namespace;
  if (typeof ns !== 'string') throw fail(where, 'field "namespace" must be a string');
  const nsProblem = namespaceProblem(ns);
  if (nsProblem) throw fail(where, `field "namespace": ${nsProblem}`);
  for (const field of SELECTION_FIELDS) {
    const value = e[field.key];
    if (value === undefined) continue;
    const problem = field.check(value);
    if (problem) throw fail(where, `field "${field.key}"${problem.startsWith('must ') ? ' ' : ': '}${problem}`);
  }
  return { ...e, name: e.name, namespace: ns };
}
