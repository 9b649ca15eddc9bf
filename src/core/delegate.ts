// A NAD (or a configured network) plus the pod's selection element → the delegate conflist and the
// runtime arguments it is offered (NPWG §3.4, §4.1.2; libcni capabilities).
import type { CniArgs } from '../cni/args.js';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject, type NetConfList } from '../cni/types.js';
import { toConfList } from '../cni/conflist.js';
import { boundsProblem, MAX_TEXT_BYTES, textProblem } from './bounds.js';
import { SELECTION_FIELDS, type SelectionElement } from './selection-fields.js';
import type { ConfFiles, Nad } from './sources.js';

/** spec.config → conflist; an empty config means "the file in confDir with the NAD's name" (NPWG §3.4.1). */
export function confFromNad(nad: Nad, files: ConfFiles): NetConfList {
  const where = `NetworkAttachmentDefinition ${nad.namespace}/${nad.name}`;
  let conf: unknown;
  if (nad.config.trim() === '') {
    conf = files.findByName(nad.name);
    if (!conf)
      throw new CniError(
        ErrorCode.InvalidConfig,
        `${where}: spec.config is empty and no config file named "${nad.name}" is in confDir`,
      );
  } else {
    const tooBig = textProblem(nad.config);
    if (tooBig) throw new CniError(ErrorCode.InvalidConfig, `${where}: spec.config ${tooBig}`);
    try {
      conf = JSON.parse(nad.config);
    } catch (err) {
      throw new CniError(ErrorCode.InvalidConfig, `${where}: spec.config is not valid JSON: ${(err as Error).message}`);
    }
    const problem = boundsProblem(conf, MAX_TEXT_BYTES);
    if (problem) throw new CniError(ErrorCode.InvalidConfig, `${where}: spec.config ${problem}`);
  }
  if (isObject(conf) && (conf.name === undefined || conf.name === '')) conf = { ...conf, name: nad.name }; // NPWG §3.4.2
  return toConfList(conf, where);
}

const declares = (list: NetConfList, cap: string) =>
  list.plugins.some((p) => isObject(p.capabilities) && (p.capabilities as JsonObject)[cap] === true);

export interface Delegate {
  conf: NetConfList;
  capabilityArgs: JsonObject;
  extraArgs: CniArgs;
}

/**
 * Applies a selection to a delegate: cni-args merge into every plugin's args.cni (the annotation wins),
 * requested values go to runtimeConfig where a plugin declares the capability, and otherwise to the
 * legacy IP=/MAC= CNI_ARGS that Multus also sends (docs/adr/0003).
 */
export function applySelection(conf: NetConfList, sel: SelectionElement | undefined, deviceId?: string): Delegate {
  const capabilityArgs: JsonObject = {};
  const extraArgs: CniArgs = [];
  let plugins = conf.plugins;
  const cniArgs = sel?.['cni-args'];
  if (cniArgs) {
    plugins = plugins.map((p) => {
      const args = isObject(p.args) ? p.args : {};
      const cni = isObject(args.cni) ? args.cni : {};
      return { ...p, args: { ...args, cni: { ...cni, ...cniArgs } } };
    });
  }
  const device = deviceId ?? sel?.deviceID;
  // A device-plugin allocation goes into every plugin as deviceID and pciBusID, as SR-IOV and host-device read it.
  if (deviceId) plugins = plugins.map((p) => ({ ...p, deviceID: deviceId, pciBusID: deviceId }));
  const out: NetConfList = { ...conf, plugins };
  const requested: JsonObject = { ...(sel ?? {}) };
  if (device) requested.deviceID = device;
  for (const field of SELECTION_FIELDS) {
    const value = requested[field.key];
    if (value === undefined || !field.capability) continue;
    if (declares(out, field.capability)) capabilityArgs[field.capability] = value;
    else if (field.legacyArg) extraArgs.push([field.legacyArg.name, field.legacyArg.format(value)]);
  }
  return { conf: out, capabilityArgs, extraArgs };
}
