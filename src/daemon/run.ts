// `braid daemon` until SIGTERM/SIGINT, for both entry points (the CLI and the daemon bundle the DaemonSet runs).
import { toCniError } from '../cni/errors.js';
import { readDaemonConfig } from './config.js';
import { startDaemon } from './daemon.js';

export async function runDaemon(configFile: string): Promise<void> {
  const daemon = await startDaemon(readDaemonConfig(configFile, process.env));
  await new Promise<void>((resolve) => {
    const stop = () => void daemon.stop().then(resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/**
 * A daemon that cannot start says why in one JSON line and exits non-zero, never stays half-started: the
 * DaemonSet shows the line (terminationMessagePolicy: FallbackToLogsOnError) and restarts the container.
 */
export function exitOnFatal(err: unknown): never {
  const e = toCniError(err);
  const line = {
    level: 'fatal',
    time: new Date().toISOString(),
    name: 'braid',
    component: 'daemon',
    code: e.code,
    msg: e.message,
    ...(e.details ? { details: e.details } : {}),
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exit(1);
}
