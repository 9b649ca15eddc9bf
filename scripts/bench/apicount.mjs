// API requests per ADD and per DEL, from the stand-in's counters: each Kubernetes-mode scenario alone, counters
// reset before each call and read once the daemon's asynchronous Events have had time to go out.
import { classify } from './apiserver.mjs';
import { mainScenarios } from './latency.mjs';
import { sleep } from './proc.mjs';

const KEYS = ['daemon-parallel', 'thin-parallel', 'multus-thin'];
/** Events and a deferred status write go out after the reply; wait this long before reading the counters. */
const SETTLE_MS = 600;

export async function apiCountPhase(ctx) {
  const { api } = ctx;
  const out = {};
  for (const s of mainScenarios(ctx).filter((x) => KEYS.includes(x.key))) {
    const sums = { add: {}, del: {} };
    const byPath = { add: {}, del: {} };
    let done = 0;
    try {
      for (let i = 0; i < ctx.opts.apiCountRuns; i++) {
        const id = `${s.key}-count-${i}`;
        for (const [what, fn] of [
          ['add', s.add],
          ['del', s.del],
        ]) {
          await api.resetCounters();
          await fn(id);
          await sleep(SETTLE_MS);
          const counters = await api.counters();
          for (const [k, n] of Object.entries(classify(counters))) sums[what][k] = (sums[what][k] ?? 0) + n;
          for (const [k, n] of Object.entries(counters)) byPath[what][k] = (byPath[what][k] ?? 0) + n;
        }
        done++;
      }
    } catch (err) {
      out[s.key] = { error: err.message.split('\n')[0].slice(0, 400) };
      continue;
    }
    const per = (o) => Object.fromEntries(Object.entries(o).map(([k, n]) => [k, Math.round((n / done) * 100) / 100]));
    out[s.key] = {
      runs: done,
      add: per(sums.add),
      del: per(sums.del),
      addRequests: per(byPath.add),
      delRequests: per(byPath.del),
    };
  }
  return out;
}
