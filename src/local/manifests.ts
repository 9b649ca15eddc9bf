// The one reader of YAML and JSON manifest files: every *.yaml, *.yml and *.json under a directory (dot directories
// skipped), multi-document YAML and kind List allowed, each object with its file and the line its document starts on.
// A file is read whole and every problem in it is returned: the local store stops at the first (readManifests, a CNI
// error naming the file and line), `braid validate` reports each and goes on (cli/manifest-files.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { CniError, ErrorCode } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';

export interface Manifest {
  file: string;
  /** The line its document starts on (an object of a List: the List's). */
  line: number;
  object: JsonObject;
}

export interface ManifestFailure {
  file: string;
  /** The syntax error's line, or the first line of the document that cannot be built; none for a file not read. */
  line?: number;
  /**
   * `read`: the file cannot be read; `syntax`: a document does not parse; `build`: a parsed document cannot be made
   * into a value; `aliases`: that, because it expands its aliases more than MAX_ALIAS_COUNT times.
   */
  kind: 'read' | 'syntax' | 'build' | 'aliases';
  /** The file system's or yaml's own words, the first line of them. */
  message: string;
}

/**
 * How many times the aliases of one document may be expanded: yaml's own default, spelled out, as it is what stops a
 * "billion laughs" (anchors aliased inside anchors) from growing a few lines into gigabytes.
 */
export const MAX_ALIAS_COUNT = 100;

const MANIFEST = /\.(ya?ml|json)$/;

/** The manifest files of a directory and its subdirectories, in name order; dot directories and `skip` left out. */
export function manifestsUnder(dir: string, skip?: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return path === skip || e.name.startsWith('.') ? [] : manifestsUnder(path, skip);
      return e.isFile() && MANIFEST.test(e.name) ? [path] : [];
    });
}

/** The manifest files of `path`: itself when it is a file, else those under it (manifestsUnder). */
export function manifestFiles(path: string): string[] {
  return statSync(path).isDirectory() ? manifestsUnder(path) : [path];
}

const firstLine = (message: string) => message.split('\n')[0]!;

/** Every object in one file; a document that does not parse, or cannot be built, fails alone. */
export function readManifestFile(file: string): { objects: Manifest[]; failures: ManifestFailure[] } {
  const objects: Manifest[] = [];
  const failures: ManifestFailure[] = [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { objects, failures: [{ file, kind: 'read', message: firstLine((err as Error).message) }] };
  }
  const lines = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })) {
    const err = doc.errors[0];
    if (err) {
      failures.push({ file, line: lines.linePos(err.pos[0]).line, kind: 'syntax', message: firstLine(err.message) });
      continue;
    }
    const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const message = firstLine((e as Error).message);
      failures.push({ file, line, kind: /alias count/i.test(message) ? 'aliases' : 'build', message });
      continue;
    }
    const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) if (isObject(item)) objects.push({ file, line, object: item });
  }
  return { objects, failures };
}

/** A failure in words, to follow its file and line. */
export function failureText(f: ManifestFailure): string {
  switch (f.kind) {
    case 'read':
      return `cannot be read: ${f.message}`;
    case 'syntax':
      return f.message;
    case 'build':
      return `the YAML document starting on this line cannot be read: ${f.message}`;
    case 'aliases':
      return `the YAML document starting on this line expands its aliases more than ${MAX_ALIAS_COUNT} times (an alias bomb?)`;
  }
}

/**
 * Reads every manifest under `root`, except the status directory braid writes itself. The first problem is a CNI
 * error (code 7) naming the file, relative to `root`, and the line.
 */
export function readManifests(root: string, statusDir: string): Manifest[] {
  let files: string[];
  try {
    files = manifestsUnder(root, statusDir);
  } catch (err) {
    throw new CniError(ErrorCode.InvalidConfig, `local store ${root} cannot be read: ${(err as Error).message}`);
  }
  return files.flatMap((file) => {
    const { objects, failures } = readManifestFile(file);
    const f = failures[0];
    if (!f) return objects;
    const where = `${relative(root, file)}${f.line === undefined ? '' : ` line ${f.line}`}`;
    throw new CniError(ErrorCode.InvalidConfig, `local store: ${where}: ${failureText(f)}`);
  });
}
