// A burst: N pods (the 3-network pod) ADDed at once through the daemon, then DELed at once. Wall time
// of each wave, per-pod latency, failures, and the daemon's RSS at the peak (VmHWM, reset before the burst,
// checked against 10 ms sampling).
import { braidConfig } from './configs.mjs';
import { peakMiB, resetPeak, rssMiB } from './daemon.mjs';
import { exeAsync } from './scenarios.mjs';
import { summary } from './stats.mjs';

export const burstPodName = (i) => `burst-${i}`;

async function wave(ctx, command, config) {
  const t0 = performance.now();
  const calls = ctx.netns.burst.map((ns, i) =>
    exeAsync(ctx.braidBin, config, command, `burst-${i}`, ns, burstPodName(i)),
  );
  const results = await Promise.all(calls);
  const wallMs = performance.now() - t0;
  const failures = results.filter((r) => !r.ok);
  return {
    wallMs: Math.round(wallMs * 10) / 10,
    perPod: summary(results.map((r) => r.ms)),
    failures: failures.length,
    ...(failures.length ? { firstFailure: failures[0].detail.slice(0, 400) } : {}),
  };
}

export async function burstPhase(ctx) {
  const { daemon } = ctx;
  const config = braidConfig('daemon', {
    dir: ctx.dir,
    parallel: true,
    cacheDir: ctx.daemonCacheDir,
    daemonSocket: daemon.socket,
  });
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
    const add = await wave(ctx, 'ADD', config);
    const del = await wave(ctx, 'DEL', config);
    const peak = peakReset ? Math.max(peakMiB(daemon.pid), sampled) : sampled;
    return {
      pods: ctx.netns.burst.length,
      add,
      del,
      daemonRssBeforeMiB: round(before),
      daemonRssPeakMiB: round(peak),
      peakFrom: peakReset ? 'VmHWM' : 'sampling every 10 ms',
    };
  } finally {
    clearInterval(sampler);
  }
}

const round = (x) => Math.round(x * 10) / 10;
