// The real PluginExec: runs plugin binaries (src/invoke/spawn-plugin.ts), as libcni's invoke package does.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { Env } from '../cni/request.js';
import { isObject } from '../cni/types.js';
import { findPlugin } from './find.js';
import { type PluginRunner, runPlugin, type RunOutcome } from './spawn-plugin.js';
import type { PluginCall, PluginExec } from '../engine/ports.js';

export interface ProcessPluginExecOptions {
  /** binDir first, then CNI_PATH. */
  searchPath: string[];
  /** The caller's environment, passed on to the plugin (libcni does the same) with CNI_* replaced. */
  env: Env;
  timeoutMs: number;
  /**
   * The host's root as this process sees it (the daemon's `hostRoot`, e.g. /hostroot). When set, plugins are
   * looked up below it and run chrooted into it, so that they see the host's files exactly as a plugin run by
   * the container runtime does (docs/adr/0013-where-delegates-run.md).
   */
  hostRoot?: string;
  /** Where delegates' stderr goes (a logger), never braid's stdout. */
  onStderr?: (type: string, text: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** What starts the plugin process: runPlugin unless the daemon's spawn helper does (ADR 0021). */
  runner?: PluginRunner;
}

/** Set in every delegate's environment: braid refuses to run as a delegate of itself (under another name, too). */
export const DELEGATE_MARK = 'BRAID_DELEGATE';

/** coreutils' chroot(8): Node has no chroot of its own, and it costs one small exec (ADR 0013). */
const CHROOT = '/usr/sbin/chroot';
const TEXT_FILE_BUSY_RETRIES = 5; // libcni's invoke retries "text file busy" 5 times
const snippet = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s).trim();

export class ProcessPluginExec implements PluginExec {
  constructor(private readonly opts: ProcessPluginExecOptions) {}

  async exec(call: PluginCall): Promise<unknown> {
    const path = findPlugin(call.type, this.opts.searchPath, this.opts.hostRoot);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.opts.env)) if (v !== undefined && !k.startsWith('CNI_')) env[k] = v;
    Object.assign(env, call.cniEnv, { CNI_COMMAND: call.command, [DELEGATE_MARK]: '1' });
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));

    for (let attempt = 0; ; attempt++) {
      const out = await this.run(path, call, env);
      if (out.stderr) this.opts.onStderr?.(call.type, out.stderr);
      const busy = out.code === 'ETXTBSY' || /text file busy/i.test(out.message ?? '');
      if (out.exitCode === undefined && busy && attempt < TEXT_FILE_BUSY_RETRIES) {
        await sleep(200 * (attempt + 1));
        continue;
      }
      return interpret(call, out, this.opts.timeoutMs);
    }
  }

  /** chroot(8) execs the plugin in its own process: the pid recorded by `onSpawn` is the plugin's. */
  private run(path: string, call: PluginCall, env: Record<string, string>): Promise<RunOutcome> {
    const [file, args] = this.opts.hostRoot ? [CHROOT, [this.opts.hostRoot, path]] : [path, []];
    const { stdin, onSpawn } = call;
    const run = this.opts.runner ?? runPlugin;
    return run(file, args, { stdin, env, timeoutMs: this.opts.timeoutMs, ...(onSpawn ? { onSpawn } : {}) });
  }
}

/** A run that produced no exit status of its own: timed out, killed by a signal, or never started. */
function failedRun(who: string, out: RunOutcome, timeoutMs: number): CniError | undefined {
  if (out.timedOut) {
    return new CniError(
      ErrorCode.TryAgainLater,
      `${who} did not answer within ${timeoutMs / 1000}s and was killed`,
      'if the plugin is only slow, raise "pluginTimeoutSeconds" in braid\'s configuration',
    );
  }
  if (out.signal)
    return new CniError(
      ErrorCode.Internal,
      `${who} was killed by ${out.signal}`,
      snippet(out.stderr) || snippet(out.stdout) || 'no output at all',
    );
  if (out.exitCode === undefined) {
    const msg = `${who} could not be run: ${out.message ?? 'unknown error'}`;
    // a CniError of braid's own (a cacheDir that is a file: code 5, with advice) keeps its code and details
    if (out.error instanceof CniError) return new CniError(out.error.code, msg, out.error.details);
    return new CniError(ErrorCode.Internal, msg);
  }
  return undefined;
}

/** stdout as JSON; undefined when empty, or when it is not JSON and the plugin failed anyway. */
function parseStdout(who: string, stdout: string, exitCode: number): unknown {
  if (stdout === '') return undefined;
  try {
    return JSON.parse(stdout);
  } catch {
    if (exitCode === 0)
      throw new CniError(ErrorCode.DecodeFailure, `${who} printed output that is not JSON: ${snippet(stdout)}`);
    return undefined;
  }
}

function interpret(call: PluginCall, out: RunOutcome, timeoutMs: number): unknown {
  const who = `plugin "${call.type}" (${call.command})`;
  const failed = failedRun(who, out, timeoutMs);
  if (failed) throw failed;
  const stdout = out.stdout.trim();
  const parsed = parseStdout(who, stdout, out.exitCode!);
  if (out.exitCode === 0) return parsed;
  if (isObject(parsed) && typeof parsed.code === 'number' && typeof parsed.msg === 'string') {
    throw new CniError(parsed.code, parsed.msg, typeof parsed.details === 'string' ? parsed.details : undefined);
  }
  const detail = snippet(out.stderr) || snippet(stdout) || 'no output at all';
  throw new CniError(ErrorCode.Internal, `${who} exited with status ${out.exitCode} without a CNI error`, detail);
}
