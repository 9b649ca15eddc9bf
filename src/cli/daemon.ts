// `braid daemon --config FILE`: runs until SIGTERM/SIGINT, then drains requests in flight.
import type { Command } from 'commander';

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('serve CNI requests for this node over a unix socket, with informer caches of NADs and pods')
    .requiredOption(
      '--config <file>',
      'daemon configuration (JSON): the node configuration keys plus nodeName, socketPath, metricsAddress, maxConcurrentRequests, drainSeconds, hostRoot',
    )
    .action(async (opts: { config: string }) => {
      const { exitOnFatal, runDaemon } = await import('../daemon/run.js');
      await runDaemon(opts.config).catch(exitOnFatal);
    });
}
