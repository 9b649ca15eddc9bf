// The local store: every *.yaml, *.yml and *.json under a directory, multi-document YAML allowed, read
// for Pods and NetworkAttachmentDefinitions. A malformed manifest is an error naming the file and line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';

export interface Manifest {
  file: string;
  object: JsonObject;
}

const MANIFEST = /\.(ya?ml|json)$/;

function walk(dir: string, skip: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory() && path !== skip && !e.name.startsWith('.')) out.push(...walk(path, skip));
    else if (e.isFile() && MANIFEST.test(e.name)) out.push(path);
  }
  return out;
}

function parseFile(root: string, file: string): Manifest[] {
  const text = readFileSync(file, 'utf8');
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: Manifest[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? '?';
      throw new CniError(
        ErrorCode.InvalidConfig,
        `local store: ${relative(root, file)} line ${line}: ${err.message.split('\n')[0]}`,
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) if (isObject(item)) out.push({ file, object: item });
  }
  return out;
}

/** Reads every manifest under `root`, except the status directory braid writes itself. */
export function readManifests(root: string, statusDir: string): Manifest[] {
  let files: string[];
  try {
    files = walk(root, statusDir);
  } catch (err) {
    throw new CniError(ErrorCode.InvalidConfig, `local store ${root} cannot be read: ${(err as Error).message}`);
  }
  return files.flatMap((f) => parseFile(root, f));
}
