// settleLimited: at most `limit` of a pod's attachments in flight (issue 12, item 8), results in input order.
import { settleLimited } from '../../../src/engine/limit.js';

/** Runs 10 jobs that each wait a few ticks; reports the most that were ever in flight at once. */
async function peak(limit: number, n = 10): Promise<{ peak: number; order: number[] }> {
  let inFlight = 0;
  let most = 0;
  const settled = await settleLimited([...Array(n).keys()], limit, async (i) => {
    inFlight++;
    most = Math.max(most, inFlight);
    for (let t = 0; t < 3 + (i % 3); t++) await Promise.resolve();
    inFlight--;
    return i;
  });
  return { peak: most, order: settled.map((s) => (s.status === 'fulfilled' ? s.value : -1)) };
}

describe('settleLimited', () => {
  it.each([
    [1, 1],
    [2, 2],
    [8, 8],
    [32, 10],
  ])('limit %i: at most %i at once, every result in input order', async (limit, want) => {
    const { peak: most, order } = await peak(limit);
    expect(most).toBe(want);
    expect(order).toEqual([...Array(10).keys()]);
  });

  it('a failing job is reported in its place and does not stop the others', async () => {
    const settled = await settleLimited([1, 2, 3], 2, async (i) => {
      if (i === 2) throw new Error('two');
      return i;
    });
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('two'));
  });

  it('no items: nothing runs', async () => {
    expect(await settleLimited([], 4, async () => 1)).toEqual([]);
  });
});
