// The engine's ports filled with the real adapters, shared by both composition roots (the executable, app/, and
// the daemon, daemon/): delegates as processes (and /proc to stop those a killed braid left), plans and the result
// cache on disk, routes through `ip`.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ProcessIo } from '../cni/skel.js';
import type { NodeConfig } from '../core/node-config.js';
import type { EngineDeps, PluginExec, StatusWriter } from '../engine/ports.js';
import { ProcessPluginExec } from '../invoke/process-exec.js';
import type { PluginRunner } from '../invoke/spawn-plugin.js';
import { ProcProcesses } from '../invoke/processes.js';
import { ipRouteEditor } from '../invoke/route-editor.js';
import { createLogger } from '../log/logger.js';
import { confDirFiles } from '../store/conf-files.js';
import { checkpointDevices } from '../store/devices.js';
import { MultusRecords } from '../store/multus-records.js';
import { FilePlanStore } from '../store/plan-store.js';
import { FileResultCache } from '../store/result-cache.js';

export interface DepsOptions {
  log?: Logger;
  /** The environment delegates inherit (PATH, …); the request's own by default. The daemon passes its own. */
  processEnv?: Record<string, string | undefined>;
  /** Wraps the plugin runner, e.g. to time delegates for metrics. */
  wrapExec?: (exec: PluginExec) => PluginExec;
  /** The daemon's `hostRoot`: delegates run chrooted into it (docs/adr/0013-where-delegates-run.md). */
  hostRoot?: string;
  /** What starts delegate processes: the daemon's spawn helper (ADR 0021); runPlugin by default. */
  runner?: PluginRunner;
}

/**
 * Where Multus' records are, as this process sees them: its cniDir on the host (through the daemon's host root), and
 * braid's own cacheDir, which a migrated config may point at Multus' (`cniDir` is an alias of `cacheDir`).
 */
function multusDirs(config: NodeConfig, hostRoot?: string): string[] {
  const dirs = [hostRoot ? join(hostRoot, config.multusCacheDir) : config.multusCacheDir, config.cacheDir];
  return [...new Set(dirs)];
}

export function engineDeps(
  config: NodeConfig,
  io: ProcessIo,
  status?: StatusWriter,
  opts: DepsOptions = {},
): EngineDeps {
  const log = opts.log ?? createLogger(config);
  const exec = new ProcessPluginExec({
    searchPath: [config.binDir, ...(io.env.CNI_PATH ?? '').split(':').filter(Boolean)],
    env: opts.processEnv ?? io.env,
    timeoutMs: config.pluginTimeoutSeconds * 1000,
    ...(opts.hostRoot ? { hostRoot: opts.hostRoot } : {}),
    ...(opts.runner ? { runner: opts.runner } : {}),
    onStderr: (type, text) => log.debug({ plugin: type, stderr: text.trim() }, 'delegate stderr'),
  });
  return {
    exec: opts.wrapExec ? opts.wrapExec(exec) : exec,
    processes: new ProcProcesses(),
    files: { confFiles: confDirFiles, devices: checkpointDevices },
    plans: new FilePlanStore(config.cacheDir),
    cache: new FileResultCache(config.cacheDir),
    foreign: new MultusRecords(multusDirs(config, opts.hostRoot)),
    routes: ipRouteEditor(opts.hostRoot),
    ...(status ? { status } : {}),
    log,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
}
