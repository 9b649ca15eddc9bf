// `braid install --bin-dir DIR --conf-dir DIR [--auto] [--watch [--cleanup-on-uninstall [--kubeconfig FILE]]]
//                [--cleanup] [--settings FILE] [--source FILE]`
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toCniError } from '../cni/errors.js';
import { isObject, type JsonObject } from '../cni/types.js';
import { createLogger } from '../log/logger.js';

interface Opts {
  binDir: string;
  confDir: string;
  auto?: boolean;
  watch?: boolean;
  cleanup?: boolean;
  cleanupOnUninstall?: boolean;
  kubeconfig?: string;
  settings?: string;
  source?: string;
  logLevel: string;
}

function readSettings(path?: string): JsonObject {
  if (!path) return {};
  const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isObject(v)) throw new Error(`${path} must hold a JSON object of braid settings`);
  return v;
}

/**
 * What to install without --source: the compiled binary installs itself; under Node (bin/braid, development)
 * the compiled binary built beside it (dist/braid), never nothing: installing a Node script as a CNI plugin
 * would give the runtime an executable that needs Node on the host.
 */
function defaultSource(): string {
  if (process.versions.bun && !process.execPath.endsWith('/bun')) return process.execPath;
  const built = fileURLToPath(new URL('../braid', import.meta.url)); // dist/cli/install.js → dist/braid
  if (existsSync(built)) return built;
  throw new Error(
    `braid is running on Node and there is no compiled executable at ${built}: build it with \`npm run build\`, or pass --source FILE`,
  );
}

/** Where the DaemonSet's pod spec puts its own namespace (downward API) and name (docs/adr/0018). */
export const DAEMONSET_ENV = { namespace: 'BRAID_DAEMONSET_NAMESPACE', name: 'BRAID_DAEMONSET_NAME' } as const;

/** --cleanup-on-uninstall: the shutdown check, or undefined when it is off. A usage error throws. */
async function uninstallCheck(o: Opts, log: Logger) {
  if (!o.cleanupOnUninstall) return undefined;
  if (!o.watch) throw new Error('--cleanup-on-uninstall needs --watch: it acts when the watch is stopped');
  const namespace = process.env[DAEMONSET_ENV.namespace];
  const name = process.env[DAEMONSET_ENV.name];
  if (!namespace || !name)
    throw new Error(
      `--cleanup-on-uninstall needs ${DAEMONSET_ENV.namespace} and ${DAEMONSET_ENV.name} in the environment: the namespace (downward API) and name of braid's DaemonSet`,
    );
  const { uninstallCheckFor } = await import('../k8s/uninstall.js');
  try {
    return uninstallCheckFor({ kubeconfig: o.kubeconfig, ref: { namespace, name }, log });
  } catch (err) {
    // No API access means no uninstall detection, never no config watch: log it and keep watching.
    log.error({ err: (err as Error).message }, 'cannot load the kubeconfig: braid stays on the node when this stops');
    return undefined;
  }
}

/** Install (waiting for a primary with --auto), watch until SIGTERM, then with --cleanup-on-uninstall decide. */
async function installAndWatch(o: Opts, log: Logger): Promise<void> {
  const { cleanup, installOnce, watchConfig } = await import('../install/installer.js');
  const check = await uninstallCheck(o, log);
  const opts = {
    binDir: o.binDir,
    confDir: o.confDir,
    auto: !!o.auto,
    settings: readSettings(o.settings),
    log,
    source: o.source ?? defaultSource(),
  };
  const ac = new AbortController();
  process.once('SIGTERM', () => ac.abort());
  process.once('SIGINT', () => ac.abort());
  if (check) void check.arm(ac.signal);
  await installOnce(opts, ac.signal);
  // A signal while waiting for the primary ends the watch before it starts.
  if (o.watch && !ac.signal.aborted) await watchConfig(opts, ac.signal);
  // The watch has stopped (it would write the config again): only now may the config go.
  if (check && (await check.decide()).action === 'uninstall') cleanup({ binDir: o.binDir, confDir: o.confDir, log });
}

export function registerInstall(program: Command): void {
  program
    .command('install')
    .description('copy braid into the CNI bin dir and write 00-braid.conflist into the CNI conf dir')
    .requiredOption('--bin-dir <dir>', "the host's CNI bin dir")
    .requiredOption('--conf-dir <dir>', "the host's CNI conf dir")
    .option(
      '--auto',
      'use the alphabetically first other config in the conf dir as the default network (waits for one)',
    )
    .option('--watch', 'keep the config in step with the conf dir until SIGTERM')
    .option('--cleanup', 'remove what install put there, and exit')
    .option('--settings <file>', "JSON of braid's own keys for its config entry (daemonSocket, cacheDir, …)")
    .option(
      '--source <file>',
      'the executable to install (default: this binary when compiled, else dist/braid beside it)',
    )
    .option(
      '--cleanup-on-uninstall',
      "with --watch: on SIGTERM, ask the API server whether braid's DaemonSet (BRAID_DAEMONSET_NAMESPACE, BRAID_DAEMONSET_NAME) is being deleted, and only then remove what install put there",
    )
    .option('--kubeconfig <file>', 'for --cleanup-on-uninstall: a kubeconfig (default: the in-cluster service account)')
    .option('--log-level <level>', 'log level', 'info')
    .action(async (o: Opts) => {
      const log = createLogger({ logLevel: o.logLevel }, { component: 'install' });
      try {
        if (o.cleanup) {
          const { cleanup } = await import('../install/installer.js');
          return cleanup({ binDir: o.binDir, confDir: o.confDir, log });
        }
        await installAndWatch(o, log);
      } catch (err) {
        process.stderr.write(`braid install: ${toCniError(err).message}\n`);
        process.exitCode = 1;
      }
    });
}
