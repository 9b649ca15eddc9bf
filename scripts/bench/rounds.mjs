// Interleaved rounds: every round runs each scenario's ADD then DEL once (A B C A B C …), starting one place
// further along each round, so machine drift and position effects hit all scenarios alike. The first `warmup`
// rounds are discarded. A call that fails is counted and its pod cleaned up; a scenario that fails MAX_FAILURES
// times is dropped from later rounds and reported with its first error; the others go on.
import { summary } from './stats.mjs';

const MAX_FAILURES = 3;

/**
 * scenarios: [{ key, add(id) → { ms, own? }, del(id) → { ms, own? }, cleanup?(id) }], where `own` is the part of
 * `ms` spent in the daemon's own request handling (daemon mode only).
 */
export async function runRounds(scenarios, { rounds, warmup = 2, label = '', progress = () => {} }) {
  const res = Object.fromEntries(
    scenarios.map((s) => [
      s.key,
      { add: [], del: [], cycle: [], addOverhead: [], delOverhead: [], failures: 0, error: undefined },
    ]),
  );
  const live = [...scenarios];
  for (let r = 0; r < warmup + rounds; r++) {
    const order = live.map((_, i) => live[(i + r) % live.length]);
    for (const s of order) {
      const id = `${s.key}-${r}`.replace(/[^A-Za-z0-9_.-]/g, '-');
      const out = res[s.key];
      try {
        const add = await s.add(id);
        const del = await s.del(id);
        if (r < warmup) continue;
        out.add.push(add.ms);
        out.del.push(del.ms);
        out.cycle.push(add.ms + del.ms);
        if (add.own !== undefined) out.addOverhead.push(add.ms - add.own);
        if (del.own !== undefined) out.delOverhead.push(del.ms - del.own);
      } catch (err) {
        const msg = err.message.replace(/\s+/g, ' ').slice(0, 500);
        out.error ??= msg;
        out.failures++;
        await s.cleanup?.(id);
        const drop = out.failures >= MAX_FAILURES;
        console.log(
          `  ! ${label} ${s.key} failed in round ${r}${drop ? `, ${MAX_FAILURES} times: dropped from later rounds` : ''}: ${msg}`,
        );
        if (drop) live.splice(live.indexOf(s), 1);
      }
    }
    progress(r + 1, warmup + rounds);
    if (live.length === 0) break;
  }
  return res;
}

/** The recorded samples as summaries plus ratios to `floorKey` (by median). */
export function summarize(res, floorKey) {
  const floor = res[floorKey];
  const out = {};
  for (const [key, r] of Object.entries(res)) {
    const s = { add: summary(r.add), del: summary(r.del), cycle: summary(r.cycle) };
    if (r.addOverhead.length) s.executableOverhead = { add: summary(r.addOverhead), del: summary(r.delOverhead) };
    if (r.error) Object.assign(s, { failures: r.failures, error: r.error });
    if (floor && key !== floorKey && r.cycle.length && floor.cycle.length) {
      s.vsFloor = Object.fromEntries(
        ['add', 'del', 'cycle'].map((k) => [k, ratioOf(s[k].median, summary(floor[k]).median)]),
      );
    }
    out[key] = s;
  }
  return out;
}

const ratioOf = (a, b) => (b > 0 && Number.isFinite(a) ? Math.round((a / b) * 100) / 100 : null);

/** A one-line progress indicator on stderr (only on a terminal). */
export function progressLine(title) {
  if (!process.stderr.isTTY) return () => {};
  return (done, total) => {
    process.stderr.write(`\r  ${title}: round ${done}/${total}   `);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}
