// Delegate configs, normalised to a conflist as libcni's ConfListFromConf does for a single .conf.
import { CniError, ErrorCode, toCniError } from './errors.js';
import { isObject, type JsonObject, type NetConfList, type PluginConf } from './types.js';
import { networkNameProblem } from './validate.js';
import { checkPluginType } from './plugin-type.js';

/**
 * Accepts a single plugin config (has "type") or a conflist (has "plugins"). `where` names the config in
 * errors (e.g. `delegates[1]` or `NAD default/macvlan-a`).
 */
export function toConfList(conf: unknown, where: string): NetConfList {
  if (!isObject(conf))
    throw new CniError(ErrorCode.InvalidConfig, `${where}: the network config must be a JSON object`);
  const name = conf.name;
  if (typeof name !== 'string' || name === '')
    throw new CniError(ErrorCode.InvalidConfig, `${where}: the network config has no "name"`);
  const problem = networkNameProblem(name);
  if (problem) throw new CniError(ErrorCode.InvalidConfig, `${where}: network name "${name}" ${problem}`);
  if (conf.cniVersion !== undefined && typeof conf.cniVersion !== 'string') {
    throw new CniError(ErrorCode.InvalidConfig, `${where}: "cniVersion" must be a string`);
  }
  if (Array.isArray(conf.plugins)) return listFrom(conf, name, where);
  if (conf.plugins !== undefined) throw new CniError(ErrorCode.InvalidConfig, `${where}: "plugins" must be a list`);
  if (conf.type === undefined)
    throw new CniError(ErrorCode.InvalidConfig, `${where}: the network config has neither "type" nor "plugins"`);
  try {
    checkPluginType(conf.type);
  } catch (err) {
    throw toCniError(err).withContext({ where: [where] });
  }
  const list: NetConfList = { name, plugins: [conf as PluginConf] };
  if (typeof conf.cniVersion === 'string') list.cniVersion = conf.cniVersion;
  return list;
}

function listFrom(conf: JsonObject, name: string, where: string): NetConfList {
  const plugins = conf.plugins as unknown[];
  if (plugins.length === 0)
    throw new CniError(ErrorCode.InvalidConfig, `${where}: the conflist "${name}" has no plugins`);
  plugins.forEach((p, i) => {
    if (!isObject(p)) throw new CniError(ErrorCode.InvalidConfig, `${where}: plugins[${i}] is not an object`);
    try {
      checkPluginType(p.type);
    } catch (err) {
      throw toCniError(err).withContext({ where: [where, `plugins[${i}]`] });
    }
  });
  return { ...(conf as unknown as NetConfList), name, plugins: plugins as PluginConf[] };
}

export const listVersion = (list: NetConfList) => list.cniVersion ?? '';
