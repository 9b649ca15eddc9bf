// How ADD, DEL and the cycle grow with the number of networks (1, 2, 4, 8: the default network plus 0, 1, 3, 7
// macvlans), for the floor and daemon mode (parallelAttach on and off), interleaved like the main matrix.
import { deployedDaemonConfig, podNetworks } from './configs.mjs';
import { progressLine, runRounds, summarize } from './rounds.mjs';
import { exeScenario, floorScenario } from './scenarios.mjs';

export const NETWORK_COUNTS = [1, 2, 4, 8];
export const SCALE_MODES = ['floor', 'daemon-parallel', 'daemon-sequential'];
export const scalePodName = (networks) => `scale-${networks}`;

export async function scalingPhase(ctx) {
  const { dir, braidBin, daemon } = ctx;
  const scenarios = [];
  for (const n of NETWORK_COUNTS) {
    const [floorNs, parNs, seqNs] = ctx.netns.scale;
    scenarios.push(floorScenario(`floor@${n}`, podNetworks(dir, n), floorNs, scalePodName(n)));
    for (const [parallel, ns] of [
      [true, parNs],
      [false, seqNs],
    ]) {
      const key = `daemon-${parallel ? 'parallel' : 'sequential'}@${n}`;
      const config = deployedDaemonConfig(ctx, parallel);
      scenarios.push(exeScenario(key, braidBin, config, ns, scalePodName(n), daemon));
    }
  }
  const raw = await runRounds(scenarios, {
    rounds: ctx.opts.scaleRounds,
    warmup: 1,
    label: 'scaling',
    progress: progressLine('scaling'),
  });
  // Ratios against the floor with the same number of networks.
  const out = {};
  for (const mode of SCALE_MODES) out[mode] = {};
  for (const n of NETWORK_COUNTS) {
    const part = Object.fromEntries(SCALE_MODES.map((m) => [m, raw[`${m}@${n}`]]));
    const s = summarize(part, 'floor');
    for (const mode of SCALE_MODES) out[mode][n] = s[mode];
  }
  return out;
}
