// `braid daemon --config FILE`: runs until SIGTERM/SIGINT, then drains requests in flight.
import type { Command } from 'commander';
import { toCniError } from '../cni/errors.js';

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('serve CNI requests for this node over a unix socket, with informer caches of NADs and pods')
    .requiredOption('--config <file>', 'daemon configuration (JSON): the node configuration keys plus nodeName, socketPath, metricsAddress, maxConcurrentRequests')
    .action(async (opts: { config: string }) => {
      try {
        const { readDaemonConfig } = await import('../daemon/config.js');
        const { startDaemon } = await import('../daemon/daemon.js');
        const daemon = await startDaemon(readDaemonConfig(opts.config, process.env));
        await new Promise<void>((resolve) => {
          const stop = () => void daemon.stop().then(resolve);
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
      } catch (err) {
        process.stderr.write(`braid daemon: ${toCniError(err).message}\n`);
        process.exitCode = 1;
      }
    });
}
