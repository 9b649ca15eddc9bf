// The engine's deps as the daemon builds them, for a runtime's request (serve.ts) and for a hot-plug (hotplug.ts):
// delegates chrooted into the host's root (ADR 0013) and timed for /metrics.
import type { Logger } from 'pino';
import type { ProcessIo } from '../cni/skel.js';
import { engineDeps } from '../compose/engine-deps.js';
import type { NodeConfig } from '../core/node-config.js';
import type { EngineDeps, PluginExec, StatusWriter } from '../engine/ports.js';
import { findPlugin } from '../invoke/find.js';
import type { PluginRunner } from '../invoke/spawn-plugin.js';
import type { DaemonConfig } from './config.js';
import type { Metrics } from './metrics.js';

/** The `plugin` label of braid_delegate_duration_seconds for a type that resolved to no binary. */
const OTHER_PLUGIN = 'other';

/**
 * Times each delegate into braid_delegate_duration_seconds{plugin, command}. `plugin` is the delegate's `type` only
 * when a binary of that name was found (a NAD author must not grow the series without bound); else "other".
 */
function timedExec(exec: PluginExec, metrics: Metrics, resolves: (type: string) => boolean): PluginExec {
  return {
    async exec(call) {
      const t0 = performance.now();
      let ran = false;
      try {
        const out = await exec.exec(call);
        ran = true;
        return out;
      } finally {
        const plugin = ran || resolves(call.type) ? call.type : OTHER_PLUGIN;
        metrics.delegateSeconds.observe({ plugin, command: call.command }, (performance.now() - t0) / 1000);
      }
    },
  };
}

export interface DaemonDepsOptions {
  cfg: DaemonConfig;
  log: Logger;
  metrics: Metrics;
  status: StatusWriter;
  /** The environment delegates inherit (PATH, …): the runtime's for its requests. */
  processEnv: Record<string, string | undefined>;
  /** The daemon's spawn helper, when it has one (ADR 0021). */
  runner?: PluginRunner;
}

/** engineDeps with the daemon's host root and timed delegates. `io.env.CNI_PATH` is the delegates' search path. */
export function daemonEngineDeps(config: NodeConfig, io: ProcessIo, o: DaemonDepsOptions): EngineDeps {
  const { hostRoot } = o.cfg;
  const searchPath = [config.binDir, ...(io.env.CNI_PATH ?? '').split(':').filter(Boolean)];
  const resolves = (type: string) => {
    try {
      findPlugin(type, searchPath, hostRoot);
      return true;
    } catch {
      return false;
    }
  };
  return engineDeps(config, io, o.status, {
    log: o.log,
    processEnv: o.processEnv,
    wrapExec: (e) => timedExec(e, o.metrics, resolves),
    ...(hostRoot ? { hostRoot } : {}),
    ...(o.runner ? { runner: o.runner } : {}),
  });
}
