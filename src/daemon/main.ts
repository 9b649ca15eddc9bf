// Entry point of the daemon bundle (dist/braid-daemon.mjs): `braid daemon` without the CLI around it, so the
// DaemonSet's process loads only what the daemon runs (docs/adr/0009).
import { toCniError } from '../cni/errors.js';
import { readDaemonConfig } from './config.js';
import { startDaemon } from './daemon.js';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--config');
  const file = i > 0 ? process.argv[i + 1] : undefined;
  if (!file) {
    process.stderr.write('usage: braid-daemon --config FILE\n');
    process.exitCode = 2;
    return;
  }
  const daemon = await startDaemon(readDaemonConfig(file, process.env));
  await new Promise<void>((resolve) => {
    const stop = () => void daemon.stop().then(resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`braid daemon: ${toCniError(err).message}\n`);
  process.exitCode = 1;
});
