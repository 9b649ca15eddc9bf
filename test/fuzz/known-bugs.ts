// Bugs the fuzz suite found in src/ that are not fixed yet (issue 12). While one is listed here, a property that hits
// it skips that input instead of failing, so `npm test` stays green and every other crash still fails it;
// known-bugs.test.ts holds each one's smallest input as a plain test, skipped while the bug is listed.
//
// Once a bug is fixed: remove its entry here, and its test in known-bugs.test.ts runs from then on.
// `BRAID_FUZZ_STRICT=1` turns all of this off (the properties fail on these bugs again, and the plain tests run).

export const STRICT = process.env.BRAID_FUZZ_STRICT === '1';

export interface KnownBug {
  id: string;
  /** What goes wrong, where. */
  summary: string;
  /** The error this bug throws: its class, its message and the file it comes from (never, for a wrong answer). */
  matches: (err: Error) => boolean;
}

// An entry's `matches` usually tests the error's class and message and the file in its stack, e.g.
//   (err) => err instanceof RangeError && /call stack size/.test(err.message) && (err.stack ?? '').includes('src/x.ts')
// Empty: the nine bugs the first runs found are fixed (each one's smallest input stays in known-bugs.test.ts).
export const KNOWN_BUGS: readonly KnownBug[] = [];

export const isKnown = (id: string) => !STRICT && KNOWN_BUGS.some((b) => b.id === id);

/** The known bug `err` is, unless the suite runs strict. */
export function knownBug(err: unknown): KnownBug | undefined {
  if (STRICT || !(err instanceof Error)) return undefined;
  return KNOWN_BUGS.find((b) => b.matches(err));
}
