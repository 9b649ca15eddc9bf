// One CNI request on the daemon's socket: the same engine as the executable, with the daemon's node keys as
// defaults, delegates timed for /metrics, one request per container at a time.
import type { Logger } from 'pino';
import { CniError, ErrorCode, toCniError } from '../cni/errors.js';
import { runSkel } from '../cni/skel.js';
import type { JsonObject } from '../cni/types.js';
import { parseNodeConfig, withNodeDefaults } from '../core/node-config.js';
import type { Sources, StatusWriter } from '../engine/ports.js';
import type { PluginRunner } from '../invoke/spawn-plugin.js';
import { handle } from '../engine/verbs.js';
import type { DaemonReply, DaemonRequest } from '../wire/protocol.js';
import type { DaemonConfig } from './config.js';
import { daemonEngineDeps } from './delegate-deps.js';
import type { Limiter } from './limiter.js';
import type { Metrics } from './metrics.js';

export interface ServeContext {
  cfg: DaemonConfig;
  log: Logger;
  metrics: Metrics;
  limiter: Limiter;
  sources: Sources & { status: StatusWriter };
  nodeDefaults: JsonObject;
  draining: () => boolean;
  /** The spawn helper's runner, when the daemon has one (ADR 0021). */
  runner?: PluginRunner;
}

const shuttingDown = JSON.stringify(
  new CniError(ErrorCode.TryAgainLater, 'the braid daemon is shutting down').toJSON(),
);

export function requestServer(ctx: ServeContext): (r: DaemonRequest) => Promise<DaemonReply> {
  const { cfg, log, metrics, sources } = ctx;
  return async (r) => {
    if (ctx.draining()) return { exitCode: 1, stdout: shuttingDown };
    const command = r.env.CNI_COMMAND ?? '?';
    const t0 = performance.now();
    let stdout = '';
    const io = { env: r.env, stdin: r.stdin, stdout: (t: string) => (stdout += t), stderr: () => undefined };
    const key = `${r.env.CNI_CONTAINERID ?? ''}/${r.env.CNI_IFNAME ?? ''}`;
    const exitCode = await ctx.limiter.run(key, () =>
      runSkel(
        io,
        async (req) => {
          // The daemon's node keys are the defaults; the runtime's config wins key by key (issue 8).
          const config = parseNodeConfig(withNodeDefaults(req.config, ctx.nodeDefaults));
          // Delegates get the runtime's environment and the host's root, as if the runtime ran them (ADR 0013).
          const deps = daemonEngineDeps(config, io, {
            cfg,
            log,
            metrics,
            status: sources.status,
            processEnv: r.env,
            runner: ctx.runner,
          });
          return handle(req, { config, deps, src: sources });
        },
        (err) => {
          metrics.errors.inc({ command, code: String(toCniError(err).code) });
          const containerId = r.env.CNI_CONTAINERID;
          log.warn({ command, ...(containerId ? { containerId } : {}), err: (err as Error).message }, 'request failed');
        },
      ),
    );
    metrics.requests.inc({ command, result: exitCode === 0 ? 'success' : 'error' });
    metrics.requestSeconds.observe({ command }, (performance.now() - t0) / 1000);
    return { exitCode, stdout };
  };
}
