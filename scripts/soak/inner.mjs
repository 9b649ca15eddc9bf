// The soak process, started by main.mjs inside the node netns: the stand-in with the NADs, the daemon, the
// warm-up and its baseline, the cycles (checkpoints every --check-every), the end checks, the summary. Every
// process it starts is ended here, also on SIGTERM (main.mjs sends it on Ctrl-C).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startApiServer } from '../bench/apiserver.mjs';
import { daemonLeaks, nodeLeaks, owedClears, takeBaseline } from './checks.mjs';
import { Daemon } from './daemon.mjs';
import { FAIL_TYPE, FaultPlugin, HANG_TYPE } from './fault-plugin.mjs';
import { NodeFaults } from './node-faults.mjs';
import { Random } from './random.mjs';
import { printSummary, summarize, writeSummary } from './report.mjs';
import { runCycles } from './runner.mjs';
import { makeSchedule } from './schedule.mjs';
import { control, daemonExtra, executableConfig, MACVLANS, nads } from './world.mjs';

const { dir, prefix, node, tag, builds, opts, rerun } = JSON.parse(process.env.SOAK_PLAN);
const ctx = {
  dir,
  prefix,
  node,
  tag,
  opts,
  cacheDir: join(dir, 'cache'),
  braidBin: builds.braid,
  children: new Set(),
  liveNetns: new Set(),
  reportedPids: new Set(),
  aborted: false,
  /** The last successful ADDs' times (ms): braid is killed at a random point before the fastest of them. */
  recentAdds: [],
};
let apiServer;

async function setUp() {
  ctx.faults = new FaultPlugin(dir, tag).install();
  ctx.faultBin = ctx.faults.bin;
  apiServer = await startApiServer(builds.apiserver, dir);
  ctx.api = control(apiServer);
  await ctx.api.seed(nads(dir));
  ctx.daemon = new Daemon({
    bundle: builds.daemon,
    dir,
    kubeconfig: apiServer.kubeconfig,
    cacheDir: ctx.cacheDir,
    // as deployed: the image's braid starts the delegates (ADR 0021), and goes down with a killed daemon
    extra: { ...daemonExtra(opts), spawnHelper: builds.braid },
  });
  await ctx.daemon.start(0);
  const { pluginTimeoutSeconds } = opts;
  ctx.stdin = JSON.stringify(
    executableConfig({ dir, cacheDir: ctx.cacheDir, socket: ctx.daemon.socket, pluginTimeoutSeconds }),
  );
  ctx.nodeFaults = new NodeFaults(ctx.daemon, ctx.api);
}

function progress(records, total, t0) {
  const step = Math.max(1, Math.round(total / 10));
  return (rec) => {
    records.push(rec);
    const done = records.filter((r) => r.index >= opts.warmup).length;
    if (rec.index < opts.warmup || done % step) return;
    const bad = records.reduce((n, r) => n + r.unexpected.length + r.leaks.length, 0);
    console.log(`  ${done}/${total} cycles, ${bad} problems so far (${Math.round((performance.now() - t0) / 1000)} s)`);
  };
}

/** The main cycles, with a node check at every --check-every. */
async function mainPhase(list, base, records, t0) {
  const checkpoints = [];
  const leaks = [];
  const stops = new Set();
  if (opts.checkEvery)
    for (let i = opts.warmup + opts.checkEvery; i < opts.warmup + opts.cycles; i += opts.checkEvery) stops.add(i);
  await runCycles(ctx, list, {
    stops,
    onCycle: progress(records, opts.cycles, t0),
    onStop: async (index) => {
      const found = await nodeLeaks(ctx, base);
      const where = `checkpoint after ${index - opts.warmup} cycles`;
      leaks.push(...found.map((l) => ({ ...l, where })));
      const { fds, rssMiB } = { fds: ctx.daemon.fds().count, rssMiB: await ctx.daemon.rss() };
      checkpoints.push({ afterCycles: index - opts.warmup, leaks: found.length, daemonFds: fds, daemonRssMiB: rssMiB });
      console.log(
        `  checkpoint after ${index - opts.warmup} cycles: ${found.length} leaks, daemon ${fds} fds, ${rssMiB} MiB`,
      );
    },
  });
  return { checkpoints, leaks };
}

/** After the last cycle: every fault over, the daemon's and the node's checks, the owed status clears. */
async function endChecks(base) {
  await ctx.nodeFaults.idle();
  const d = await daemonLeaks(ctx, base);
  const servedCycles = opts.warmup + opts.cycles - ctx.daemon.incarnations.at(-1).startedAtCycle;
  const leaks = [...d.leaks, ...(await nodeLeaks(ctx, base))];
  const owed = await owedClears(ctx);
  leaks.push(...owed.leaks);
  const daemon = {
    restarts: ctx.nodeFaults.injected.daemonKilled,
    fdsBaseline: base.fds.count,
    fdsEnd: d.figures.fds,
    fdSlack: opts.fdSlack,
    rssBaselineMiB: base.rssMiB,
    rssEndMiB: d.figures.rssMiB,
    rssGrowthMiB: d.figures.rssGrowthMiB,
    rssLimitMiB: opts.rssLimitMiB,
    heapBaselineMiB: base.heapMiB,
    heapEndMiB: d.figures.heapMiB,
    endDaemonServedCycles: servedCycles,
    owedClearsAtEnd: owed.owedAtEnd,
    owedClearsNeededRestart: owed.restarted,
  };
  return { leaks: leaks.map((l) => ({ ...l, where: 'at the end' })), daemon };
}

async function soak() {
  const t0 = performance.now();
  await setUp();
  const schedule = makeSchedule({ rng: new Random(opts.seed), macvlans: MACVLANS, ...opts });
  console.log(
    `braid soak: seed ${opts.seed}, ${opts.cycles} cycles after ${opts.warmup} warm-up, up to ${opts.concurrency} in flight`,
  );
  const records = [];
  const warmup = schedule.filter((c) => c.warmup);
  await runCycles(ctx, warmup, { onCycle: (r) => records.push(r) });
  const base = await takeBaseline(ctx);
  const checkLeaks = (await nodeLeaks(ctx, base)).map((l) => ({ ...l, where: 'after the warm-up' }));
  const otherProblems = Object.entries(base.notQuiet).map(([k, v]) => `after the warm-up: ${k} is ${v}`);
  const main = await mainPhase(
    schedule.filter((c) => !c.warmup),
    base,
    records,
    t0,
  );
  const end = await endChecks(base);
  otherProblems.push(...ctx.nodeFaults.errors);
  const calls = ctx.faults.addCalls();
  const summary = summarize({
    opts,
    schedule,
    records,
    checkLeaks: [...checkLeaks, ...main.leaks, ...end.leaks],
    otherProblems,
    seconds: Math.round((performance.now() - t0) / 1000),
    apiModes: ctx.nodeFaults.apiModes,
    injected: {
      delegateFail: calls[FAIL_TYPE],
      delegateHang: calls[HANG_TYPE],
      braidKilled: records.filter((r) => r.add?.killed).length,
      ...ctx.nodeFaults.injected,
    },
    checkpoints: main.checkpoints,
    daemon: end.daemon,
  });
  printSummary(summary, rerun);
  if (opts.json) writeSummary(opts.json, summary);
  return summary.ok ? 0 : 1;
}

/** Ends what this process started and removes the pods' namespaces; main.mjs removes the node and the temp dir. */
function tearDown() {
  ctx.aborted = true;
  for (const c of ctx.children) c.kill('SIGKILL');
  ctx.faults?.killAll();
  for (const pid of [ctx.daemon?.pid, apiServer?.pid]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (const ns of ctx.liveNetns) spawnSync('ip', ['netns', 'del', ns]);
  ctx.liveNetns.clear();
}

process.once('SIGTERM', () => {
  tearDown();
  process.exit(130);
});

try {
  process.exitCode = await soak();
} catch (err) {
  console.error(`soak failed: ${err.stack ?? err}`);
  if (ctx.daemon?.pid) console.error(`daemon's last log lines:\n${ctx.daemon.logs()}`);
  process.exitCode = 2;
} finally {
  await ctx.daemon?.stop().catch(() => undefined);
  tearDown();
}
