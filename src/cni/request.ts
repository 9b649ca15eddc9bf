// Turns the process boundary (env + stdin) into a typed request. SPEC.md "Parameters" and libcni's skel.
import { type CniArgs, parseCniArgs } from './args.js';
import { CniError, ErrorCode } from './errors.js';
import { safeJson, walkJson } from './json-walk.js';
import { type JsonObject, isObject } from './types.js';
import { containerIdProblem, interfaceNameProblem } from './validate.js';
import { compareVersions, isSupportedVersion, SUPPORTED_VERSIONS } from './version.js';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type CniCommand = (typeof COMMANDS)[number];

/** Which variables each command needs (skel's table; CNI_NETNS is optional for DEL). */
const REQUIRED: Record<CniCommand, string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

export type Env = Record<string, string | undefined>;

/** Commands newer than some configs: skel refuses them with code 1 ("config version does not allow CHECK"). */
const SINCE: Partial<Record<CniCommand, string>> = { CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

export interface CniRequest {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifname: string;
  args: CniArgs;
  path: string[];
  /** The parsed stdin: braid's own node configuration, plus prevResult etc. from the runtime. */
  config: JsonObject;
  cniVersion: string;
}

export function readCommand(env: Env): CniCommand {
  const command = env.CNI_COMMAND;
  if (!command) throw new CniError(ErrorCode.InvalidEnvironment, 'required env variables [CNI_COMMAND] missing');
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new CniError(
      ErrorCode.InvalidEnvironment,
      `unknown CNI_COMMAND "${command}": expected one of ${COMMANDS.join(', ')}`,
    );
  }
  return command as CniCommand;
}

function parseStdin(stdin: string): JsonObject {
  if (stdin.trim() === '') {
    throw new CniError(
      ErrorCode.DecodeFailure,
      'stdin is empty: the runtime must pass the network configuration as JSON',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(
      ErrorCode.DecodeFailure,
      `network configuration on stdin is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (!isObject(parsed))
    throw new CniError(ErrorCode.DecodeFailure, 'network configuration on stdin must be a JSON object');
  return parsed;
}

function checkVersion(config: JsonObject): string {
  const v = config.cniVersion;
  // No cniVersion means 0.1.0 (libcni's ConfigDecoder), which braid cannot answer in: refuse it, as skel does.
  if (v === undefined || v === '') {
    throw new CniError(
      ErrorCode.IncompatibleVersion,
      'incompatible CNI versions',
      `the configuration has no "cniVersion" (which means 0.1.0); set it to one of ${JSON.stringify(SUPPORTED_VERSIONS)}`,
    );
  }
  if (typeof v !== 'string' || !isSupportedVersion(v)) {
    throw new CniError(
      ErrorCode.IncompatibleVersion,
      'incompatible CNI versions',
      `config is ${safeJson(v)}, braid supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
    );
  }
  return v;
}

/** How deep the runtime's configuration may nest: a node configuration with conflists inside stays under 15. */
export const MAX_STDIN_DEPTH = 64;

/**
 * The configuration as Go's encoding/json would decode it: no number it cannot hold (`1e999`), and (braid's own
 * bound, checked before anything recursive reads it: the schema, the delegates' marshalling) no nesting deeper
 * than MAX_STDIN_DEPTH. Code 6, as skel's decoding failures. Run after checkVersion, which reads only cniVersion.
 */
function checkDecodable(config: JsonObject): void {
  const { depth, nonFinite } = walkJson(config, MAX_STDIN_DEPTH);
  if (depth > MAX_STDIN_DEPTH)
    throw new CniError(
      ErrorCode.DecodeFailure,
      `network configuration on stdin is nested more than ${MAX_STDIN_DEPTH} levels deep`,
    );
  if (nonFinite !== undefined)
    throw new CniError(
      ErrorCode.DecodeFailure,
      `network configuration on stdin: "${nonFinite}" is a number too big for a double (JSON has no Infinity)`,
    );
}

function checkCommandVersion(command: CniCommand, version: string): void {
  const since = SINCE[command];
  if (since && compareVersions(version, since) < 0) {
    throw new CniError(
      ErrorCode.IncompatibleVersion,
      `config version does not allow ${command}`,
      `${command} needs cniVersion ${since} or later; the configuration says ${JSON.stringify(version)}`,
    );
  }
}

/**
 * What is wrong with the container ID or the interface name, as libcni's ValidateContainerID and
 * ValidateInterfaceName say it (code 4, naming the variable); undefined when both are fine.
 */
export function idsProblem(containerId: string, ifname: string): string | undefined {
  const id = containerIdProblem(containerId);
  if (id) return `CNI_CONTAINERID "${containerId}" ${id}`;
  const name = interfaceNameProblem(ifname);
  return name ? `CNI_IFNAME "${ifname}" ${name}` : undefined;
}

function checkIds(command: CniCommand, containerId: string, ifname: string): void {
  const required = REQUIRED[command];
  const problem = idsProblem(
    required.includes('CNI_CONTAINERID') ? containerId : 'c',
    required.includes('CNI_IFNAME') ? ifname : 'eth0',
  );
  if (problem) throw new CniError(ErrorCode.InvalidEnvironment, problem);
}

/** Reads and validates a request. VERSION needs neither stdin nor any other variable. */
export function readRequest(env: Env, stdin: string): CniRequest {
  const command = readCommand(env);
  const missing = REQUIRED[command].filter((k) => env[k] === undefined || env[k] === '');
  if (missing.length)
    throw new CniError(ErrorCode.InvalidEnvironment, `required env variables [${missing.join(' ')}] missing`);

  const containerId = env.CNI_CONTAINERID ?? '';
  const ifname = env.CNI_IFNAME ?? '';
  // DEL of IDs ADD refuses is answered by delPod, as a no-op: nothing can have been attached under them.
  if (command !== 'DEL') checkIds(command, containerId, ifname);
  let args: CniArgs;
  try {
    args = parseCniArgs(env.CNI_ARGS);
  } catch (err) {
    throw new CniError(ErrorCode.InvalidEnvironment, (err as Error).message);
  }
  const config = command === 'VERSION' ? {} : parseStdin(stdin);
  const cniVersion = command === 'VERSION' ? '' : checkVersion(config);
  if (command !== 'VERSION') {
    checkDecodable(config);
    checkCommandVersion(command, cniVersion);
  }
  return {
    command,
    containerId,
    netns: env.CNI_NETNS ?? '',
    ifname,
    args,
    path: (env.CNI_PATH ?? '').split(':').filter(Boolean),
    config,
    cniVersion,
  };
}
