// Finding the primary network config in the conf dir: the alphabetically first .conf/.conflist/.json
// other than braid's own that parses as a CNI config (an empty or half-written file is not one yet). A meta-plugin's
// config (Multus' 00-multus.conf, thin or thick, or braid's under another name) is not a primary: on a node braid
// takes over from Multus, the primary is the file Multus' config names in `clusterNetwork`, else the next one.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { isObject, type JsonObject } from '../cni/types.js';
import { BRAID_CONFLIST } from './node-conflist.js';

const CONF_EXT = /\.(conf|conflist|json)$/;

export interface Primary {
  path: string;
  config: JsonObject;
}

function readConfig(path: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isObject(v) || typeof v.name !== 'string') return undefined;
    if (Array.isArray(v.plugins) ? v.plugins.length > 0 : typeof v.type === 'string') return v;
    return undefined;
  } catch {
    return undefined;
  }
}

/** Multus thin ("multus"), thick ("multus-shim") and braid itself. */
const META_PLUGINS = new Set(['multus', 'multus-shim', 'braid']);

function metaPluginOf(config: JsonObject): JsonObject | undefined {
  const first = Array.isArray(config.plugins) ? config.plugins[0] : config;
  return isObject(first) && typeof first.type === 'string' && META_PLUGINS.has(first.type) ? first : undefined;
}

/**
 * The primary a meta-plugin's config points at: the file its `clusterNetwork` path names, looked up in `confDir`
 * (Multus thick writes the path as its daemon sees it, e.g. /host/etc/cni/net.d/10-calico.conflist).
 */
function behind(meta: JsonObject, confDir: string): Primary | undefined {
  const target = meta.clusterNetwork;
  if (typeof target !== 'string' || !isAbsolute(target) || !CONF_EXT.test(target)) return undefined;
  const path = join(confDir, basename(target));
  const config = readConfig(path);
  return config && !metaPluginOf(config) ? { path, config } : undefined;
}

export function findPrimary(confDir: string): Primary | undefined {
  let names: string[];
  try {
    names = readdirSync(confDir)
      .filter((n) => CONF_EXT.test(n) && n !== BRAID_CONFLIST && !n.startsWith('.'))
      .sort();
  } catch {
    return undefined;
  }
  for (const n of names) {
    const config = readConfig(join(confDir, n));
    if (!config) continue;
    const meta = metaPluginOf(config);
    if (!meta) return { path: join(confDir, n), config };
    const primary = behind(meta, confDir);
    if (primary) return primary;
  }
  return undefined;
}
