// The scenario: ADD, DEL and the ADD+DEL cycle of a pod with a bridge + host-local default network and
// two macvlan networks, for local, daemon and thin mode with parallelAttach on and off, daemon mode once more with
// hostRoot (delegates chrooted, as deployed), and Multus thin when MULTUS_BIN is set, against the floor (and the
// parallel floor: the same plugins, all networks at once), all interleaved round by round. Also the executable's
// start-up and what the chroot costs.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { braidConfig, multusConfig, podNetworks } from './configs.mjs';
import { progressLine, runRounds, summarize } from './rounds.mjs';
import { exeScenario, floorScenario, parallelFloorScenario, versionScenario } from './scenarios.mjs';

/** The scenario keys, in the order they are reported (and the netns each gets, by index). */
export const MAIN_KEYS = [
  'floor',
  'floor-parallel',
  'local-parallel',
  'local-sequential',
  'daemon-parallel',
  'daemon-sequential',
  'daemon-nohelper-parallel',
  'daemon-hostroot-parallel',
  'daemon-hostroot-sequential',
  'thin-parallel',
  'thin-sequential',
  'multus-thin',
];

export const LABELS = {
  floor: 'plugins called directly (floor)',
  'floor-parallel': 'plugins called directly, all networks at once',
  'local-parallel': 'local mode, parallelAttach on',
  'local-sequential': 'local mode, parallelAttach off',
  'daemon-parallel': 'daemon mode, parallelAttach on',
  'daemon-sequential': 'daemon mode, parallelAttach off',
  'daemon-nohelper-parallel': 'daemon mode, no spawn helper, parallelAttach on',
  'daemon-hostroot-parallel': 'daemon mode, hostRoot, parallelAttach on',
  'daemon-hostroot-sequential': 'daemon mode, hostRoot, parallelAttach off',
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
  const out = [
    floorScenario('floor', podNetworks(dir, 3), sandbox('floor'), mainPodName('floor')),
    parallelFloorScenario(
      'floor-parallel',
      podNetworks(dir, 3),
      sandbox('floor-parallel'),
      mainPodName('floor-parallel'),
    ),
  ];
  for (const parallel of [true, false]) {
    const suffix = parallel ? 'parallel' : 'sequential';
    const local = `local-${suffix}`;
    out.push(
      exeScenario(
        local,
        braidBin,
        braidConfig('local', { ...common(local, parallel), localStore: ctx.localStore }),
        sandbox(local),
        mainPodName(local),
      ),
    );
    const daemon = `daemon-${suffix}`;
    // The daemon's own cacheDir: the runtime's config wins key by key, so the request names the same one.
    out.push(
      exeScenario(
        daemon,
        braidBin,
        braidConfig('daemon', {
          ...common(daemon, parallel),
          cacheDir: ctx.daemonCacheDir,
          daemonSocket: ctx.daemon.socket,
        }),
        sandbox(daemon),
        mainPodName(daemon),
        ctx.daemon,
      ),
    );
    const own = 'daemon-nohelper-parallel';
    const nh = ctx.daemonNoHelper;
    if (nh && parallel)
      out.push(
        exeScenario(
          own,
          braidBin,
          braidConfig('daemon', { ...common(own, parallel), cacheDir: nh.cacheDir, daemonSocket: nh.socket }),
          sandbox(own),
          mainPodName(own),
          nh,
        ),
      );
    const chrooted = `daemon-hostroot-${suffix}`;
    const hr = ctx.daemonHostRoot;
    if (hr)
      out.push(
        exeScenario(
          chrooted,
          braidBin,
          braidConfig('daemon', { ...common(chrooted, parallel), cacheDir: hr.cacheDir, daemonSocket: hr.socket }),
          sandbox(chrooted),
          mainPodName(chrooted),
          hr,
        ),
      );
    const thin = `thin-${suffix}`;
    out.push(
      exeScenario(
        thin,
        braidBin,
        braidConfig('thin', { ...common(thin, parallel), kubeconfig: ctx.api.kubeconfig }),
        sandbox(thin),
        mainPodName(thin),
      ),
    );
  }
  if (ctx.multus) {
    const key = 'multus-thin';
    out.push(
      exeScenario(
        key,
        ctx.multus.bin,
        multusConfig({ dir, cacheDir: join(dir, `cache-${key}`), kubeconfig: ctx.multus.kubeconfig }),
        sandbox(key),
        mainPodName(key),
      ),
    );
  }
  return out;
}

export async function latencyPhase(ctx) {
  const scenarios = mainScenarios(ctx);
  const raw = await runRounds(scenarios, {
    rounds: ctx.opts.rounds,
    warmup: 2,
    label: 'latency',
    progress: progressLine('latency'),
  });
  const out = summarize(raw, 'floor');
  // With Multus measured: every scenario's medians against it too.
  const multus = out['multus-thin'];
  if (multus?.cycle.n) {
    for (const [key, s] of Object.entries(out)) {
      if (key !== 'multus-thin' && s.cycle.n)
        s.vsMultus = Object.fromEntries(
          ['add', 'del', 'cycle'].map((k) => [k, Math.round((s[k].median / multus[k].median) * 100) / 100]),
        );
    }
  }
  return out;
}

/** VERSION of dist/braid against a Go plugin: the cost of starting the executable. */
/**
 * An empty program compiled as dist/braid is (bun --compile --bytecode): bun's own start-up on this machine, the
 * floor under the executable's overhead. Undefined when bun cannot build it here.
 */
function emptyBunProgram(ctx) {
  const src = join(ctx.dir, 'empty.ts');
  const out = join(ctx.dir, 'build', 'bun-empty');
  writeFileSync(src, 'export {};\n');
  const bun = join(ctx.root, 'node_modules', '.bin', 'bun');
  const r = spawnSync(bun, ['build', '--compile', '--bytecode', '--format=esm', src, '--outfile', out], {
    stdio: 'ignore',
  });
  return r.status === 0 ? out : undefined;
}

export async function startupPhase(ctx) {
  const scenarios = [versionScenario('bridge', '/usr/lib/cni/bridge'), versionScenario('braid', ctx.braidBin)];
  const empty = emptyBunProgram(ctx);
  if (empty) scenarios.push(versionScenario('bun-empty', empty));
  if (ctx.multus) scenarios.push(versionScenario('multus', ctx.multus.bin));
  const raw = await runRounds(scenarios, {
    rounds: ctx.opts.versionRuns,
    warmup: 3,
    label: 'VERSION',
    progress: progressLine('VERSION'),
  });
  const s = summarize(raw, 'bridge');
  return Object.fromEntries(
    Object.entries(s).map(([k, v]) => [
      k,
      { ...v.add, ...(v.vsFloor ? { vsGo: v.vsFloor.add } : {}), ...(v.error ? { error: v.error } : {}) },
    ]),
  );
}

/**
 * What chrooting each delegate costs (ADR 0013): the hostRoot daemon's cycle median minus the plain daemon's, in
 * all and per delegate call (calls per cycle counted by the hostRoot daemon), and each daemon's mean delegate time.
 * Read right after the latency phase: until then each daemon has served only its own two scenarios.
 */
export async function chrootCost(ctx, latency) {
  const [plain, chrooted, adds] = await Promise.all([
    ctx.daemon.delegateTime(),
    ctx.daemonHostRoot.delegateTime(),
    ctx.daemonHostRoot.requestTime('ADD'),
  ]);
  const calls = adds.count ? Math.round((chrooted.count / adds.count) * 10) / 10 : null;
  const round = (x, d) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
  const diff = (suffix) => {
    const a = latency[`daemon-hostroot-${suffix}`]?.cycle?.median;
    const b = latency[`daemon-${suffix}`]?.cycle?.median;
    return { cycleMs: round(a - b, 1), perCallMs: calls ? round((a - b) / calls, 2) : null };
  };
  const mean = (t) => (t.count ? (t.sum / t.count) * 1000 : NaN);
  return {
    hostRoot: '<run dir>/hostroot, a symlink to /',
    delegateCallsPerCycle: calls,
    parallel: diff('parallel'),
    sequential: diff('sequential'),
    delegateMeanMs: {
      chrooted: round(mean(chrooted), 2),
      plain: round(mean(plain), 2),
      diff: round(mean(chrooted) - mean(plain), 2),
    },
  };
}
