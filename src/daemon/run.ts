// `braid daemon` until SIGTERM/SIGINT, for both entry points (the CLI and the daemon bundle the DaemonSet runs).
import { toCniError } from '../cni/errors.js';
import { readDaemonConfig } from './config.js';
import { startDaemon } from './daemon.js';

export async function runDaemon(configFile: string): Promise<void> {
  jsonOnlyStderr();
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
  jsonLine('fatal', e.message, { code: e.code, ...(e.details ? { details: e.details } : {}) });
  process.exit(1);
}

/** One line of the daemon's log format (src/log/logger.ts), for what happens outside its logger. */
function jsonLine(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  const line = { level, time: new Date().toISOString(), name: 'braid', component: 'daemon', ...fields, msg };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/**
 * Nothing but JSON lines on the daemon's stderr: Node's process warnings (printed as text by its own listener) are
 * logged as warn lines instead, and an uncaught exception or unhandled rejection ends the daemon with a fatal line
 * rather than Node's stack trace.
 */
function jsonOnlyStderr(): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) =>
    jsonLine('warn', w.message, { warning: w.name, ...(w.stack ? { stack: w.stack } : {}) }),
  );
  process.on('uncaughtException', exitOnFatal);
  process.on('unhandledRejection', exitOnFatal);
}
