// Command line of `npm run soak` (scripts/soak.mjs). Every figure the run depends on is here, so `--help` and the
// JSON summary say what a run was asked to do; the seed alone decides the schedule of networks and faults.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

/** Chance per cycle of each fault (the per-pod ones exclude each other; node faults come on top). */
export const FAULT_ODDS = {
  delegateFail: 0.04,
  delegateHang: 0.02,
  braidKilled: 0.04,
  daemonKilled: 0.02,
  apiDown: 0.012,
};

export const USAGE = `usage: node scripts/soak.mjs [--cycles N] [--seed S] [--concurrency K] [--json FILE] [options]
  --cycles N          ADD/DEL cycles after the warm-up (default 1000)
  --seed S            seed of the schedule (networks, faults, concurrency); random when not given, always printed
  --concurrency K     at most K pods in flight; the level is redrawn between 1 and K every 25 cycles (default 6)
  --json FILE         write the summary as JSON
  --warmup N          fault-free cycles before the baselines are taken (default: cycles/5, at most 20, at least 4)
  --check-every M     also stop every M cycles, let everything settle and check for leaks (default 0: at the end only)
  --plugin-timeout S  braid's pluginTimeoutSeconds: how long a hanging delegate lives (default 2)
  --rss-limit MIB     allowed growth of the daemon's RSS from after the warm-up to the end (default 24)
  --fd-slack N        allowed growth of the daemon's open file descriptors (default 4)
  --fault-scale X     multiply every fault's odds by X (0: no faults; default 1)
  --executable PATH   the braid executable the runtime calls (default: a copy of dist/braid; bin/braid runs it on Node)`;

const whole = (name, v, min) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, not "${v}"`);
  return n;
};

const positive = (name, v) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of at least 0, not "${v}"`);
  return n;
};

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      cycles: { type: 'string', default: '1000' },
      seed: { type: 'string' },
      concurrency: { type: 'string', default: '6' },
      json: { type: 'string' },
      warmup: { type: 'string' },
      'check-every': { type: 'string', default: '0' },
      'plugin-timeout': { type: 'string', default: '2' },
      'rss-limit': { type: 'string', default: '24' },
      'fd-slack': { type: 'string', default: '4' },
      'fault-scale': { type: 'string', default: '1' },
      executable: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const cycles = whole('--cycles', values.cycles, 1);
  const pluginTimeoutSeconds = positive('--plugin-timeout', values['plugin-timeout']);
  if (pluginTimeoutSeconds === 0) throw new Error('--plugin-timeout must be more than 0');
  const scale = positive('--fault-scale', values['fault-scale']);
  return {
    help: values.help,
    cycles,
    seed: values.seed ?? String(randomInt(1, 2 ** 31)),
    concurrency: whole('--concurrency', values.concurrency, 1),
    json: values.json,
    warmup:
      values.warmup === undefined
        ? Math.max(4, Math.min(20, Math.round(cycles / 5)))
        : whole('--warmup', values.warmup, 1),
    checkEvery: whole('--check-every', values['check-every'], 0),
    pluginTimeoutSeconds,
    rssLimitMiB: positive('--rss-limit', values['rss-limit']),
    fdSlack: whole('--fd-slack', values['fd-slack'], 0),
    faultScale: scale,
    executable: values.executable,
    odds: Object.fromEntries(Object.entries(FAULT_ODDS).map(([k, p]) => [k, Math.min(1, p * scale)])),
  };
}
