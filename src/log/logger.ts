// Structured logs to stderr or logFile, never stdout: stdout is the CNI result channel.
import { destination, multistream, pino, type DestinationStream, type Logger } from 'pino';

const LEVELS: Record<string, string> = { verbose: 'debug', panic: 'fatal' }; // Multus level names

export interface LogOptions {
  logLevel?: string;
  logFile?: string;
  /** Multus' key: false, never on stderr; true, on stderr even with a logFile; unset, stderr unless logFile. */
  logToStderr?: boolean;
}

export function createLogger(opts: LogOptions, base: Record<string, unknown> = {}): Logger {
  const level = LEVELS[opts.logLevel ?? 'warn'] ?? opts.logLevel ?? 'warn';
  const streams: DestinationStream[] = [];
  if (opts.logFile) streams.push(destination({ dest: opts.logFile, append: true, mkdir: true, sync: true }));
  if (opts.logToStderr ?? !opts.logFile) streams.push(destination({ fd: 2, sync: true }));
  const options = { level: streams.length > 0 ? level : 'silent', base: { name: 'braid', ...base } };
  // Both: each stream takes every line the logger's own level lets through.
  if (streams.length > 1) return pino(options, multistream(streams.map((stream) => ({ stream, level: 'trace' }))));
  // None (logToStderr false, no logFile): nothing is written; stderr only stands in for a destination.
  return pino(options, streams[0] ?? destination({ fd: 2, sync: true }));
}
