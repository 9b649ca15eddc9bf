// Config files on the node (confDir), read as libcni lists them: .conf, .conflist, .json, lexical order.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isObject, type JsonObject } from '../cni/types.js';
import type { ConfFiles } from '../core/sources.js';

const CONF_EXT = /\.(conf|conflist|json)$/;

function readJson(path: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function listConfFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => CONF_EXT.test(n))
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

export function confDirFiles(confDir: string): ConfFiles {
  return {
    findByName(name) {
      for (const file of listConfFiles(confDir)) {
        const conf = readJson(file);
        if (conf?.name === name) return conf;
      }
      return undefined;
    },
    readPath(path) {
      try {
        if (statSync(path).isDirectory()) {
          const first = listConfFiles(path)[0];
          return first ? readJson(first) : undefined;
        }
      } catch {
        return undefined;
      }
      return readJson(path);
    },
  };
}
