// CPU per call (user+sys): what an ADD and a DEL cost the machine, not how long they take, for the floor, the
// parallel floor and daemon mode (parallelAttach on), interleaved round by round in the main matrix's sandboxes.
// Read from /proc in clock ticks (CLK_TCK, 100 a second here):
// - the bench's own children (the floors' plugins, daemon mode's executable): cutime+cstime of /proc/self/stat,
//   which the kernel adds each child's CPU to when it is reaped, with what the child had reaped itself (a plugin's
//   IPAM plugin). process.resourceUsage() would not do: it is getrusage(RUSAGE_SELF), the bench's own CPU only.
// - the daemon: utime+stime+cutime+cstime of /proc/<pid>/stat (cutime stays 0 while its spawn helper lives).
// - its spawn helper (ADR 0021): the same four; the delegates are its children, so their CPU is in its cutime.
// A tick is 10 ms and a plugin call takes two or three, so a call's figure is its readings' difference summed over
// the rounds and divided by the calls: a mean, not a median. The kernel keeps these sums in nanoseconds and truncates
// them only when it reports them, so each difference is off by less than a tick, as likely up as down.
// After each daemon-mode call the daemon gets SETTLE_MS before the second reading: what it does after its answer
// (the status write, Events, its own watch event) counts with the call that caused it. Its background (timers, GC:
// its CPU and its helper's while only the floors run) is taken off for the length of each call's window, and
// reported. The API-server stand-in's CPU is not counted (it stands for the cluster's API server, not the node).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { deployedDaemonConfig, podNetworks } from './configs.mjs';
import { helperPid } from './daemon.mjs';
import { MAIN_KEYS, mainPodName } from './latency.mjs';
import { progressLine } from './rounds.mjs';
import { exeScenario, floorScenario, parallelFloorScenario } from './scenarios.mjs';
import { ratio } from './stats.mjs';
import { sleep } from './proc.mjs';

export const CPU_KEYS = ['floor', 'floor-parallel', 'daemon-parallel'];
const SETTLE_MS = 300;
const WARMUP = 1;
const MAX_FAILURES = 3;

let ticksPerSecond;
/** Clock ticks a second (getconf CLK_TCK, asked once); 100, the usual value, when getconf is not there. */
export function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      // no getconf
    }
    if (!(ticksPerSecond > 0)) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** Fields 14–17 of /proc/<pid>/stat (proc(5)), in ticks: utime, stime, cutime, cstime. */
function times(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
}

/** The CPU of the bench's reaped children (ticks). */
const childrenTicks = () => {
  const t = times('self');
  return t.cutime + t.cstime;
};

/** A process's CPU with that of the children it reaped (ticks). */
const allTicks = (pid) => {
  const t = times(pid);
  return t.utime + t.stime + t.cutime + t.cstime;
};

/**
 * A meter of CPU ticks by part: `executable` (the bench's reaped children: plugins or dist/braid) and, with
 * `daemonPid`, `daemon` and `helper` (its spawn helper, found now; 0 without one).
 */
export function cpuMeter(daemonPid) {
  if (daemonPid === undefined) return () => ({ executable: childrenTicks() });
  const helper = helperPid(daemonPid);
  const meter = () => ({
    executable: childrenTicks(),
    daemon: allTicks(daemonPid),
    helper: helper === undefined ? 0 : allTicks(helper),
  });
  meter.helper = helper;
  return meter;
}

/** Each part's ticks from `before` to `after`. */
export const ticksBetween = (before, after) =>
  Object.fromEntries(Object.keys(before).map((k) => [k, after[k] - before[k]]));

/** Milliseconds of CPU in `parts` (ticks), all together. */
export const cpuMs = (parts) => (Object.values(parts).reduce((t, v) => t + v, 0) * 1000) / clockTicks();

/** The three scenarios, each with its meter and the settle time after its calls. */
function cpuScenarios(ctx) {
  const sandbox = (key) => ctx.netns.main[MAIN_KEYS.indexOf(key)];
  const nets = podNetworks(ctx.dir, 3);
  const plugins = cpuMeter();
  const { daemon } = ctx;
  const config = deployedDaemonConfig(ctx);
  return [
    { scenario: floorScenario('floor', nets, sandbox('floor'), mainPodName('floor')), meter: plugins },
    {
      scenario: parallelFloorScenario('floor-parallel', nets, sandbox('floor-parallel'), mainPodName('floor-parallel')),
      meter: plugins,
    },
    {
      // No `daemon` argument: no /metrics reads around the call, whose rendering would count as the daemon's CPU.
      scenario: exeScenario(
        'daemon-parallel',
        ctx.braidBin,
        config,
        sandbox('daemon-parallel'),
        mainPodName('daemon-parallel'),
      ),
      meter: cpuMeter(daemon.pid),
      settleMs: SETTLE_MS,
    },
  ];
}

/** One call of `command` ('add' or 'del'): each part's ticks and the window's length, settle time included. */
async function metered({ scenario, meter, settleMs = 0 }, command, id) {
  const t0 = performance.now();
  const before = meter();
  await scenario[command](id);
  if (settleMs) await sleep(settleMs);
  return { ticks: ticksBetween(before, meter()), ms: performance.now() - t0 };
}

const addTo = (sum, parts) => {
  for (const [k, v] of Object.entries(parts)) sum[k] = (sum[k] ?? 0) + v;
};

export async function cpuPhase(ctx) {
  const msPerTick = 1000 / clockTicks();
  const list = cpuScenarios(ctx);
  const rounds = ctx.opts.cpuRounds;
  const acc = Object.fromEntries(
    list.map((e) => [e.scenario.key, { add: {}, del: {}, windowMs: { add: 0, del: 0 }, calls: 0, failures: 0 }]),
  );
  // The daemon's and its helper's CPU while only the floors run: their background (timers, GC, the helper's loop),
  // taken off daemon mode's figures for the length of each call and its settle time.
  const daemonSide = cpuMeter(ctx.daemon.pid);
  const idle = { ticks: {}, ms: 0 };
  const progress = progressLine('CPU');
  const live = [...list];
  for (let r = 0; r < WARMUP + rounds && live.length; r++) {
    const order = live.map((_, i) => live[(i + r) % live.length]);
    for (const e of order) {
      const { key } = e.scenario;
      const id = `cpu-${key}-${r}`;
      const a = acc[key];
      const t0 = performance.now();
      const d0 = daemonSide();
      try {
        const add = await metered(e, 'add', id);
        const del = await metered(e, 'del', id);
        if (r < WARMUP) continue;
        addTo(a.add, add.ticks);
        addTo(a.del, del.ticks);
        a.windowMs.add += add.ms;
        a.windowMs.del += del.ms;
        a.calls++;
        if (!e.settleMs) {
          const { daemon, helper } = ticksBetween(d0, daemonSide());
          addTo(idle.ticks, { daemon, helper });
          idle.ms += performance.now() - t0;
        }
      } catch (err) {
        const msg = err.message.replace(/\s+/g, ' ').slice(0, 500);
        a.error ??= msg;
        a.failures++;
        await e.scenario.cleanup?.(id);
        const drop = a.failures >= MAX_FAILURES;
        console.log(`  ! CPU ${key} failed in round ${r}${drop ? ', dropped from later rounds' : ''}: ${msg}`);
        if (drop) live.splice(live.indexOf(e), 1);
      }
    }
    progress(r + 1, WARMUP + rounds);
  }
  const { helper } = daemonSide;
  if (helper !== undefined && helperPid(ctx.daemon.pid) !== helper)
    throw new Error(`the daemon's spawn helper ${helper} was replaced during the CPU phase: its CPU is not comparable`);

  // Background in ms of CPU per ms of wall, by part.
  const rate = (part) => (idle.ms ? ((idle.ticks[part] ?? 0) * msPerTick) / idle.ms : 0);
  const round1 = (v) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : null);
  const out = {};
  for (const { scenario } of list) {
    const a = acc[scenario.key];
    const n = a.calls;
    // A part's ms per call, less its background over the call's window (the call and its settle time).
    const partMs = (w) =>
      Object.fromEntries(
        Object.entries(a[w]).map(([k, t]) => [k, n ? (t * msPerTick - rate(k) * a.windowMs[w]) / n : NaN]),
      );
    const add = partMs('add');
    const del = partMs('del');
    const sum = (o) => Object.values(o).reduce((t, v) => t + v, 0);
    const s = { add: round1(sum(add)), del: round1(sum(del)), cycle: round1(sum(add) + sum(del)), calls: n };
    if (Object.keys(add).length > 1) {
      s.parts = Object.fromEntries(Object.keys(add).map((k) => [k, { add: round1(add[k]), del: round1(del[k]) }]));
      const background = (w) => round1(((rate('daemon') + rate('helper')) * a.windowMs[w]) / n);
      s.backgroundTakenOff = { add: background('add'), del: background('del') };
    }
    if (a.error) Object.assign(s, { failures: a.failures, error: a.error });
    out[scenario.key] = s;
  }
  const floor = out.floor;
  for (const [key, s] of Object.entries(out))
    if (key !== 'floor') s.vsFloor = Object.fromEntries(['add', 'del', 'cycle'].map((k) => [k, ratio(s[k], floor[k])]));
  return {
    statistic: 'mean per call: the ticks of every measured call summed, divided by the calls',
    clockTicksPerSecond: clockTicks(),
    rounds,
    settleMs: SETTLE_MS,
    daemonIdleMsPerSecond: {
      daemon: Math.round(rate('daemon') * 100000) / 100,
      helper: Math.round(rate('helper') * 100000) / 100,
    },
    perCall: out,
  };
}
