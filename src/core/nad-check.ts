// `braid validate`: what is wrong with a NetworkAttachmentDefinition, found by the checks ADD applies to it. The
// verdict is ADD's own: confFromNad (the function ADD turns a NAD into a delegate with) either accepts the NAD or
// not. ADD stops at the first problem; to name every one, with its field, the same checks that confFromNad and
// toConfList make (bounds, JSON, network name, cniVersion, plugin types) are then applied part by part.
import { CniError } from '../cni/errors.js';
import { checkPluginType } from '../cni/plugin-type.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { networkNameProblem } from '../cni/validate.js';
import { boundsProblem, MAX_TEXT_BYTES, textProblem } from './bounds.js';
import { confFromNad } from './delegate.js';
import { nadNameProblem } from './selection.js';
import { SELECTION_FIELDS } from './selection-fields.js';
import type { ConfFiles, Nad } from './sources.js';
import { closest } from './suggest.js';

export interface NadProblem {
  /** Where in the NAD: `metadata.name`, `spec.config`, `spec.config.plugins[1].type`, … */
  field: string;
  message: string;
}

export interface NadCheck {
  /** What makes ADD fail every pod that names this NAD. */
  problems: NadProblem[];
  /** What ADD accepts but reads past, or cannot see from here. */
  warnings: NadProblem[];
}

const at = (field: string, message: string): NadProblem => ({ field, message });

/** The capabilities braid fills from a pod's selection (SELECTION_FIELDS): what a misspelt one is compared with. */
const DELIVERED = SELECTION_FIELDS.flatMap((f) => (f.capability ? [f.capability] : []));

/** spec.config as ADD parses it: its size, JSON and nesting. A parsed value, or the one problem that stops it. */
function parsed(config: string): { value: unknown } | { problem: NadProblem } {
  const tooBig = textProblem(config);
  if (tooBig) return { problem: at('spec.config', tooBig) };
  let value: unknown;
  try {
    value = JSON.parse(config);
  } catch (err) {
    return { problem: at('spec.config', `is not valid JSON: ${(err as Error).message}`) };
  }
  const deep = boundsProblem(value, MAX_TEXT_BYTES);
  return deep ? { problem: at('spec.config', deep) } : { value };
}

/** A plugin's "type", as ADD checks it. */
function typeProblem(type: unknown, field: string): NadProblem | undefined {
  try {
    checkPluginType(type);
    return undefined;
  } catch (err) {
    return at(field, (err as CniError).msg);
  }
}

/** The network name (the NAD's own when the config has none, NPWG §3.4.2), cniVersion and the plugins. */
function partProblems(nad: Nad, conf: JsonObject): NadProblem[] {
  const out: NadProblem[] = [];
  const unnamed = conf.name === undefined || conf.name === '';
  const name = unnamed ? nad.name : conf.name;
  const nameField = unnamed ? 'metadata.name' : 'spec.config.name';
  if (typeof name !== 'string' || name === '') out.push(at(nameField, 'the network config has no "name"'));
  else {
    const bad = networkNameProblem(name);
    if (bad) out.push(at(nameField, `network name "${name}" ${bad}`));
  }
  if (conf.cniVersion !== undefined && typeof conf.cniVersion !== 'string')
    out.push(at('spec.config.cniVersion', '"cniVersion" must be a string'));
  if (Array.isArray(conf.plugins)) {
    if (conf.plugins.length === 0) out.push(at('spec.config.plugins', 'the conflist has no plugins'));
    conf.plugins.forEach((p: unknown, i) => {
      const field = `spec.config.plugins[${i}]`;
      const bad = isObject(p) ? typeProblem(p.type, `${field}.type`) : at(field, 'is not an object');
      if (bad) out.push(bad);
    });
  } else if (conf.plugins !== undefined) out.push(at('spec.config.plugins', '"plugins" must be a list'));
  else if (conf.type === undefined) out.push(at('spec.config', 'the network config has neither "type" nor "plugins"'));
  else {
    const bad = typeProblem(conf.type, 'spec.config.type');
    if (bad) out.push(bad);
  }
  return out;
}

/** Capabilities ADD reads past: a value that is not `true` (never offered), a name one edit from one braid fills. */
function capabilityWarnings(conf: JsonObject): NadProblem[] {
  const plugins = Array.isArray(conf.plugins) ? conf.plugins : [conf];
  return plugins.flatMap((p: unknown, i) => {
    if (!isObject(p) || p.capabilities === undefined) return [];
    const field = Array.isArray(conf.plugins) ? `spec.config.plugins[${i}].capabilities` : 'spec.config.capabilities';
    if (!isObject(p.capabilities)) return [at(field, 'is not an object: no capability is offered to this plugin')];
    return Object.entries(p.capabilities).flatMap(([cap, on]) => {
      const near = DELIVERED.includes(cap) ? undefined : closest(cap, DELIVERED);
      if (near) return [at(`${field}.${cap}`, `braid fills no capability "${cap}"; did you mean "${near}"?`)];
      if (typeof on !== 'boolean') return [at(`${field}.${cap}`, 'must be true or false')];
      return [];
    });
  });
}

/**
 * Every problem of `nad`, each with its field. `files` is the node's confDir, for a NAD whose spec.config is empty;
 * without it such a NAD is a warning (the file is on the nodes, not here).
 */
export function checkNad(nad: Nad, files?: ConfFiles): NadCheck {
  const nameBad = nadNameProblem(nad.name);
  const named = nameBad ? [at('metadata.name', `${nameBad}: a pod cannot name it`)] : [];
  if (nad.config.trim() === '' && !files) {
    const why = `is empty: the nodes use the config file whose "name" is "${nad.name}" in their confDir (not checked here; give the node's confDir to check it)`;
    return { problems: named, warnings: [at('spec.config', why)] };
  }
  try {
    confFromNad(nad, files ?? { findByName: () => undefined, readPath: () => undefined });
    // The capabilities as the NAD spells them (a config file from confDir is the nodes' own: not looked at).
    const written: unknown = nad.config.trim() === '' ? undefined : JSON.parse(nad.config);
    return { problems: named, warnings: isObject(written) ? capabilityWarnings(written) : [] };
  } catch (err) {
    if (!(err instanceof CniError)) throw err;
    // ADD's words, without the NAD it names (every problem here is that NAD's).
    const own = at('spec.config', err.msg.replace(`NetworkAttachmentDefinition ${nad.namespace}/${nad.name}: `, ''));
    if (nad.config.trim() === '') return { problems: [...named, own], warnings: [] };
    const p = parsed(nad.config);
    if ('problem' in p) return { problems: [...named, p.problem], warnings: [] };
    const parts = isObject(p.value) ? partProblems(nad, p.value) : [at('spec.config', 'must be a JSON object')];
    // confFromNad's own words if the parts found nothing (they always should): the verdict is ADD's.
    return { problems: [...named, ...(parts.length ? parts : [own])], warnings: [] };
  }
}
