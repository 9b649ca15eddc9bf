// NetworkAttachmentDefinitions in manifest files for `braid validate`: files, or directories of *.yaml, *.yml and
// *.json (multi-document YAML and kind List allowed). Unlike the local store, a file that does not parse is one
// problem among others, reported with its line, and every other file is still read.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { isObject, type JsonObject } from '../cni/types.js';

export interface ManifestObject {
  object: JsonObject;
  file: string;
  line: number;
}

export interface ManifestFailure {
  file: string;
  line?: number;
  message: string;
}

const MANIFEST = /\.(ya?ml|json)$/;

/** The manifest files under `path` (itself when it is a file), in name order; dot directories are skipped. */
export function manifestFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const p = join(path, e.name);
      if (e.isDirectory()) return e.name.startsWith('.') ? [] : manifestFiles(p);
      return e.isFile() && MANIFEST.test(e.name) ? [p] : [];
    });
}

/** Every object in one file, with the line its document starts on; a document that does not parse fails alone. */
export function readObjects(file: string): { objects: ManifestObject[]; failures: ManifestFailure[] } {
  const objects: ManifestObject[] = [];
  const failures: ManifestFailure[] = [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { objects, failures: [{ file, message: `cannot be read: ${(err as Error).message}` }] };
  }
  const lines = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })) {
    const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    const err = doc.errors[0];
    if (err) {
      failures.push({ file, line: lines.linePos(err.pos[0]).line, message: err.message.split('\n')[0]! });
      continue;
    }
    let value: unknown;
    try {
      // yaml's own bound on alias expansion, spelled out: an alias bomb fails its document, not the machine.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      failures.push({ file, line, message: `the YAML document cannot be read: ${(e as Error).message}` });
      continue;
    }
    const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) if (isObject(item)) objects.push({ object: item, file, line });
  }
  return { objects, failures };
}
