// Finding the primary network config in the conf dir: the alphabetically first .conf/.conflist/.json
// other than braid's own that parses as a CNI config (an empty or half-written file is not one yet).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
    if (config && config.type !== 'braid') return { path: join(confDir, n), config };
  }
  return undefined;
}
