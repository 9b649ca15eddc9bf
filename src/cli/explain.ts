// `braid explain`: the plan a pod gets (or got), with the exact config each delegate receives, what its
// network-status says, and everything ADD would read past or fail on; attaching nothing. The pod and its NADs come
// from a local store of manifests, from the cluster, or from the node's daemon (its caches: explain-socket.ts); the
// plan is made by ADD's own planner (core/explain-plan.ts). With dynamicNetworks on, it says how to hot-plug.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { delegateArgs, formatCniArgs } from '../cni/args.js';
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { pluginConfig } from '../engine/chain.js';
import { braidEntry, explainPlan, HOTPLUG_HOW, ON_NODE, type Explained } from '../core/explain-plan.js';
import { parseNodeConfig, type NodeConfig } from '../core/node-config.js';
import type { PlannedAttachment } from '../core/plan.js';
import { deliveryOf } from '../core/selection-fields.js';
import { ANNOTATIONS, type ConfFiles, type PodInfo } from '../core/sources.js';
import { closest } from '../core/suggest.js';
import { confDirFiles } from '../store/conf-files.js';
import { checkpointDevices } from '../store/devices.js';
import { clusterSources, localSources, type ExplainSources } from './explain-sources.js';
import { askDaemon, daemonSection, renderDaemon } from './explain-socket.js';
import { formatOutput, outputFormat } from './output.js';
import { networksTable, podNetworks } from './pods.js';
import { renderTable } from './table.js';
import { escapeControls } from './terminal.js';

export interface ExplainOptions {
  localStore?: string;
  kubeconfig?: string;
  /** The node's daemon socket: its caches instead of the API. */
  socket?: string;
  context?: string;
  namespace?: string;
  pod: string;
  config?: string;
  output: string;
}

/**
 * ON_NODE stands for a config that is a file on the node when explain runs elsewhere (a cluster, no --config): the
 * node's primary network, and a NAD whose spec.config is empty. Shown as such, never as a config.
 */
const ON_NODE_NOTE = "a config file on the node: give --config with the node's 00-braid.conflist to show it";

/** A node configuration file, or a .conflist whose plugins include braid's entry (as `braid install` writes). */
function readNodeConfig(path: string, localStore?: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CniError(ErrorCode.InvalidConfig, `cannot read ${path}: ${(err as Error).message}`);
  }
  const entry = braidEntry(parsed, path);
  return localStore ? { ...entry, localStore } : entry;
}

interface Node {
  config: NodeConfig;
  files: ConfFiles;
}

/** The node's configuration: --config; on a local store the node's file; for a cluster, stand-ins (ON_NODE). */
function nodeOf(opts: ExplainOptions): Node {
  if (opts.config || opts.localStore) {
    const config = parseNodeConfig(
      readNodeConfig(opts.config ?? join('/etc/cni/net.d', '00-braid.conflist'), opts.localStore),
    );
    return { config, files: confDirFiles(config.confDir) };
  }
  const onNode = (name: string) => ({ cniVersion: '', name, type: ON_NODE });
  const config = parseNodeConfig({ cniVersion: '1.1.0', name: 'braid', type: 'braid', delegates: [onNode('primary')] });
  return { config, files: { findByName: onNode, readPath: () => undefined } };
}

interface Described {
  args: string;
  /** Why the attachment's NAD could not be used (explain-plan.ts). */
  unavailable?: string;
  /** The default network's name as the pod's network-status has it (explain from a cluster without --config). */
  primary?: string;
}

function describe(att: PlannedAttachment, { args, unavailable, primary }: Described): JsonObject {
  const onNode = att.conf.plugins.some((p) => p.type === ON_NODE);
  const name = onNode && att.isDefault && !att.selection ? (primary ?? '(primary network)') : att.name;
  const out: JsonObject = { name, interface: att.ifname, default: att.isDefault };
  if (att.selection) {
    out.selection = att.selection;
    out.delivery = deliveryOf(att.selection, att.capabilityArgs, att.extraArgs);
  }
  if (unavailable) return { ...out, unavailable };
  if (onNode) return { ...out, note: ON_NODE_NOTE };
  const stdins = att.conf.plugins.map((p) => pluginConfig(att.conf, p, att));
  out.config =
    stdins.length === 1 ? stdins[0]! : { cniVersion: att.conf.cniVersion, name: att.conf.name, plugins: stdins };
  out.cniArgs = formatCniArgs(delegateArgs([], att.extraArgs)) + (args ? `;${args}` : '');
  return out;
}

async function findPod(src: ExplainSources, namespace: string, name: string): Promise<PodInfo> {
  const pod = await src.pods.getPod(namespace, name);
  if (pod) return pod;
  const near = closest(name, await src.podNames(namespace), 2);
  throw new CniError(
    ErrorCode.InvalidConfig,
    `pod ${namespace}/${name} is not in ${src.where}${near ? `; did you mean "${near}"?` : ''}`,
  );
}

/** The name of the default network in a network-status. */
function defaultIn(status: unknown): string | undefined {
  const entry = Array.isArray(status) ? status.find((e) => isObject(e) && e.default === true) : undefined;
  return isObject(entry) && typeof entry.name === 'string' ? entry.name : undefined;
}

/** The network-status the pod has: the annotation's JSON (its text when it is not JSON). */
function statusValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** CNI_ARGS as the runtime gives them for the pod. */
function podArgs(pod: { namespace: string; name: string; uid?: string }): Array<[string, string]> {
  const args: Array<[string, string]> = [
    ['K8S_POD_NAMESPACE', pod.namespace],
    ['K8S_POD_NAME', pod.name],
  ];
  if (pod.uid) args.push(['K8S_POD_UID', pod.uid]);
  return args;
}

/** The output every form prints: the attachments, warnings, errors, the network-status, and how to hot-plug. */
function report(
  plan: Pick<Explained, 'attachments' | 'warnings' | 'errors' | 'unavailable'>,
  o: { args: Array<[string, string]>; statusText: string | undefined; dynamicNetworks: boolean },
): JsonObject {
  const status = o.statusText === undefined ? undefined : statusValue(o.statusText);
  // warnings: what ADD would read past without failing the pod (and report as Warning Events on it).
  const out: JsonObject = {
    attachments: plan.attachments.map((a, i) =>
      describe(a, { args: formatCniArgs(o.args), unavailable: plan.unavailable.get(i), primary: defaultIn(status) }),
    ),
    warnings: plan.warnings,
  };
  if (plan.errors.length) out.errors = plan.errors;
  if (status !== undefined) out.networkStatus = status;
  if (o.dynamicNetworks) out.hotplug = HOTPLUG_HOW;
  return out;
}

/** Through the node's daemon: its caches, its node configuration, and what it alone knows (`daemon`). */
async function explainThroughDaemon(opts: ExplainOptions & { socket: string }): Promise<JsonObject> {
  const reply = await askDaemon(opts.socket, opts.namespace ?? 'default', opts.pod);
  const unavailable = new Map(Object.entries(reply.plan.unavailable).map(([i, why]) => [Number(i), why]));
  const out = report(
    { ...reply.plan, unavailable },
    { args: podArgs(reply.pod), statusText: reply.networkStatus, dynamicNetworks: reply.dynamicNetworks },
  );
  return { ...out, daemon: daemonSection(opts.socket, reply) };
}

export async function explain(opts: ExplainOptions): Promise<JsonObject> {
  if (opts.socket) return explainThroughDaemon({ ...opts, socket: opts.socket });
  const node = nodeOf(opts);
  const src = opts.localStore ? localSources(opts.localStore) : clusterSources(opts);
  const pod = await findPod(src, opts.namespace ?? src.namespace, opts.pod);
  const args = podArgs(pod);
  const plan = await explainPlan(
    {
      config: node.config,
      ifname: 'eth0',
      args,
      pod,
      nads: src.nads,
      files: node.files,
      devices: checkpointDevices(node.config.deviceCheckpointFile, node.config.deviceInfoDir),
    },
    src.nadNames,
  );
  return report(plan, { args, statusText: src.status(pod), dynamicNetworks: node.config.dynamicNetworks === true });
}

/**
 * The plan's table, the network-status's, then each error and warning on a line of its own. Errors and warnings quote
 * NADs and annotations: their control characters are shown escaped, as in the tables (terminal.ts).
 */
export function renderText(plan: JsonObject): string {
  let text = renderTable(plan);
  if (plan.networkStatus !== undefined) {
    const status = JSON.stringify(plan.networkStatus);
    const networks = podNetworks({ namespace: '', name: '', annotations: { [ANNOTATIONS.networkStatus]: status } });
    text += `\nnetwork-status:\n${networksTable(networks!)}`;
  }
  if (plan.daemon) text += `\n${renderDaemon(plan.daemon as JsonObject)}`;
  if (plan.hotplug) text += `\nhot-plug: ${escapeControls(String(plan.hotplug))}\n`;
  const lines = [
    ...((plan.errors ?? []) as string[]).map((e) => `error: ${escapeControls(e)}`),
    ...(plan.warnings as string[]).map((w) => `warning: ${escapeControls(w)}`),
  ];
  return lines.length ? `${text}\n${lines.join('\n')}\n` : text;
}

/** Prints the plan; exit status 1 when ADD would fail the pod (or there is no plan). */
export async function runExplain(opts: ExplainOptions, command: string): Promise<number> {
  try {
    const format = outputFormat(opts.output);
    const plan = await explain(opts);
    // When ADD would fail, the errors are part of the plan printed (exit status 1), not said twice on stderr.
    process.stdout.write(formatOutput(plan, format, () => renderText(plan)));
    return plan.errors ? 1 : 0;
  } catch (err) {
    const e = toCniError(err);
    process.stderr.write(
      `${command}: ${escapeControls(e.message)}${e.details ? ` (${escapeControls(e.details)})` : ''}\n`,
    );
    return 1;
  }
}

/** What is wrong with the options given, if anything. */
function optionsProblem(opts: ExplainOptions): string | undefined {
  if ([opts.localStore, opts.kubeconfig, opts.socket].filter(Boolean).length !== 1)
    return 'give one of --local-store, --kubeconfig and --socket';
  if (opts.socket && (opts.config || opts.context))
    return `--socket plans with the daemon's own node configuration: leave out --${opts.config ? 'config' : 'context'}`;
  return undefined;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description(
      'print the attachments a pod gets, with the exact delegate configs and its network-status, without attaching anything',
    )
    .requiredOption('--pod <name>', 'the pod')
    .option('--local-store <dir>', 'directory of Pod and NetworkAttachmentDefinition manifests')
    .option('--kubeconfig <file>', 'read the pod and its NADs from this cluster')
    .option(
      '--socket <path>',
      "ask the node's braid daemon (its socket, e.g. /run/braid/braid.sock; root only): its caches, no API request",
    )
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <ns>', "the pod's namespace (default: the context's, else default)")
    .option('--config <file>', 'node configuration (the JSON the runtime passes on stdin, or a .conflist holding it)')
    .option('-o, --output <format>', 'json, yaml or table (text)', 'json')
    .action(async (opts: ExplainOptions) => {
      const problem = optionsProblem(opts);
      if (problem) {
        process.stderr.write(`braid explain: ${problem}\n`);
        process.exitCode = 1;
        return;
      }
      process.exitCode = await runExplain(opts, 'braid explain');
    });
}
