// The scenario: ADD, DEL and the ADD+DEL cycle of a pod with a bridge + host-local default network and
// two macvlan networks, for local, daemon and thin mode with parallelAttach on and off (and Multus thin when
// MULTUS_BIN is set), against the floor, all interleaved round by round. Also the executable's start-up.
import { join } from 'node:path';
import { braidConfig, multusConfig, podNetworks } from './configs.mjs';
import { progressLine, runRounds, summarize } from './rounds.mjs';
import { exeScenario, floorScenario, versionScenario } from './scenarios.mjs';

/** The scenario keys, in the order they are reported (and the netns each gets, by index). */
export const MAIN_KEYS = ['floor', 'local-parallel', 'local-sequential', 'daemon-parallel', 'daemon-sequential', 'thin-parallel', 'thin-sequential', 'multus-thin'];

export const LABELS = {
  floor: 'plugins called directly (floor)',
  'local-parallel': 'local mode, parallelAttach on',
  'local-sequential': 'local mode, parallelAttach off',
  'daemon-parallel': 'daemon mode, parallelAttach on',
  'daemon-sequential': 'daemon mode, parallelAttach off',
  'thin-parallel': 'thin mode, parallelAttach on',
  'thin-sequential': 'thin mode, parallelAttach off',
  'multus-thin': 'Multus thin (kubeconfig to the stand-in)',
};

export const mainPodName = (key) => `main-${key}`;

/** The scenario objects of the main matrix; ctx.netns.main[i] is the sandbox of MAIN_KEYS[i]. */
export function mainScenarios(ctx) {
  const { dir, braidBin } = ctx;
  const sandbox = (key) => ctx.netns.main[MAIN_KEYS.indexOf(key)];
  const common = (key, parallel) => ({ dir, parallel, cacheDir: join(dir, `cache-${key}`) });
  const out = [floorScenario('floor', podNetworks(dir, 3), sandbox('floor'), mainPodName('floor'))];
  for (const parallel of [true, false]) {
    const suffix = parallel ? 'parallel' : 'sequential';
    const local = `local-${suffix}`;
    out.push(exeScenario(local, braidBin, braidConfig('local', { ...common(local, parallel), localStore: ctx.localStore }), sandbox(local), mainPodName(local)));
    const daemon = `daemon-${suffix}`;
    // The daemon's own cacheDir: the runtime's config wins key by key, so the request names the same one.
    out.push(exeScenario(daemon, braidBin, braidConfig('daemon', { ...common(daemon, parallel), cacheDir: ctx.daemonCacheDir, daemonSocket: ctx.daemon.socket }), sandbox(daemon), mainPodName(daemon), ctx.daemon));
    const thin = `thin-${suffix}`;
    out.push(exeScenario(thin, braidBin, braidConfig('thin', { ...common(thin, parallel), kubeconfig: ctx.api.kubeconfig }), sandbox(thin), mainPodName(thin)));
  }
  if (ctx.multus) {
    const key = 'multus-thin';
    out.push(exeScenario(key, ctx.multus.bin, multusConfig({ dir, cacheDir: join(dir, `cache-${key}`), kubeconfig: ctx.multus.kubeconfig }), sandbox(key), mainPodName(key)));
  }
  return out;
}

export async function latencyPhase(ctx) {
  const scenarios = mainScenarios(ctx);
  const raw = await runRounds(scenarios, { rounds: ctx.opts.rounds, warmup: 2, label: 'latency', progress: progressLine('latency') });
  const out = summarize(raw, 'floor');
  // With Multus measured: every scenario's medians against it too.
  const multus = out['multus-thin'];
  if (multus?.cycle.n) {
    for (const [key, s] of Object.entries(out)) {
      if (key !== 'multus-thin' && s.cycle.n) s.vsMultus = Object.fromEntries(['add', 'del', 'cycle'].map((k) => [k, Math.round((s[k].median / multus[k].median) * 100) / 100]));
    }
  }
  return out;
}

/** VERSION of dist/braid against a Go plugin: the cost of starting the executable. */
export async function startupPhase(ctx) {
  const scenarios = [versionScenario('bridge', '/usr/lib/cni/bridge'), versionScenario('braid', ctx.braidBin)];
  if (ctx.multus) scenarios.push(versionScenario('multus', ctx.multus.bin));
  const raw = await runRounds(scenarios, { rounds: ctx.opts.versionRuns, warmup: 3, label: 'VERSION', progress: progressLine('VERSION') });
  const s = summarize(raw, 'bridge');
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { ...v.add, ...(v.vsFloor ? { vsGo: v.vsFloor.add } : {}), ...(v.error ? { error: v.error } : {}) }]));
}
