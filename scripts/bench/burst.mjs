// A burst: N pods (the 3-network pod) ADDed at once through the daemon, then DELed at once. Wall time
// of each wave, per-pod latency, failures, and the daemon's RSS at the peak (VmHWM, reset before the burst,
// checked against 10 ms sampling). Then the same N pods' plugins called directly, all pods at once (each pod's
// networks one after another, as the floor calls them), in sandboxes of their own: the burst's floor. Each wave's
// CPU (cpu.mjs' meters: for braid the executables', the daemon's and its spawn helper's with the delegates, read
// until SETTLE_MS after the wave so the daemon's status writes and Events count too) against its wall time shows
// how many of the machine's cores it kept busy.
import { deployedDaemonConfig, podNetworks } from './configs.mjs';
import { cpuMeter, cpuMs, ticksBetween } from './cpu.mjs';
import { peakMiB, resetPeak, rssMiB } from './daemon.mjs';
import { sleep } from './proc.mjs';
import { exeAsync, floorAsync } from './scenarios.mjs';
import { ratio, summary } from './stats.mjs';

export const burstPodName = (i) => `burst-${i}`;
const SETTLE_MS = 1000;

/** Braid's wave: every burst pod's `command` through the daemon at once. */
const braidCalls = (ctx, command, config) =>
  ctx.netns.burst.map((ns, i) => exeAsync(ctx.braidBin, config, command, `burst-${i}`, ns, burstPodName(i)));

/** The floor's wave: every pod's plugins called directly, the pods at once (a DEL wave also cleans up an ADD's). */
const floorCalls = (ctx, command) => {
  const nets = podNetworks(ctx.dir, 3);
  return ctx.netns.burstFloor.map((ns, i) => floorAsync(nets, command, `burst-floor-${i}`, ns, `burst-floor-${i}`));
};

/** Starts the calls at once; their wall time, per-pod times, failures and CPU (read `settleMs` after they end). */
async function wave(start, meter, settleMs = 0) {
  // a process it reads may be gone (the spawn helper replaced): the wave then has no CPU figure
  const read = () => {
    try {
      return meter();
    } catch {
      return undefined;
    }
  };
  const before = read();
  const t0 = performance.now();
  const results = await Promise.all(start());
  const wallMs = performance.now() - t0;
  if (settleMs) await sleep(settleMs);
  const after = read();
  const cpu = before && after ? cpuMs(ticksBetween(before, after)) : undefined;
  const failures = results.filter((r) => !r.ok);
  return {
    wallMs: Math.round(wallMs * 10) / 10,
    ...(cpu === undefined
      ? {}
      : // over the wave and the settle time after it, where its status writes and Events went
        { cpuMs: Math.round(cpu), coresBusy: Math.round((cpu / (wallMs + settleMs)) * 100) / 100 }),
    perPod: summary(results.map((r) => r.ms)),
    failures: failures.length,
    ...(failures.length ? { firstFailure: failures[0].detail.slice(0, 400) } : {}),
  };
}

export async function burstPhase(ctx) {
  const { daemon } = ctx;
  const config = deployedDaemonConfig(ctx);
  const before = rssMiB(daemon.pid);
  const peakReset = resetPeak(daemon.pid);
  let sampled = before;
  const sampler = setInterval(() => {
    try {
      sampled = Math.max(sampled, rssMiB(daemon.pid));
    } catch {
      // the daemon exited: the wave reports the failures
    }
  }, 10);
  try {
    const meter = cpuMeter(daemon.pid);
    const add = await wave(() => braidCalls(ctx, 'ADD', config), meter, SETTLE_MS);
    const del = await wave(() => braidCalls(ctx, 'DEL', config), meter, SETTLE_MS);
    const peak = peakReset ? Math.max(peakMiB(daemon.pid), sampled) : sampled;
    clearInterval(sampler);
    const plugins = cpuMeter();
    const floor = {
      add: await wave(() => floorCalls(ctx, 'ADD'), plugins),
      del: await wave(() => floorCalls(ctx, 'DEL'), plugins),
    };
    return {
      pods: ctx.netns.burst.length,
      settleMs: SETTLE_MS,
      add,
      del,
      floor,
      // against a plugins-only wave that failed somewhere (and so stopped early), no ratio
      vsFloor: {
        add: floor.add.failures ? null : ratio(add.wallMs, floor.add.wallMs),
        del: floor.del.failures ? null : ratio(del.wallMs, floor.del.wallMs),
      },
      daemonRssBeforeMiB: round(before),
      daemonRssPeakMiB: round(peak),
      peakFrom: peakReset ? 'VmHWM' : 'sampling every 10 ms',
    };
  } finally {
    clearInterval(sampler);
  }
}

const round = (x) => Math.round(x * 10) / 10;
