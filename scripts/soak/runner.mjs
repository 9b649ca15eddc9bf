// Runs the scheduled cycles with at most their concurrency level in flight, starting each cycle's node fault as
// the cycle starts, and fewer of them while the daemon is down. Between `stops` (cycle indexes) it drains: every pod done, every node fault over, so the node
// can be checked while it is quiet.
import { sleep } from '../bench/proc.mjs';
import { runCycle } from './cycle.mjs';

/**
 * While the daemon is down every ADD fails at once, so cycles would race through the schedule (and its pod faults)
 * until it is back; a kubelet backs off instead. New pods start at most this often meanwhile.
 */
const DAEMON_DOWN_PACE_MS = 250;

/** `onStop(index)` runs when the cycle at `index` is next and all before it are done; `onCycle(rec)` for each. */
export async function runCycles(ctx, list, { stops = new Set(), onStop = async () => {}, onCycle = () => {} }) {
  const inFlight = new Set();
  const drain = async () => {
    while (inFlight.size) await Promise.race(inFlight);
    await ctx.nodeFaults.idle();
  };
  for (const c of list) {
    if (ctx.aborted) break;
    if (stops.has(c.index)) {
      await drain();
      await onStop(c.index);
    }
    while (inFlight.size >= c.concurrency) await Promise.race(inFlight);
    if (ctx.nodeFaults.active.has('daemonKilled')) await sleep(DAEMON_DOWN_PACE_MS);
    if (c.nodeFault) ctx.nodeFaults.start(c.nodeFault, c.index);
    const p = runCycle(ctx, c).then(onCycle);
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await drain();
}
