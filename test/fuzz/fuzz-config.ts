// How much the fuzz suite runs, and with which seed: small and fixed in `npm test`, larger on demand
// (`BRAID_FUZZ_RUNS=100000 npm run fuzz`), and a failure replays from the seed and path fast-check prints
// (test/fuzz/README.md).
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CniError, ErrorCode } from '../../src/cni/errors.js';
import { knownBug } from './known-bugs.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${JSON.stringify(raw)} is not an integer`);
  return n;
}

/** Runs per property at share 1. */
export const RUNS = Math.max(1, envInt('BRAID_FUZZ_RUNS', 300));
/** The seed every property starts from, printed by fast-check when one fails. */
export const SEED = envInt('BRAID_FUZZ_SEED', 0x0b4a1d12);
/** fast-check's counterexample path, to replay one failure straight away (with its seed and `-t`). */
const PATH = process.env.BRAID_FUZZ_PATH || undefined;

/** `share` scales the runs for properties that cost more per run (files, sockets); at least one run. */
export function params<T>(share = 1): fc.Parameters<T> {
  return {
    numRuns: Math.max(1, Math.round(RUNS * share)),
    seed: SEED,
    ...(PATH ? { path: PATH, endOnFailure: true } : {}),
  };
}

/** A test's time bound that grows with the runs asked for: `msPerRun` is a generous per-run cost. */
export const timeoutFor = (msPerRun: number, share = 1) => 60_000 + Math.round(RUNS * share * msPerRun);

/** The time bound of a property whose runs cost well under 10 ms each. */
export const TIMEOUT = timeoutFor(10);

export const check = <Ts extends [unknown, ...unknown[]]>(prop: fc.IProperty<Ts>, share = 1): void =>
  fc.assert(prop, params<Ts>(share));

export const checkAsync = <Ts extends [unknown, ...unknown[]]>(prop: fc.IAsyncProperty<Ts>, share = 1) =>
  fc.assert(prop, params<Ts>(share));

/**
 * A temp dir for properties that write files: in memory when the machine has /dev/shm, where braid's fsyncs cost
 * nothing (the properties are about what is read back, not about the disk).
 */
export function scratchDir(prefix: string): string {
  let base = tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    base = '/dev/shm';
  } catch {
    // no /dev/shm: the usual temp dir
  }
  return mkdtempSync(join(base, prefix));
}

/** Every code braid may answer with (SPEC.md "Error"); plugin-specific codes (100+) come from delegates only. */
export const CNI_CODES: ReadonlySet<number> = new Set(Object.values(ErrorCode));

/**
 * A call that neither crashes nor hangs would finish well within this. A synchronous loop cannot be interrupted, so
 * "never hangs" is checked as "never slow": super-linear parsing shows up here long before it hangs.
 */
export const SLOW_MS = 2_000;

// A stack overflow's trace is thousands of native frames deep: only a whole one shows which file of src/ it came
// from (known-bugs.ts matches on that), so traces are not cut off; failures print the top and the frames in src/.
Error.stackTraceLimit = Infinity;

function describeThrown(err: unknown): string {
  if (!(err instanceof Error)) return `a thrown ${typeof err}: ${String(err)}`;
  const frames = (err.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at '));
  const ours = [...new Set(frames.filter((l) => l.includes('/src/')))].slice(0, 12);
  return [`${err.constructor.name}: ${err.message}`, ...frames.slice(0, 3), '    ...', ...ours].join('\n');
}

/**
 * `err` is a CniError with a code of `allowed` (default: any CNI code) and a message an operator can read; anything
 * else (TypeError, RangeError, a plain Error) fails the property with the original stack. A crash of a bug listed in
 * known-bugs.ts skips the input instead.
 */
export function expectCniError(err: unknown, allowed?: readonly number[]): CniError {
  if (!(err instanceof CniError)) {
    fc.pre(!knownBug(err));
    throw new Error(`expected a CniError, got ${describeThrown(err)}`);
  }
  if (!CNI_CODES.has(err.code) || (allowed && !allowed.includes(err.code)))
    throw new Error(
      `CniError with code ${err.code}, expected ${allowed ? allowed.join('/') : 'a CNI code'}: ${err.message}`,
    );
  if (typeof err.msg !== 'string' || err.msg.trim() === '' || err.message.trim() === '')
    throw new Error(`CniError ${err.code} without a message`);
  const printed = JSON.parse(JSON.stringify(err.toJSON('1.1.0'))) as { code: unknown; msg: unknown };
  if (printed.code !== err.code || printed.msg !== err.message) throw new Error('CniError does not print as itself');
  return err;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: CniError };

/** Runs `fn`: its value, or the CniError it threw (anything else thrown, or a slow call, fails the property). */
export function outcome<T>(fn: () => T, allowed?: readonly number[]): Outcome<T> {
  const t0 = performance.now();
  let out: Outcome<T>;
  try {
    out = { ok: true, value: fn() };
  } catch (err) {
    out = { ok: false, error: expectCniError(err, allowed) };
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) throw new Error(`the call took ${Math.round(ms)} ms`);
  return out;
}

/** `outcome` for async functions. */
export async function outcomeAsync<T>(fn: () => Promise<T>, allowed?: readonly number[]): Promise<Outcome<T>> {
  const t0 = performance.now();
  let out: Outcome<T>;
  try {
    out = { ok: true, value: await fn() };
  } catch (err) {
    out = { ok: false, error: expectCniError(err, allowed) };
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) throw new Error(`the call took ${Math.round(ms)} ms`);
  return out;
}

/** Fails the property with `msg` unless `cond`. */
export function must(cond: unknown, msg: string | (() => string)): asserts cond {
  if (!cond) throw new Error(typeof msg === 'string' ? msg : msg());
}
