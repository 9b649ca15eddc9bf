// NetworkAttachmentDefinitions in manifest files for `braid validate`, read by the local store's own reader
// (local/manifests.ts): files, or directories of *.yaml, *.yml and *.json (multi-document YAML and kind List allowed).
// Unlike the local store, a file that does not parse is one problem among others, reported with its line, and every
// other file is still read.
import {
  failureText,
  manifestFiles,
  readManifestFile,
  type Manifest,
  type ManifestFailure,
} from '../local/manifests.js';

export { manifestFiles };
export type ManifestObject = Manifest;

export interface ManifestProblem {
  file: string;
  line?: number;
  message: string;
}

/** The report gives the document's line beside the message (file:line), and yaml's own words for what failed. */
const problemText = (f: ManifestFailure) =>
  f.kind === 'build' || f.kind === 'aliases' ? `the YAML document cannot be read: ${f.message}` : failureText(f);

/** Every object in one file, with the line its document starts on; a document that does not parse fails alone. */
export function readObjects(file: string): { objects: ManifestObject[]; failures: ManifestProblem[] } {
  const { objects, failures } = readManifestFile(file);
  return {
    objects,
    failures: failures.map((f) => ({
      file: f.file,
      ...(f.line === undefined ? {} : { line: f.line }),
      message: problemText(f),
    })),
  };
}
