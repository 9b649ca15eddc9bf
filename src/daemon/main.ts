// Entry point of the daemon bundle (dist/braid-daemon.mjs): `braid daemon` without the CLI around it, so the
// DaemonSet's process loads only what the daemon runs (docs/adr/0009).
import { CniError, ErrorCode } from '../cni/errors.js';
import { exitOnFatal, runDaemon } from './run.js';

const i = process.argv.indexOf('--config');
const file = i > 0 ? process.argv[i + 1] : undefined;
// Even the usage is a JSON line: the daemon's stderr is read by log pipelines.
if (!file) exitOnFatal(new CniError(ErrorCode.InvalidConfig, 'usage: braid-daemon --config FILE'));
else runDaemon(file).catch(exitOnFatal);
