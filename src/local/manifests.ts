// The local store: every *.yaml, *.yml and *.json under a directory, multi-document YAML allowed, read
// for Pods and NetworkAttachmentDefinitions. A malformed manifest is an error naming the file and line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments, type Document } from 'yaml';
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

/**
 * How many times the aliases of one document may be expanded: yaml's own default, spelled out, as it is what stops a
 * "billion laughs" (anchors aliased inside anchors) from growing a few lines into gigabytes.
 */
export const MAX_ALIAS_COUNT = 100;

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/** The document's value; anything yaml refuses while building it (an alias bomb above all) names the file and line. */
function valueOf(doc: Document.Parsed, text: string, where: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const line = lineAt(text, doc.contents?.range?.[0] ?? doc.range[0]);
    const why = /alias count/i.test((err as Error).message)
      ? `the YAML document starting on this line expands its aliases more than ${MAX_ALIAS_COUNT} times (an alias bomb?)`
      : `the YAML document starting on this line cannot be read: ${(err as Error).message}`;
    throw new CniError(ErrorCode.InvalidConfig, `local store: ${where} line ${line}: ${why}`);
  }
}

function parseFile(root: string, file: string): Manifest[] {
  const text = readFileSync(file, 'utf8');
  const where = relative(root, file);
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: Manifest[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? '?';
      throw new CniError(ErrorCode.InvalidConfig, `local store: ${where} line ${line}: ${err.message.split('\n')[0]}`);
    }
    const value = valueOf(doc, text, where);
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
