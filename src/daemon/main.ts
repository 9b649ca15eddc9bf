// Entry point of the daemon bundle (dist/braid-daemon.mjs): `braid daemon` without the CLI around it, so the
// DaemonSet's process loads only what the daemon runs (docs/adr/0009).
import { exitOnFatal, runDaemon } from './run.js';

const i = process.argv.indexOf('--config');
const file = i > 0 ? process.argv[i + 1] : undefined;
if (!file) {
  process.stderr.write('usage: braid-daemon --config FILE\n');
  process.exitCode = 2;
} else {
  runDaemon(file).catch(exitOnFatal);
}
