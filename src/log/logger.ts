// Structured logs to stderr or logFile, never stdout: stdout is the CNI result channel.
import { destination, pino, type Logger } from 'pino';

const LEVELS: Record<string, string> = { verbose: 'debug', panic: 'fatal' }; // Multus level names

export function createLogger(
  opts: { logLevel?: string; logFile?: string },
  base: Record<string, unknown> = {},
): Logger {
  const level = LEVELS[opts.logLevel ?? 'warn'] ?? opts.logLevel ?? 'warn';
  const dest = opts.logFile
    ? destination({ dest: opts.logFile, append: true, mkdir: true, sync: true })
    : destination({ fd: 2, sync: true });
  return pino({ level, base: { name: 'braid', ...base } }, dest);
}
