// Structured logs to stderr or logFile, never stdout: stdout is the CNI result channel. One JSON object a line, as
// log pipelines read it: `"level":"info"` (a name, not pino's number), `"time"` in ISO 8601 UTC, `"name":"braid"`,
// and the same field names everywhere (LOG_FIELDS).
import { destination, multistream, pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

const LEVELS: Record<string, string> = { verbose: 'debug', panic: 'fatal' }; // Multus level names

/**
 * The field names log lines use for what they are about (docs/operators.md, "Logs"): a pod is `namespace` + `pod`
 * (its name), never `ns/name` in one field.
 */
export const LOG_FIELDS = [
  'pod',
  'namespace',
  'containerId',
  'ifname',
  'network',
  'plugin',
  'command',
  'durationMs',
] as const;

/** Level names and ISO timestamps: the options every braid logger is made with. */
export const LOG_FORMAT = {
  formatters: { level: (label: string) => ({ level: label }) },
  timestamp: stdTimeFunctions.isoTime,
};

export interface LogOptions {
  logLevel?: string;
  logFile?: string;
  /** Multus' key: false, never on stderr; true, on stderr even with a logFile; unset, stderr unless logFile. */
  logToStderr?: boolean;
}

export function createLogger(opts: LogOptions, base: Record<string, unknown> = {}): Logger {
  const given = (opts.logLevel ?? 'warn').toLowerCase();
  const level = LEVELS[given] ?? given;
  const streams: DestinationStream[] = [];
  if (opts.logFile) streams.push(destination({ dest: opts.logFile, append: true, mkdir: true, sync: true }));
  if (opts.logToStderr ?? !opts.logFile) streams.push(destination({ fd: 2, sync: true }));
  const options = { level: streams.length > 0 ? level : 'silent', base: { name: 'braid', ...base }, ...LOG_FORMAT };
  // Both: each stream takes every line the logger's own level lets through.
  if (streams.length > 1) return pino(options, multistream(streams.map((stream) => ({ stream, level: 'trace' }))));
  // None (logToStderr false, no logFile): nothing is written; stderr only stands in for a destination.
  return pino(options, streams[0] ?? destination({ fd: 2, sync: true }));
}
