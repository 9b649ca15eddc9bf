// Waiting in tests: poll a condition until it holds or a deadline passes.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls `check` every `everyMs` until it returns a value other than undefined/false; its errors count as "not yet". */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  ms = 15_000,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}
