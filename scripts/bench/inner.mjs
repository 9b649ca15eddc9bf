// The measuring process, started by main.mjs inside the node netns: the stand-in, the daemon, the local store,
// then each phase in turn; prints the report, writes bench/results/<date>.json and .svg. Every child it starts
// is stopped here; main.mjs ends the whole process group anyway.
import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { apiCountPhase } from './apicount.mjs';
import { startApiServer } from './apiserver.mjs';
import { burstPhase, burstPodName } from './burst.mjs';
import { allNads, podObject, writeLocalStore } from './configs.mjs';
import { cpuPhase } from './cpu.mjs';
import { helperRssMiB, rssMiB, selfHostRoot, startDaemon } from './daemon.mjs';
import { chrootCost, latencyPhase, MAIN_KEYS, mainPodName, startupPhase } from './latency.mjs';
import { memoryLab } from './memory.mjs';
import { judgeGoals } from './goals.mjs';
import { startMultus } from './multus.mjs';
import { sleep } from './proc.mjs';
import { printReport } from './report.mjs';
import { saveResults } from './results.mjs';
import { NETWORK_COUNTS, scalePodName, scalingPhase } from './scaling.mjs';

const { root, dir, netns, opts, builds } = JSON.parse(process.env.BENCH_PLAN);
const stops = [];
const phaseTimes = {};

async function phase(key, name, fn) {
  const t0 = performance.now();
  console.log(`… ${name}`);
  try {
    return await fn();
  } finally {
    phaseTimes[key] = Math.round((performance.now() - t0) / 100) / 10;
  }
}

function braidRevision() {
  try {
    const rev = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${rev}+changes in src/` : rev;
  } catch {
    return 'unknown';
  }
}

async function run() {
  const t0 = performance.now();
  const results = {
    date: opts.date,
    quick: opts.quick,
    braid: braidRevision(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, kernel: release(), node: process.version },
    settings: {
      rounds: opts.rounds,
      scaleRounds: opts.scaleRounds,
      cpuRounds: opts.cpuRounds,
      versionRuns: opts.versionRuns,
      apiCountRuns: opts.apiCountRuns,
      burstPods: opts.burstPods,
    },
  };
  const ctx = { root, dir, opts, netns, braidBin: builds.braid, daemonCacheDir: join(dir, 'cache-daemon') };
  const pods = [
    ...MAIN_KEYS.map((k) => podObject(mainPodName(k), 2)),
    ...NETWORK_COUNTS.map((n) => podObject(scalePodName(n), n - 1)),
    ...netns.burst.map((_, i) => podObject(burstPodName(i), 2)),
  ];
  await phase('setup', 'setup: API-server stand-in, daemon, local store', async () => {
    ctx.api = await startApiServer(builds.apiserver, dir);
    stops.push(() => ctx.api.stop());
    await ctx.api.seed([...allNads(dir), ...pods]);
    ctx.localStore = writeLocalStore(join(dir, 'store'), [...allNads(dir), ...pods]);
    ctx.daemon = await startDaemon({
      bundle: builds.daemon,
      dir,
      kubeconfig: ctx.api.kubeconfig,
      cacheDir: ctx.daemonCacheDir,
      // As deployed: the image's braid starts the delegates (ADR 0021).
      extra: { spawnHelper: builds.braid },
    });
    stops.push(() => ctx.daemon.stop());
    // A second daemon for the latency phase only: hostRoot set, so every delegate runs through chroot (as deployed).
    const hostRoot = selfHostRoot(dir);
    ctx.daemonHostRoot = await startDaemon({
      bundle: builds.daemon,
      dir,
      name: 'daemon-hostroot',
      kubeconfig: ctx.api.kubeconfig,
      cacheDir: join(dir, 'cache-daemon-hostroot'),
      extra: { hostRoot, spawnHelper: builds.braid },
    });
    stops.push(() => ctx.daemonHostRoot.stop());
    // And one whose own event loop forks every delegate, for the spawn helper's gain (ADR 0021).
    ctx.daemonNoHelper = await startDaemon({
      bundle: builds.daemon,
      dir,
      name: 'daemon-nohelper',
      kubeconfig: ctx.api.kubeconfig,
      cacheDir: join(dir, 'cache-daemon-nohelper'),
      extra: { spawnHelper: '' },
    });
    stops.push(() => ctx.daemonNoHelper.stop());
    await sleep(2000);
    results.daemonIdle = {
      rssMiB: Math.round(rssMiB(ctx.daemon.pid) * 10) / 10,
      helperRssMiB: Math.round(helperRssMiB(ctx.daemon.pid) * 10) / 10,
      cachedNads: await ctx.daemon.gauge('braid_cached_nads'),
      cachedPods: await ctx.daemon.gauge('braid_cached_pods'),
    };
    if (opts.multusBin) {
      ctx.multus = await startMultus(ctx);
      stops.push(() => ctx.multus.stop());
    }
  });
  results.multus = ctx.multus
    ? { bin: opts.multusBin, version: ctx.multus.version, note: ctx.multus.note }
    : { measured: false, why: 'MULTUS_BIN is not set' };
  results.startup = await phase('start-up', 'executable start-up (VERSION)', () => startupPhase(ctx));
  results.latency = await phase('latency', `3-network pod in every mode, ${opts.rounds} interleaved rounds`, () =>
    latencyPhase(ctx),
  );
  results.chroot = await chrootCost(ctx, results.latency);
  await ctx.daemonHostRoot.stop(); // the later phases use the first daemon only
  // A failed CPU reading (e.g. the spawn helper replaced mid-phase) is reported, not the end of the run.
  results.cpu = await phase('cpu', `CPU per ADD and DEL, ${opts.cpuRounds} interleaved rounds`, () =>
    cpuPhase(ctx).catch((err) => ({ error: String(err?.message ?? err) })),
  );
  results.scaling = await phase('scaling', `1, 2, 4, 8 networks, ${opts.scaleRounds} interleaved rounds`, () =>
    scalingPhase(ctx),
  );
  results.apiRequests = await phase('api', 'API requests per ADD and DEL', () => apiCountPhase(ctx));
  results.burst = await phase(
    'burst',
    `burst of ${opts.burstPods} pods through the daemon, then with the plugins called directly`,
    () => burstPhase(ctx),
  );
  while (stops.length) await stops.pop()();
  if (opts.memory) {
    results.memory = await phase(
      'memory',
      `daemon memory with ${opts.memNads} NADs and ${opts.memPods} pods`,
      async () => {
        const lab = await memoryLab({ builds, dir, nads: opts.memNads, pods: opts.memPods });
        try {
          return { nads: opts.memNads, pods: opts.memPods, ...(await lab.measure('memory')) };
        } finally {
          await lab.stop();
        }
      },
    );
  }
  results.runSeconds = Math.round((performance.now() - t0) / 1000);
  results.phaseSeconds = phaseTimes;
  results.goals = judgeGoals(results);
  printReport(results);
  if (opts.save) saveResults(root, opts, results);
}

try {
  await run();
} catch (err) {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  while (stops.length)
    await stops
      .pop()()
      .catch(() => {});
}
