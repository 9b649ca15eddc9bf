// Running one network (a conflist) the way libcni does: ADD in order with prevResult, DEL in reverse
// with the cached result, CHECK with the cached result, STATUS and GC per plugin (CNI 1.1).
import { type CniArgs, formatCniArgs } from '../cni/args.js';
import { CniError, toCniError } from '../cni/errors.js';
import type { CniCommand } from '../cni/request.js';
import { formatResult, parseResult, type ReadResult, readResult } from '../cni/result.js';
import type { JsonObject, NetConfList, PluginConf, Result } from '../cni/types.js';
import { atLeast, isSupportedVersion } from '../cni/version.js';
import { listVersion } from '../cni/conflist.js';
import { goMarshal } from '../cni/gojson.js';
import type { PluginExec } from './ports.js';

export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS as delegates get them. */
  args: CniArgs;
  /** Offered to each plugin, filtered by its declared capabilities. */
  capabilityArgs: JsonObject;
  /** CNI_PATH for the delegates (they may exec IPAM plugins). */
  path: string[];
}

/** A result at the list's own version, as libcni hands prevResult on (raw when the version is not one we write). */
export function resultAsVersion(raw: unknown, version: string): unknown {
  if (!isSupportedVersion(version)) return raw;
  return formatResult(parseResult(raw, version), version);
}

/** The exact stdin libcni would give `plugin` of `list`: name and cniVersion injected, runtimeConfig per capability. */
export function pluginConfig(
  list: NetConfList,
  plugin: PluginConf,
  rt: Pick<RuntimeConf, 'capabilityArgs'>,
  extra: JsonObject = {},
): JsonObject {
  const conf: JsonObject = { ...plugin, name: list.name, cniVersion: listVersion(list), ...extra };
  const rc: JsonObject = {};
  const caps = plugin.capabilities;
  if (caps && typeof caps === 'object') {
    for (const [cap, on] of Object.entries(caps as JsonObject)) {
      if (on === true && rt.capabilityArgs[cap] !== undefined) rc[cap] = rt.capabilityArgs[cap];
    }
  }
  if (Object.keys(rc).length > 0) conf.runtimeConfig = rc;
  return conf;
}

function cniEnv(rt: RuntimeConf): Record<string, string> {
  return {
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifname,
    CNI_ARGS: formatCniArgs(rt.args),
    CNI_PATH: rt.path.join(':'),
  };
}

/** One plugin of a list, for one command, with its exact config. */
interface Step {
  command: CniCommand;
  plugin: PluginConf;
  conf: JsonObject;
  /** `conf` as the plugin's stdin, when the caller has already written it. */
  stdin?: string;
}

async function call(exec: PluginExec, { command, plugin, conf, stdin }: Step, rt: RuntimeConf) {
  try {
    return await exec.exec({ type: plugin.type, command, stdin: stdin ?? goMarshal(conf), cniEnv: cniEnv(rt) });
  } catch (err) {
    throw toCniError(err).withContext({ plugin: { type: plugin.type, name: String(conf.name), command } });
  }
}

export interface AddOutcome {
  /** The last plugin's output, as printed. */
  raw: unknown;
  result: Result;
  /** What each plugin's result held that could not be read and was left out; the caller logs it (issue 11). */
  problems: ResultProblems[];
}

export interface ResultProblems {
  /** The plugin's type. */
  plugin: string;
  problems: string[];
}

/** An ADD that failed after `pluginsDone` plugins of the list had succeeded (those may hold resources). */
export class ListAddError extends CniError {
  constructor(
    cause: CniError,
    readonly pluginsDone: number,
  ) {
    super(cause.code, cause.message, cause.details);
  }
}

/** A plugin's result read leniently; only one that is not a JSON object fails, naming the plugin. */
function readOutput(out: unknown, version: string, step: Step): ReadResult {
  try {
    return readResult(out, version);
  } catch (err) {
    throw toCniError(err).withContext({
      plugin: { type: step.plugin.type, name: String(step.conf.name), command: 'ADD' },
    });
  }
}

/** prevResult at the list's own version, as libcni hands it on (raw when the version is not one we write). */
const asPrev = (last: { raw: unknown; result: Result }, version: string) =>
  isSupportedVersion(version) ? formatResult(last.result, version) : last.raw;

export async function addNetworkList(exec: PluginExec, list: NetConfList, rt: RuntimeConf): Promise<AddOutcome> {
  const version = listVersion(list);
  const problems: ResultProblems[] = [];
  let last: { raw: unknown; result: Result } | undefined;
  for (const [i, plugin] of list.plugins.entries()) {
    const extra = last ? { prevResult: asPrev(last, version) } : {};
    const step: Step = { command: 'ADD', plugin, conf: pluginConfig(list, plugin, rt, extra) };
    let out: unknown;
    try {
      out = await call(exec, step, rt);
    } catch (err) {
      throw new ListAddError(toCniError(err), i);
    }
    if (out === undefined || out === null) continue; // a plugin printing nothing passes the previous result on
    const { result, problems: left } = readOutput(out, version, step);
    if (left.length) problems.push({ plugin: plugin.type, problems: left });
    last = { raw: out, result };
  }
  if (last === undefined) throw new CniError(999, `network "${list.name}": no plugin returned a result`);
  return { ...last, problems };
}

/** prevResult for CHECK and DEL: only from 0.4.0 on (SPEC.md), converted to the list's version. */
function cachedPrev(list: NetConfList, cached: unknown): JsonObject {
  const version = listVersion(list);
  if (cached === undefined || !atLeast(version, '0.4.0')) return {};
  try {
    return { prevResult: resultAsVersion(cached, version) };
  } catch {
    return {}; // a cached result we cannot read must not stop DEL
  }
}

/** DEL runs every plugin in reverse and keeps going past failures, so one broken plugin leaks nothing else. */
export async function delNetworkList(
  exec: PluginExec,
  list: NetConfList,
  rt: RuntimeConf,
  cached?: unknown,
): Promise<CniError[]> {
  const errors: CniError[] = [];
  const extra = cachedPrev(list, cached);
  for (const plugin of [...list.plugins].reverse()) {
    let conf: JsonObject;
    let stdin: string;
    try {
      conf = pluginConfig(list, plugin, rt, extra);
      stdin = goMarshal(conf); // a config that cannot be written can never be run
    } catch (err) {
      errors.push(new UnrunnableDelegate(plugin.type, list.name, err));
      continue;
    }
    try {
      await call(exec, { command: 'DEL', plugin, conf, stdin }, rt);
    } catch (err) {
      errors.push(toCniError(err));
    }
  }
  return errors;
}

/**
 * A delegate whose input cannot even be built from the saved plan (issue 12: a plan holding what braid cannot
 * serialise). Retrying can never help, so DEL logs it and lets the pod go instead of failing forever.
 */
export class UnrunnableDelegate extends CniError {
  constructor(type: string, network: string, cause: unknown) {
    super(
      999,
      `plugin type="${type}" of network "${network}" cannot be run: its config cannot be built (${(cause as Error).message})`,
    );
  }
}

/** CHECK needs 0.4.0 and a cached result; lists that disable it or predate it are skipped (libcni). */
export async function checkNetworkList(
  exec: PluginExec,
  list: NetConfList,
  rt: RuntimeConf,
  cached: unknown,
): Promise<void> {
  if (list.disableCheck || !atLeast(listVersion(list), '0.4.0')) return;
  if (cached === undefined)
    throw new CniError(999, `network "${list.name}" on ${rt.ifname}: no cached result to check against`);
  const extra = cachedPrev(list, cached);
  for (const plugin of list.plugins)
    await call(exec, { command: 'CHECK', plugin, conf: pluginConfig(list, plugin, rt, extra) }, rt);
}

const statusEnv = (path: string[]): RuntimeConf => ({
  containerId: '',
  netns: '',
  ifname: '',
  args: [],
  capabilityArgs: {},
  path,
});

/** STATUS (CNI 1.1): each plugin of a 1.1.0+ list; older lists have no STATUS and count as ready. */
export async function statusNetworkList(exec: PluginExec, list: NetConfList, path: string[]): Promise<void> {
  if (!atLeast(listVersion(list), '1.1.0')) return;
  const rt = statusEnv(path);
  for (const plugin of list.plugins)
    await call(exec, { command: 'STATUS', plugin, conf: pluginConfig(list, plugin, rt) }, rt);
}

export interface ValidAttachment {
  containerID: string;
  ifname: string;
}

/** GC (CNI 1.1): each plugin of a 1.1.0+ list that does not disable it gets the attachments still in use. */
export async function gcNetworkList(
  exec: PluginExec,
  list: NetConfList,
  valid: ValidAttachment[],
  path: string[],
): Promise<CniError[]> {
  if (list.disableGC || !atLeast(listVersion(list), '1.1.0')) return [];
  const rt = statusEnv(path);
  const errors: CniError[] = [];
  for (const plugin of list.plugins) {
    try {
      await call(
        exec,
        { command: 'GC', plugin, conf: pluginConfig(list, plugin, rt, { 'cni.dev/valid-attachments': valid }) },
        rt,
      );
    } catch (err) {
      errors.push(toCniError(err));
    }
  }
  return errors;
}
