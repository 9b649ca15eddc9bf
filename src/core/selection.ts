// The pod's network selection: `k8s.v1.cni.cncf.io/networks` in both NPWG forms (§4.1).
// Unlike Multus, the values of the JSON form are validated as strictly as the short form; like Multus, a key braid
// does not know is read past (with a warning that names it) rather than failing the pod (docs/adr/0003).
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { boundsProblem, textProblem } from './bounds.js';
import { FIELD_BY_KEY, PASSED_OVER_FIELDS, SELECTION_FIELDS, type SelectionElement } from './selection-fields.js';
import { closest } from './suggest.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const fail = (where: string, msg: string) => new CniError(ErrorCode.InvalidConfig, `${where}: ${msg}`);

/**
 * How a message names the element: its position, and its name when that is text. A name of another type is never
 * turned into text here (an object whose toString is not callable, an array nested thousands deep): finish() says
 * what is wrong with it.
 */
const elementName = (i: number, name: unknown) =>
  typeof name === 'string' && name !== '' ? `network ${i + 1} ("${name}")` : `network ${i + 1}`;

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

/**
 * Parses the annotation value. `podNamespace` fills missing namespaces: it comes from the runtime (CNI_ARGS) or
 * braid's configuration, not from the user, so it is not checked as if the user had typed it. What was read past
 * (unknown keys) is added to `warnings`, one sentence each, only when the whole value parses.
 */
export function parseSelections(raw: string, podNamespace: string, warnings?: string[]): SelectionElement[] {
  const text = raw.trim();
  if (text === '') return [];
  const tooBig = textProblem(text);
  if (tooBig) throw new CniError(ErrorCode.InvalidConfig, `the networks annotation ${tooBig}`);
  const found: string[] = [];
  const elements = /[[{"]/.test(text) ? parseJsonForm(text, found) : parseShortForm(text);
  const out = elements.map((e, i) => finish(e, podNamespace, elementName(i, e.name)));
  warnings?.push(...found);
  return out;
}

// Whitespace around "/", "@" and "," is trimmed, as Multus does (parsePodNetworkAnnotation): " ns / a @ net1 , b".
function parseShortForm(text: string): Array<Partial<SelectionElement>> {
  return text.split(',').map((item, i) => {
    const s = item.trim();
    const where = `network ${i + 1} ("${s}")`;
    if (s === '') throw fail(where, 'is empty: remove the stray comma');
    const slash = s.split('/').map((p) => p.trim());
    if (slash.length > 2) throw fail(where, 'has more than one "/": use namespace/name[@interface]');
    const [ns, rest] = slash.length === 2 ? [slash[0], slash[1]!] : [undefined, slash[0]!];
    const at = rest.split('@').map((p) => p.trim());
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
/** Every key a selection element may carry, as the NPWG spells it: what a typo is compared with. */
const KNOWN_KEYS: readonly string[] = [
  'name',
  'namespace',
  ...SELECTION_FIELDS.flatMap((f) => [f.key, ...(f.aliases ?? [])]),
  ...PASSED_OVER_FIELDS,
];

/**
 * An unknown key is ignored, as Multus (encoding/json) ignores it: an annotation written for another NPWG version
 * or by a tool must not fail the pod. It is still reported, and a key one edit from a known one is named as the
 * likely typo, since `"interfce"` silently giving `net1` is what strictness used to catch.
 */
function unknownKeyWarning(where: string, key: string): string {
  const near = closest(key, KNOWN_KEYS);
  return near
    ? `${where}: unknown key "${key}" ignored; did you mean "${near}"?`
    : `${where}: unknown key "${key}" ignored (vendor keys are reverse-DNS, e.g. "org.example.${key}")`;
}

function parseJsonForm(text: string, warnings: string[]): Array<Partial<SelectionElement>> {
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
    if (!isObject(el)) throw fail(`network ${i + 1}`, 'is not a JSON object');
    const out: JsonObject = {};
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(el)) {
      const known = FIELD_BY_KEY.get(key.toLowerCase());
      if (known) out[known] = value;
      else if (!key.includes('.') && !PASSED_OVER.has(key.toLowerCase())) unknown.push(key);
      // keys with a dot are NPWG §4.1.2 vendor extensions: ignored silently
    }
    // Worded after the loop so that the warning can name the network, wherever its "name" key is.
    const where = elementName(i, out.name);
    warnings.push(...unknown.map((key) => unknownKeyWarning(where, key)));
    return out as Partial<SelectionElement>;
  });
}

/** The element's name, checked; a name of another type is refused without being turned into text. */
function nameOf(e: Partial<SelectionElement>, where: string): string {
  const name: unknown = e.name;
  if (name === undefined || name === '') throw fail(where, 'field "name" is missing');
  if (typeof name !== 'string') throw fail(where, 'field "name" must be a string');
  const nameProblem = nadNameProblem(name);
  if (nameProblem) throw fail(where, nameProblem);
  return name;
}

function finish(e: Partial<SelectionElement>, podNamespace: string, where: string): SelectionElement {
  const name = nameOf(e, where);
  // Only a namespace the element names is the user's to get right; the pod's own is whatever the runtime says.
  const explicit = e.namespace !== undefined && e.namespace !== '';
  if (explicit && typeof e.namespace !== 'string') throw fail(where, 'field "namespace" must be a string');
  const nsProblem = explicit ? namespaceProblem(e.namespace!) : undefined;
  if (nsProblem) throw fail(where, `field "namespace": ${nsProblem}`);
  for (const field of SELECTION_FIELDS) {
    const value = e[field.key];
    if (value === undefined) continue;
    const tooMuch = boundsProblem(value);
    if (tooMuch) throw fail(where, `field "${field.key}" ${tooMuch}`);
    const problem = field.check(value);
    if (problem) throw fail(where, `field "${field.key}"${problem.startsWith('must ') ? ' ' : ': '}${problem}`);
  }
  return { ...e, name, namespace: explicit ? e.namespace! : podNamespace };
}
