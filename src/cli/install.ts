// `braid install --bin-dir DIR --conf-dir DIR [--auto] [--watch] [--cleanup] [--settings FILE] [--source FILE]`
import type { Command } from 'commander';
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
    .option('--log-level <level>', 'log level', 'info')
    .action(async (o: Opts) => {
      const { cleanup, installOnce, watchConfig } = await import('../install/installer.js');
      const log = createLogger({ logLevel: o.logLevel }, { component: 'install' });
      try {
        if (o.cleanup) return cleanup({ binDir: o.binDir, confDir: o.confDir, log });
        const source = o.source ?? defaultSource();
        const opts = {
          binDir: o.binDir,
          confDir: o.confDir,
          auto: !!o.auto,
          settings: readSettings(o.settings),
          log,
          source,
        };
        const ac = new AbortController();
        process.once('SIGTERM', () => ac.abort());
        process.once('SIGINT', () => ac.abort());
        await installOnce(opts, ac.signal);
        if (o.watch) await watchConfig(opts, ac.signal);
      } catch (err) {
        process.stderr.write(`braid install: ${toCniError(err).message}\n`);
        process.exitCode = 1;
      }
    });
}
