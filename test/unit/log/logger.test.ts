// The log format pipelines read: one JSON object a line, the level by name, an ISO 8601 time, braid's name.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError } from '../../../src/cni/errors.js';
import { parseNodeConfig } from '../../../src/core/node-config.js';
import { createLogger, LOG_FIELDS } from '../../../src/log/logger.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'braid-log-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The lines a logger made with `logLevel` writes for one line at each level. */
function linesAt(logLevel: string): Array<Record<string, unknown>> {
  const logFile = join(dir, 'braid.log');
  const log = createLogger({ logLevel, logFile, logToStderr: false }, { component: 'test' });
  log.debug({ pod: 'p1', namespace: 'ns1' }, 'a debug line');
  log.info({ command: 'ADD', durationMs: 12 }, 'an info line');
  log.warn('a warn line');
  log.error({ err: 'boom' }, 'an error line');
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('writes level names and ISO times, with braid name and the base fields', () => {
    const lines = linesAt('debug');
    expect(lines.map((l) => l.level)).toEqual(['debug', 'info', 'warn', 'error']);
    for (const l of lines) {
      expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(new Date(l.time as string).toISOString()).toBe(l.time);
      expect(l).toMatchObject({ name: 'braid', component: 'test' });
      expect(typeof l.msg).toBe('string');
    }
    expect(lines[0]).toMatchObject({ pod: 'p1', namespace: 'ns1', msg: 'a debug line' });
    expect(lines[1]).toMatchObject({ command: 'ADD', durationMs: 12 });
  });

  it.each([
    ['INFO', ['info', 'warn', 'error']],
    ['Warn', ['warn', 'error']],
    ['verbose', ['debug', 'info', 'warn', 'error']],
    ['PANIC', []],
  ])('reads logLevel %j in any case (Multus names too)', (level, want) => {
    expect(linesAt(level).map((l) => l.level)).toEqual(want);
  });

  it('names the standard fields', () => {
    expect([...LOG_FIELDS].sort()).toEqual(
      ['command', 'containerId', 'durationMs', 'ifname', 'namespace', 'network', 'plugin', 'pod'].sort(),
    );
  });
});

describe('logLevel in the node configuration', () => {
  it('is case-insensitive', () => {
    expect(parseNodeConfig({ type: 'braid', logLevel: 'DEBUG' }).logLevel).toBe('debug');
  });

  it('lists the allowed values when it is none of them', () => {
    let err: unknown;
    try {
      parseNodeConfig({ type: 'braid', logLevel: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as Error).message).toContain(
      '"logLevel" must be one of trace, debug, info, warn, error, fatal, silent, verbose, panic',
    );
  });
});
