// Composition root of the CNI executable: one request in, the engine with real effects, one answer out.
import { type ProcessIo, runSkel } from '../cni/skel.js';
import type { JsonObject } from '../cni/types.js';
import { engineDeps } from '../compose/engine-deps.js';
import { parseNodeConfig, withNodeDefaults, type NodeConfig } from '../core/node-config.js';
import { NO_NADS } from '../core/sources.js';
import type { Sources } from '../engine/ports.js';
import { handle } from '../engine/verbs.js';
import { PendingStatusClears } from '../store/pending-status.js';

async function sourcesFor(config: NodeConfig, command: string): Promise<Sources> {
  if (config.localStore) {
    const { LocalStore } = await import('../local/local-store.js'); // the YAML parser is for local mode only
    const store = new LocalStore(config.localStore);
    return { pods: store, nads: store, status: store };
  }
  // Thin Kubernetes mode (no daemon). DEL never needs the API server, so it never loads the client.
  if (config.kubeconfig && !config.daemonSocket && command !== 'DEL') {
    const { thinSources } = await import('./thin.js');
    return thinSources(config);
  }
  // Daemon mode with the daemon down (only DEL gets here): the status clear is owed, for the daemon to make.
  if (config.daemonSocket) return { nads: NO_NADS, status: new PendingStatusClears(config.cacheDir) };
  return { nads: NO_NADS };
}

/** `defaults`: node keys the request's own override (the daemon's, for the in-process DEL of daemon mode). */
export async function cniMain(io: ProcessIo, defaults: JsonObject = {}): Promise<number> {
  return runSkel(io, async (req) => {
    const config = parseNodeConfig(withNodeDefaults(req.config, defaults));
    const src = await sourcesFor(config, req.command);
    const deps = engineDeps(config, io, src.status);
    try {
      return await handle(req, { config, deps, src });
    } catch (err) {
      deps.log.error(
        { command: req.command, containerId: req.containerId, err: (err as Error).message },
        'request failed',
      );
      throw err;
    }
  });
}
