// `braid validate` and `kubectl braid validate`: NADs from files, directories or the cluster, checked by ADD's own
// checks (core/nad-check.ts). Every problem is reported with its NAD, where it came from and its field; the exit
// status is 1 when any NAD is invalid.
import type { Command } from 'commander';
import { isObject } from '../cni/types.js';
import { checkNad, type NadProblem } from '../core/nad-check.js';
import type { ConfFiles, Nad } from '../core/sources.js';
import { closest } from '../core/suggest.js';
import type { ApiClient } from '../k8s/api.js';
import { getNad } from '../k8s/resources.js';
import { confDirFiles } from '../store/conf-files.js';
import { listNads } from './cluster-reads.js';
import { connect } from './kubeconfig.js';
import { manifestFiles, readObjects, type ManifestObject } from './manifest-files.js';
import { formatOutput, outputFormat } from './output.js';
import { formatTable } from './table.js';
import { escapeControls } from './terminal.js';

export interface CheckedNad {
  namespace?: string;
  name: string;
  /** The manifest file and the line its object starts on; none for a NAD read from the cluster. */
  file?: string;
  line?: number;
  valid: boolean;
  problems: NadProblem[];
  warnings: NadProblem[];
}

export interface ValidateReport {
  valid: boolean;
  nads: CheckedNad[];
}

export interface ClusterSelection {
  api: ApiClient;
  /** undefined: every namespace. */
  namespace?: string;
  /** NADs by name (in `namespace`); none: all of them. */
  names: string[];
}

const checked = (
  base: Omit<CheckedNad, 'valid' | 'problems' | 'warnings'>,
  problems: NadProblem[],
  warnings: NadProblem[] = [],
): CheckedNad => ({
  ...base,
  valid: problems.length === 0,
  problems,
  warnings,
});

/** A NAD object of a manifest: its name and spec.config as the API server would keep them, then ADD's checks. */
function checkObject({ object, file, line }: ManifestObject, files?: ConfFiles): CheckedNad {
  const m = isObject(object.metadata) ? object.metadata : {};
  const spec = isObject(object.spec) ? object.spec : {};
  const name = typeof m.name === 'string' ? m.name : '';
  const base = { ...(typeof m.namespace === 'string' ? { namespace: m.namespace } : {}), name, file, line };
  if (!name) return checked(base, [{ field: 'metadata.name', message: 'is missing' }]);
  if (spec.config !== undefined && typeof spec.config !== 'string')
    return checked(base, [{ field: 'spec.config', message: 'must be a string (the JSON config as text)' }]);
  const annotations = (isObject(m.annotations) ? m.annotations : {}) as Record<string, string>;
  const nad: Nad = { namespace: base.namespace ?? 'default', name, config: (spec.config as string) ?? '', annotations };
  const { problems, warnings } = checkNad(nad, files);
  return checked(base, problems, warnings);
}

/** Every NAD in `paths`; a file that cannot be read or parsed is reported as an invalid entry of its own. */
export function validateFiles(paths: string[], files?: ConfFiles): CheckedNad[] {
  const out: CheckedNad[] = [];
  for (const path of paths) {
    let found: string[];
    try {
      found = manifestFiles(path);
    } catch (err) {
      out.push(checked({ name: '', file: path }, [{ field: '(file)', message: (err as Error).message }]));
      continue;
    }
    for (const file of found) {
      const { objects, failures } = readObjects(file);
      for (const f of failures)
        out.push(
          checked({ name: '', file: f.file, ...(f.line ? { line: f.line } : {}) }, [
            { field: '(file)', message: f.message },
          ]),
        );
      for (const o of objects) if (o.object.kind === 'NetworkAttachmentDefinition') out.push(checkObject(o, files));
    }
  }
  return out;
}

/** The cluster's NADs: all of a namespace (or every namespace), or the ones named, a missing one being a problem. */
export async function validateCluster(sel: ClusterSelection, files?: ConfFiles): Promise<CheckedNad[]> {
  const check = (nad: Nad) => {
    const { problems, warnings } = checkNad(nad, files);
    return checked({ namespace: nad.namespace, name: nad.name }, problems, warnings);
  };
  if (!sel.names.length) return (await listNads(sel.api, sel.namespace)).map(check);
  const ns = sel.namespace ?? 'default';
  let known: string[] | undefined;
  const out: CheckedNad[] = [];
  for (const name of sel.names) {
    const nad = await getNad(sel.api, ns, name);
    if (nad) {
      out.push(check(nad));
      continue;
    }
    known ??= (await listNads(sel.api, ns)).map((n) => n.name);
    const near = closest(name, known, name.length > 4 ? 2 : 1);
    const message = `no NetworkAttachmentDefinition of that name in "${ns}"${near ? `; did you mean "${near}"?` : ''}`;
    out.push(checked({ namespace: ns, name }, [{ field: 'metadata.name', message }]));
  }
  return out;
}

const label = (n: CheckedNad) => (n.name ? (n.namespace ? `${n.namespace}/${n.name}` : n.name) : '-');
const where = (n: CheckedNad) => (n.file ? `${n.file}${n.line ? `:${n.line}` : ''}` : 'cluster');

/** One row per problem and warning, one "ok" row for a NAD without either; then a count. */
export function validateTable(report: ValidateReport): string {
  const rows = report.nads.flatMap((n) => {
    const lead = [label(n), where(n)];
    if (!n.problems.length && !n.warnings.length) return [[...lead, 'ok', '-', '']];
    return [
      ...n.problems.map((p) => [...lead, 'invalid', p.field, p.message]),
      ...n.warnings.map((p) => [...lead, 'warning', p.field, p.message]),
    ];
  });
  const bad = report.nads.filter((n) => !n.valid).length;
  const count = `${report.nads.length} checked, ${bad} invalid\n`;
  return formatTable(['NAD', 'SOURCE', 'RESULT', 'FIELD', 'MESSAGE'], rows) + count;
}

export interface ValidateOutput {
  output: string;
}

/** Prints the report; 1 when any NAD is invalid, or when there was nothing to check in the files given. */
export function printReport(
  nads: CheckedNad[],
  opts: ValidateOutput & { command: string; fromFiles: boolean },
): number {
  const report: ValidateReport = { valid: nads.every((n) => n.valid), nads };
  process.stdout.write(formatOutput(report, outputFormat(opts.output), () => validateTable(report)));
  if (opts.fromFiles && nads.length === 0) {
    process.stderr.write(`${opts.command}: no NetworkAttachmentDefinition in the files given\n`);
    return 1;
  }
  return report.valid ? 0 : 1;
}

interface ValidateOptions extends ValidateOutput {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  confDir?: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check NetworkAttachmentDefinitions with the checks ADD applies: files, directories, or the cluster')
    .argument('[targets...]', 'manifest files or directories; with --kubeconfig, NAD names')
    .option('--kubeconfig <file>', 'check the NADs of this cluster')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <ns>', "the NADs' namespace (default: the context's, else default)")
    .option('-A, --all-namespaces', 'every namespace')
    .option('--conf-dir <dir>', "the node's confDir, for NADs whose spec.config is empty")
    .option('-o, --output <format>', 'json, yaml or table', 'table')
    .action(async (targets: string[], opts: ValidateOptions) => {
      process.exitCode = await runValidate(targets, opts);
    });
}

async function runValidate(targets: string[], opts: ValidateOptions): Promise<number> {
  const command = 'braid validate';
  try {
    outputFormat(opts.output);
    const files = opts.confDir ? confDirFiles(opts.confDir) : undefined;
    if (!opts.kubeconfig) {
      if (!targets.length) throw new Error('give manifest files or directories, or --kubeconfig to check a cluster');
      return printReport(validateFiles(targets, files), { ...opts, command, fromFiles: true });
    }
    if (opts.allNamespaces && targets.length)
      throw new Error('NADs cannot be named across all namespaces: drop -A, or the names');
    const { api, namespace } = connect(opts);
    const nads = await validateCluster(
      { api, namespace: opts.allNamespaces ? undefined : namespace, names: targets },
      files,
    );
    return printReport(nads, { ...opts, command, fromFiles: false });
  } catch (err) {
    process.stderr.write(`${command}: ${escapeControls((err as Error).message)}\n`);
    return 1;
  }
}
