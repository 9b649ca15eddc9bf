// `braid explain`: the plan a pod would get, with the exact config each delegate would receive,
// attaching nothing. Errors are the ones ADD would give.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { delegateArgs, formatCniArgs } from '../cni/args.js';
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { pluginConfig } from '../engine/chain.js';
import { parseNodeConfig } from '../core/node-config.js';
import { planAttachments, type PlannedAttachment } from '../core/plan.js';
import { deliveryOf } from '../core/selection-fields.js';
import { LocalStore } from '../local/local-store.js';
import { confDirFiles } from '../store/conf-files.js';
import { checkpointDevices } from '../store/devices.js';
import { renderTable } from './table.js';

interface ExplainOptions {
  localStore: string;
  namespace: string;
  pod: string;
  config?: string;
  output: string;
}

/** A node configuration file, or a .conflist whose plugins include braid's entry (as `braid install` writes). */
function readNodeConfig(path: string, localStore: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CniError(ErrorCode.InvalidConfig, `cannot read ${path}: ${(err as Error).message}`);
  }
  if (isObject(parsed) && Array.isArray(parsed.plugins)) {
    const entry = parsed.plugins.find((p) => isObject(p) && p.type === 'braid');
    if (!isObject(entry)) throw new CniError(ErrorCode.InvalidConfig, `${path} has no plugin of type "braid"`);
    parsed = { cniVersion: parsed.cniVersion, name: parsed.name, ...entry };
  }
  if (!isObject(parsed)) throw new CniError(ErrorCode.InvalidConfig, `${path} must hold a JSON object`);
  return { ...parsed, localStore };
}

function describe(att: PlannedAttachment, args: string): JsonObject {
  const stdins = att.conf.plugins.map((p) => pluginConfig(att.conf, p, att));
  const config =
    stdins.length === 1 ? stdins[0]! : { cniVersion: att.conf.cniVersion, name: att.conf.name, plugins: stdins };
  const out: JsonObject = { name: att.name, interface: att.ifname, default: att.isDefault };
  if (att.selection) {
    out.selection = att.selection;
    out.delivery = deliveryOf(att.selection, att.capabilityArgs, att.extraArgs);
  }
  out.config = config;
  out.cniArgs = formatCniArgs(delegateArgs([], att.extraArgs)) + (args ? `;${args}` : '');
  return out;
}

export async function explain(opts: ExplainOptions): Promise<JsonObject> {
  const raw = readNodeConfig(opts.config ?? join('/etc/cni/net.d', '00-braid.conflist'), opts.localStore);
  const config = parseNodeConfig(raw);
  const store = new LocalStore(opts.localStore);
  const pod = await store.getPod(opts.namespace, opts.pod);
  if (!pod)
    throw new CniError(
      ErrorCode.InvalidConfig,
      `pod ${opts.namespace}/${opts.pod} is not in the local store ${opts.localStore}`,
    );
  const args: Array<[string, string]> = [
    ['K8S_POD_NAMESPACE', pod.namespace],
    ['K8S_POD_NAME', pod.name],
  ];
  if (pod.uid) args.push(['K8S_POD_UID', pod.uid]);
  const { attachments, warnings } = await planAttachments({
    config,
    ifname: 'eth0',
    args,
    pod,
    nads: store,
    files: confDirFiles(config.confDir),
    devices: checkpointDevices(config.deviceCheckpointFile, config.deviceInfoDir),
  });
  // warnings: what ADD would read past without failing the pod (and report as Warning Events on it).
  return { attachments: attachments.map((a) => describe(a, formatCniArgs(args))), warnings };
}

/** The table, then each warning on a line of its own. */
function renderText(plan: JsonObject): string {
  return renderTable(plan) + (plan.warnings as string[]).map((w) => `warning: ${w}\n`).join('');
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('print the attachments a pod would get, with the exact delegate configs, without attaching anything')
    .requiredOption('--local-store <dir>', 'directory of Pod and NetworkAttachmentDefinition manifests')
    .requiredOption('--pod <name>', 'the pod')
    .option('--namespace <ns>', "the pod's namespace", 'default')
    .option('--config <file>', 'node configuration (the JSON the runtime passes on stdin, or a .conflist holding it)')
    .option('--output <format>', 'json or text', 'json')
    .action(async (opts: ExplainOptions) => {
      try {
        const plan = await explain(opts);
        process.stdout.write(opts.output === 'text' ? renderText(plan) : `${JSON.stringify(plan, null, 2)}\n`);
      } catch (err) {
        const e = toCniError(err);
        process.stderr.write(`braid explain: ${e.message}${e.details ? ` (${e.details})` : ''}\n`);
        process.exitCode = 1;
      }
    });
}
