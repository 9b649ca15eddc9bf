// `kubectl braid`: the kubectl plugin (kubectl runs `kubectl-braid` from the PATH with the words after "braid").
// The cluster is found as kubectl finds it (kubeconfig.ts); every command that prints data takes -o json|yaml|table.
import { Command, Option } from 'commander';
import { toCniError } from '../cni/errors.js';
import { confDirFiles } from '../store/conf-files.js';
import { listPods } from './cluster-reads.js';
import { runExplain } from './explain.js';
import { connect, type ClusterOptions } from './kubeconfig.js';
import { formatOutput, outputFormat } from './output.js';
import { type PodNetworks, podNetworks, podsTable } from './pods.js';
import { escapeControls } from './terminal.js';
import { printReport, validateCluster, validateFiles } from './validate.js';
import { versionLine } from './version.js';

interface Global extends ClusterOptions {
  allNamespaces?: boolean;
  output: string;
}

const outputOption = () => new Option('-o, --output <format>', 'json, yaml or table').default('table');

/** Runs a command, turning an error into a message on stderr and exit status 1. */
async function guarded(name: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    const e = toCniError(err);
    // The message may quote the cluster (a NAD, an annotation, the API server's words): escaped (terminal.ts).
    process.stderr.write(
      `kubectl braid ${name}: ${escapeControls(e.message)}${e.details ? ` (${escapeControls(e.details)})` : ''}\n`,
    );
    return 1;
  }
}

async function pods(opts: Global): Promise<number> {
  const format = outputFormat(opts.output);
  const { api, namespace } = connect(opts);
  const all = !!opts.allNamespaces;
  const found = (await listPods(api, all ? undefined : namespace)).flatMap((p) => podNetworks(p) ?? []);
  if (!found.length && format === 'table') {
    process.stderr.write(`No pods with networks found${all ? '' : ` in namespace ${escapeControls(namespace)}`}.\n`);
    return 0;
  }
  const data: { pods: PodNetworks[] } = { pods: found };
  process.stdout.write(formatOutput(data, format, () => podsTable(found, all)));
  return 0;
}

function registerPods(program: Command): void {
  program
    .command('pods')
    .description("pods and their networks (interface, network, IPs, MAC, default), from each pod's network-status")
    .addOption(outputOption())
    .action(async (_opts: unknown, cmd: Command) => {
      process.exitCode = await guarded('pods', () => pods(cmd.optsWithGlobals<Global>()));
    });
}

function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('the plan a pod gets: its attachments, the exact delegate configs, its network-status, warnings')
    .argument('<pod>', 'the pod')
    .option('--config <file>', "the node's braid configuration (its 00-braid.conflist), to show the primary network")
    .addOption(outputOption())
    .action(async (pod: string, _opts: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<Global & { config?: string }>();
      if (o.allNamespaces) {
        process.stderr.write('kubectl braid explain: a pod is named in one namespace: use -n, not -A\n');
        process.exitCode = 1;
        return;
      }
      process.exitCode = await runExplain({ ...o, pod }, 'kubectl braid explain');
    });
}

function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("check the cluster's NADs (all of the namespace, or the ones named) with the checks ADD applies")
    .argument('[nad...]', 'NAD names (default: every NAD of the namespace, or of all with -A)')
    .option('-f, --filename <path...>', 'check manifest files or directories instead of the cluster')
    .option('--conf-dir <dir>', "the node's confDir, for NADs whose spec.config is empty")
    .addOption(outputOption())
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<Global & { filename?: string[]; confDir?: string }>();
      process.exitCode = await guarded('validate', async () => {
        outputFormat(o.output);
        const files = o.confDir ? confDirFiles(o.confDir) : undefined;
        const print = { output: o.output, command: 'kubectl braid validate' };
        if (o.filename) return printReport(validateFiles(o.filename, files), { ...print, fromFiles: true });
        if (o.allNamespaces && names.length) throw new Error('NADs cannot be named across all namespaces: drop -A');
        const { api, namespace } = connect(o);
        const sel = { api, namespace: o.allNamespaces ? undefined : namespace, names };
        return printReport(await validateCluster(sel, files), { ...print, fromFiles: false });
      });
    });
}

export async function runKubectlBraid(argv: string[]): Promise<number> {
  const program = new Command('kubectl braid')
    .description("braid's view of a cluster's pod networks")
    .version(versionLine('kubectl-braid'), '--version')
    .option('--kubeconfig <file>', 'the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <ns>', "the namespace (default: the context's, else default)")
    .option('-A, --all-namespaces', 'every namespace')
    .exitOverride();
  registerPods(program);
  registerExplain(program);
  registerValidate(program);
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return typeof code === 'number' ? code : 1;
  }
}
