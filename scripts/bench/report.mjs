// The printed report: one table per phase, ratios against the floor of the same run, then the goals.
import { CPU_KEYS } from './cpu.mjs';
import { LABELS, MAIN_KEYS } from './latency.mjs';
import { mark } from './goals.mjs';
import { NETWORK_COUNTS, SCALE_MODES } from './scaling.mjs';
import { mib, ms, table, times } from './stats.mjs';

const ms2 = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const signed = (x, digits = 2) => (Number.isFinite(x) && x >= 0 ? `+${ms2(x, digits)}` : ms2(x, digits));
const trio = (s) => (s ? [ms(s.median), ms(s.p90), ms(s.p99)] : ['–', '–', '–']);

const STARTUP_LABELS = {
  bridge: '/usr/lib/cni/bridge (Go)',
  braid: 'dist/braid (bun)',
  'bun-empty': "an empty program compiled as dist/braid is (bun's own start)",
  multus: 'Multus',
};

export function printReport(r) {
  const out = [];
  out.push(
    '',
    `braid bench ${r.date}${r.quick ? ' (--quick)' : ''}: braid ${r.braid}, ${r.machine.cpus} × ${r.machine.cpu}, Linux ${r.machine.kernel}, node ${r.machine.node}`,
  );
  out.push(
    'Wall times in ms, one process per call as a runtime makes them; ratios are medians against the floor of this run.',
  );
  out.push(
    r.multus.measured === false
      ? `Multus: not measured (${r.multus.why}; set MULTUS_BIN to a Multus thin binary to include it).`
      : `Multus: ${r.multus.bin} (${r.multus.version}); ${r.multus.note}`,
  );

  out.push('', `Executable start-up: VERSION, ${r.settings.versionRuns} runs`);
  const st = Object.entries(r.startup).map(([k, s]) => [
    STARTUP_LABELS[k] ?? k,
    ...trio(s),
    k === 'bridge' ? 'floor' : times(s.vsGo),
  ]);
  out.push(table([['', 'median', 'p90', 'p99', 'vs Go'], ...st]));

  out.push(
    '',
    `Pod with 3 networks (bridge + host-local default, 2 macvlan): ${r.settings.rounds} interleaved rounds; × = median against the floor${r.latency['multus-thin']?.cycle?.n ? ', vs Multus = cycle median against Multus thin' : ''}`,
  );
  const withMultus = Boolean(r.latency['multus-thin']?.cycle?.n);
  const rows = [
    [
      '',
      'ADD',
      'p90',
      'p99',
      'DEL',
      'p90',
      'p99',
      'cycle',
      'p90',
      'p99',
      'ADD×',
      'DEL×',
      'cycle×',
      ...(withMultus ? ['vs Multus'] : []),
    ],
  ];
  for (const k of MAIN_KEYS) {
    const s = r.latency[k];
    if (!s) continue;
    if (!s.cycle.n) continue;
    const v = s.vsFloor;
    const vsMultus = withMultus ? [k === 'multus-thin' ? '' : times(s.vsMultus?.cycle)] : [];
    rows.push([
      LABELS[k],
      ...trio(s.add),
      ...trio(s.del),
      ...trio(s.cycle),
      ...(k === 'floor' ? ['floor', '', ''] : [times(v?.add), times(v?.del), times(v?.cycle)]),
      ...vsMultus,
    ]);
  }
  out.push(table(rows));
  for (const k of MAIN_KEYS)
    if (r.latency[k]?.error)
      out.push(
        `  ! ${LABELS[k]}: ${r.latency[k].failures} failed call(s), ${r.latency[k].cycle.n} rounds measured; first: ${r.latency[k].error}`,
      );
  const c = r.chroot;
  if (c) {
    const cost = (d) => `${signed(d.cycleMs, 1)} ms a cycle (${signed(d.perCallMs)} ms per delegate call)`;
    out.push(
      '',
      `Chroot cost (hostRoot = a link to /; daemon hostRoot minus daemon, cycle medians): ${cost(c.parallel)} with parallelAttach on, ${cost(c.sequential)} off;`,
      `  ${c.delegateCallsPerCycle ?? '–'} delegate calls a cycle; a delegate call's mean time in the daemon: ${ms2(c.delegateMeanMs.chrooted)} ms chrooted, ${ms2(c.delegateMeanMs.plain)} ms not (${signed(c.delegateMeanMs.diff)} ms)`,
    );
  }
  const oh = ['daemon-parallel', 'daemon-sequential', 'daemon-hostroot-parallel', 'daemon-hostroot-sequential'].map(
    (k) => [LABELS[k], ...trio(r.latency[k]?.executableOverhead?.add), ...trio(r.latency[k]?.executableOverhead?.del)],
  );
  out.push(
    '',
    "Executable overhead in daemon mode: call time minus the daemon's own request time (braid_request_duration_seconds)",
  );
  out.push(table([['', 'ADD', 'p90', 'p99', 'DEL', 'p90', 'p99'], ...oh]));

  const cpu = r.cpu;
  if (cpu?.error) out.push('', `CPU per ADD / DEL: not measured (${cpu.error})`);
  else if (cpu) {
    const calls = cpu.perCall['daemon-parallel']?.calls ?? cpu.rounds;
    out.push(
      '',
      `CPU per ADD / DEL (ms, user+sys): mean of ${calls} interleaved calls each (/proc counts CPU in ${1000 / cpu.clockTicksPerSecond} ms ticks: too coarse for a call's median)`,
    );
    const cr = CPU_KEYS.filter((k) => cpu.perCall[k]).map((k) => {
      const c = cpu.perCall[k];
      const v = c.vsFloor;
      return [
        LABELS[k],
        ms(c.add),
        ms(c.del),
        ms(c.cycle),
        ...(k === 'floor' ? ['floor', '', ''] : [times(v?.add), times(v?.del), times(v?.cycle)]),
      ];
    });
    out.push(table([['', 'ADD', 'DEL', 'cycle', 'ADD×', 'DEL×', 'cycle×'], ...cr]));
    const p = cpu.perCall['daemon-parallel']?.parts;
    if (p) {
      const part = (x) => `${ms(x?.add)} / ${ms(x?.del)}`;
      const idle = cpu.daemonIdleMsPerSecond;
      const bg = cpu.perCall['daemon-parallel'].backgroundTakenOff;
      out.push(
        `  daemon mode, ADD / DEL: the executable ${part(p.executable)}, the daemon ${part(p.daemon)}, its spawn helper with the delegates ${part(p.helper)};`,
        `  each read from before the call until ${cpu.settleMs} ms after it, less the daemon's and its helper's background (${ms2(idle.daemon)} + ${ms2(idle.helper)} ms a second while the floors ran): ${part(bg)} ms a call taken off`,
      );
    }
    for (const k of CPU_KEYS)
      if (cpu.perCall[k]?.error)
        out.push(`  ! ${LABELS[k]}: ${cpu.perCall[k].failures} failed call(s); first: ${cpu.perCall[k].error}`);
  }

  out.push(
    '',
    `Growth with the number of networks (default + macvlans), ADD+DEL cycle, ${r.settings.scaleRounds} rounds`,
  );
  const sc = NETWORK_COUNTS.map((n) => [
    String(n),
    ...SCALE_MODES.flatMap((m) => {
      const s = r.scaling[m][n];
      return m === 'floor'
        ? [ms(s?.add.median), ms(s?.del.median), ms(s?.cycle.median)]
        : [ms(s?.cycle.median), times(s?.vsFloor?.cycle)];
    }),
  ]);
  out.push(
    table([['networks', 'floor ADD', 'floor DEL', 'floor cycle', 'daemon par.', '×', 'daemon seq.', '×'], ...sc]),
  );
  for (const m of SCALE_MODES) {
    for (const n of NETWORK_COUNTS)
      if (r.scaling[m][n]?.error)
        out.push(
          `  ! ${m}, ${n} networks: ${r.scaling[m][n].failures} failed call(s); first: ${r.scaling[m][n].error}`,
        );
  }

  const b = r.burst;
  out.push(
    '',
    `Burst: ${b.pods} pods (3 networks each) ADDed at once through the daemon, then DELed at once; then the same with the plugins called directly (each pod's networks one after another, the pods at once); × = wall time against the plugins'; CPU (user+sys) of each wave ÷ its wall time (braid's: with the ${b.settleMs ?? 1000} ms after it, where its status writes and Events go) = the cores it kept busy, of ${r.machine.cpus}`,
  );
  const burstRow = (label, w, vs) => [
    label,
    ms(w?.wallMs),
    ms(w?.perPod.median),
    ms(w?.perPod.p90),
    ms(w?.perPod.p99),
    String(w?.failures ?? '–'),
    vs,
    ms2(w?.cpuMs / 1000),
    ms2(w?.coresBusy),
  ];
  out.push(
    table([
      ['', 'wall', 'per-pod p50', 'p90', 'p99', 'failures', '×', 'CPU s', 'CPU ÷ wall'],
      ...['add', 'del'].flatMap((w) => [
        burstRow(`${w.toUpperCase()} through the daemon`, b[w], times(b.vsFloor?.[w])),
        ...(b.floor ? [burstRow(`${w.toUpperCase()}, plugins called directly`, b.floor[w], 'floor')] : []),
      ]),
    ]),
  );
  for (const w of ['add', 'del']) {
    if (b[w].firstFailure) out.push(`  ! first ${w.toUpperCase()} failure: ${b[w].firstFailure}`);
    if (b.floor?.[w].firstFailure)
      out.push(`  ! first ${w.toUpperCase()} failure, plugins called directly: ${b.floor[w].firstFailure}`);
  }

  out.push('', 'API requests per call (stand-in counters; reads = GET and LIST, Events are asynchronous POSTs)');
  const ap = Object.entries(r.apiRequests)
    .filter(([, a]) => !a.error)
    .map(([k, a]) => [
      LABELS[k],
      ...['add', 'del'].flatMap((w) => [a[w].reads, a[w].statusWrites, a[w].events, a[w].otherWrites].map(String)),
    ]);
  out.push(
    table([
      ['', 'ADD reads', 'status writes', 'events', 'other', 'DEL reads', 'status writes', 'events', 'other'],
      ...ap,
    ]),
  );
  for (const [k, a] of Object.entries(r.apiRequests)) if (a.error) out.push(`  ! ${LABELS[k]} failed: ${a.error}`);

  out.push('', 'Daemon memory (RSS)');
  const mem = [
    ["idle, the bench's NADs and pods cached", mib(r.daemonIdle.rssMiB)],
    ["at the burst's peak", mib(b.daemonRssPeakMiB)],
  ];
  if (r.daemonIdle.helperRssMiB)
    mem.push(['its spawn helper (`braid spawn-helper`, ADR 0021), idle', mib(r.daemonIdle.helperRssMiB)]);
  if (r.memory)
    mem.push([
      `${r.memory.nads} NADs + ${r.memory.pods} pods cached (synced in ${r.memory.syncedMs} ms; heap ${r.memory.heapUsedMiB} MiB)`,
      mib(r.memory.rssMiB),
    ]);
  out.push(table([['', 'RSS'], ...mem]));

  out.push('', 'Goals (issue 9; reported, never asserted)');
  out.push(
    table(
      [['', 'goal', 'target', 'measured'], ...r.goals.map((g) => [mark(g.status), g.goal, g.target, g.value])],
      'llll',
    ),
  );
  out.push(
    '',
    `Run took ${r.runSeconds} s (${Object.entries(r.phaseSeconds)
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ')}).`,
  );
  console.log(out.join('\n'));
}
