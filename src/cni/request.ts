// Turns the process boundary (env + stdin) into a typed request. SPEC.md "Parameters" and libcni's skel.
import { type CniArgs, parseCniArgs } from './args.js';
import { CniError, ErrorCode } from './errors.js';
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
      `config is ${JSON.stringify(v)}, braid supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
    );
  }
  return v;
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

/** Reads and validates a request. VERSION needs neither stdin nor any other variable. */
export function readRequest(env: Env, stdin: string): CniRequest {
  const command = readCommand(env);
  const missing = REQUIRED[command].filter((k) => env[k] === undefined || env[k] === '');
  if (missing.length)
    throw new CniError(ErrorCode.InvalidEnvironment, `required env variables [${missing.join(' ')}] missing`);

  const containerId = env.CNI_CONTAINERID ?? '';
  const ifname = env.CNI_IFNAME ?? '';
  if (REQUIRED[command].includes('CNI_CONTAINERID')) {
    const p = containerIdProblem(containerId);
    if (p) throw new CniError(ErrorCode.InvalidEnvironment, `CNI_CONTAINERID "${containerId}" ${p}`);
  }
  if (REQUIRED[command].includes('CNI_IFNAME')) {
    const p = interfaceNameProblem(ifname);
    if (p) throw new CniError(ErrorCode.InvalidEnvironment, `CNI_IFNAME "${ifname}" ${p}`);
  }
  let args: CniArgs;
  try {
    args = parseCniArgs(env.CNI_ARGS);
  } catch (err) {
    throw new CniError(ErrorCode.InvalidEnvironment, (err as Error).message);
  }
  const config = command === 'VERSION' ? {} : parseStdin(stdin);
  const cniVersion = command === 'VERSION' ? '' : checkVersion(config);
  if (command !== 'VERSION') checkCommandVersion(command, cniVersion);
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
