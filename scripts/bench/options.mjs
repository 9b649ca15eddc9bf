// Command line: `npm run bench` (full run, about 10 minutes on 2 cores) or `npm run bench -- --quick` (about a
// minute: fewer rounds, the memory part shrunk). Environment overrides for experiments: BENCH_ROUNDS,
// BENCH_SCALE_ROUNDS, BENCH_CPU_ROUNDS, BENCH_VERSION_RUNS, BENCH_BURST_PODS, BENCH_NADS, BENCH_PODS; MULTUS_BIN
// adds Multus thin.
import { parseArgs } from 'node:util';

const FULL = {
  rounds: 180,
  scaleRounds: 50,
  cpuRounds: 60,
  versionRuns: 60,
  apiCountRuns: 3,
  burstPods: 30,
  memNads: 10000,
  memPods: 250,
};
const QUICK = {
  rounds: 10,
  scaleRounds: 3,
  cpuRounds: 10,
  versionRuns: 15,
  apiCountRuns: 1,
  burstPods: 30,
  memNads: 1000,
  memPods: 50,
};

const ENV = {
  rounds: 'BENCH_ROUNDS',
  scaleRounds: 'BENCH_SCALE_ROUNDS',
  cpuRounds: 'BENCH_CPU_ROUNDS',
  versionRuns: 'BENCH_VERSION_RUNS',
  burstPods: 'BENCH_BURST_PODS',
  memNads: 'BENCH_NADS',
  memPods: 'BENCH_PODS',
};

export const USAGE = `usage: node scripts/bench.mjs [--quick] [--out DIR] [--no-save] [--skip-memory]
  --quick        about a minute: ${QUICK.rounds} rounds, daemon memory with ${QUICK.memNads} NADs instead of ${FULL.memNads}
  --out DIR      where <date>.json and <date>.svg go (default bench/results; a quick run writes <date>-quick.*)
  --no-save      print only
  --skip-memory  leave out the daemon memory part with many NADs
  MULTUS_BIN=/path/to/multus  also measures Multus thin (kubeconfig to the stand-in, the same delegates as NADs)`;

export function parseOptions(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results' },
      'no-save': { type: 'boolean', default: false },
      'skip-memory': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const opts = { ...(values.quick ? QUICK : FULL) };
  for (const [k, name] of Object.entries(ENV)) {
    if (env[name] === undefined || env[name] === '') continue;
    const n = Number(env[name]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not "${env[name]}"`);
    opts[k] = n;
  }
  const d = new Date();
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return {
    ...opts,
    quick: values.quick,
    help: values.help,
    out: values.out,
    save: !values['no-save'],
    memory: !values['skip-memory'] && opts.memNads > 0,
    multusBin: env.MULTUS_BIN || undefined,
    date,
    /** The file name without extension. */
    name: values.quick ? `${date}-quick` : date,
  };
}
