// The issue's goals, judged from the results: never asserted, printed with a pass/miss mark (or "n/m" when the
// run did not measure it). Between them, context rows (status "context", no mark): what the same plugins reach
// with no meta-plugin at all, so a reader sees which part of a miss is braid's and which is the machine's.
const FULL_MEMORY = { nads: 10000, pods: 250 };

const goal = (name, target, value, pass) => ({
  goal: name,
  target,
  value,
  status: pass === undefined ? 'not measured' : pass ? 'pass' : 'miss',
});
const context = (name, value) => ({ goal: name, target: 'not a goal', value, status: 'context' });
const x = (v) => (v == null ? '–' : `${v.toFixed(2)}x`);
const ms1 = (v) => (v == null ? '–' : v.toFixed(1));
const s2 = (msValue) => `${(msValue / 1000).toFixed(2)} s`;

export function judgeGoals(r) {
  const out = [];
  const daemon = r.latency?.['daemon-parallel'];
  const floorCycle = r.latency?.floor?.cycle?.median;
  const cycle = daemon?.cycle?.median;
  const vsFloor = daemon?.vsFloor?.cycle;
  out.push(
    goal(
      'daemon-mode ADD+DEL cycle vs the plugins called directly',
      '≤ 1.0x',
      vsFloor != null ? `${vsFloor.toFixed(2)}x (${cycle} vs ${floorCycle} ms)` : 'n/a',
      vsFloor != null ? vsFloor <= 1.0 : undefined,
    ),
  );

  const pf = r.latency?.['floor-parallel'];
  if (pf?.vsFloor)
    out.push(
      context(
        'the plugins called directly, all networks at once',
        `${x(pf.vsFloor.cycle)} the floor (ADD ${x(pf.vsFloor.add)}, DEL ${x(pf.vsFloor.del)}; cycle ${pf.cycle.median} vs ${floorCycle} ms)`,
      ),
    );
  const cpu = r.cpu?.perCall;
  if (cpu?.['daemon-parallel']?.vsFloor)
    out.push(
      context(
        'CPU (user+sys) per ADD+DEL cycle in daemon mode',
        `${x(cpu['daemon-parallel'].vsFloor.cycle)} the floor (${ms1(cpu['daemon-parallel'].cycle)} vs ${ms1(cpu.floor.cycle)} ms; all networks at once ${ms1(cpu['floor-parallel']?.cycle)} ms)`,
      ),
    );

  const multus = r.latency?.['multus-thin']?.cycle?.median;
  const vsMultus = multus && cycle ? Math.round((cycle / multus) * 100) / 100 : undefined;
  out.push(
    goal(
      'daemon-mode ADD+DEL cycle vs Multus thin',
      '≤ 0.6x',
      vsMultus !== undefined
        ? `${vsMultus.toFixed(2)}x (${cycle} vs ${multus} ms)`
        : (r.multus?.why ?? `Multus failed: ${r.latency?.['multus-thin']?.error?.slice(0, 100)}`),
      vsMultus !== undefined ? vsMultus <= 0.6 : undefined,
    ),
  );

  const oh = daemon?.executableOverhead;
  const worst = oh ? Math.max(oh.add.median, oh.del.median) : undefined;
  out.push(
    goal(
      "executable overhead per call (daemon mode: call time minus the daemon's own request time)",
      '≤ 10 ms',
      oh
        ? `ADD ${oh.add.median} ms, DEL ${oh.del.median} ms (median)${r.startup?.['bun-empty'] ? `; an empty bun program starts in ${r.startup['bun-empty'].median} ms here` : ''}`
        : 'n/a',
      worst !== undefined ? worst <= 10 : undefined,
    ),
  );

  const b = r.burst;
  // Each wave beside the same pods' plugins called directly, all pods at once.
  const wave = (w) => {
    const f = b.floor?.[w];
    const what = w === 'add' ? ` the plugins called directly for the same ${b.pods} pods at once` : '';
    const vs = f ? ` (${x(b.vsFloor?.[w])}${what}: ${s2(f.wallMs)})` : '';
    return `${w.toUpperCase()} ${s2(b[w].wallMs)}${vs}, ${b[w].failures} failed`;
  };
  out.push(
    goal(
      `burst of ${b?.pods ?? 30} pods ADDed at once through the daemon, no failure`,
      '< 2 s',
      b ? `${wave('add')}; ${wave('del')}` : 'n/a',
      b ? b.add.wallMs < 2000 && b.add.failures === 0 && b.del.failures === 0 : undefined,
    ),
  );
  const cores = r.machine?.cpus;
  const busy = (w, settleMs = 0) =>
    `${s2(w.cpuMs)} of CPU in ${s2(w.wallMs)}${settleMs ? ` (+ ${s2(settleMs)} after)` : ''}, ${w.coresBusy.toFixed(2)} of ${cores} cores`;
  if (b?.add.cpuMs !== undefined && b.floor?.add.cpuMs !== undefined)
    out.push(
      context(
        "the burst's ADD: CPU (user+sys) and the cores it kept busy",
        `through the daemon ${busy(b.add, b.settleMs)}; the plugins called directly ${busy(b.floor.add)}`,
      ),
    );

  const api = r.apiRequests?.['daemon-parallel'];
  out.push(
    goal(
      'API requests per ADD in daemon mode',
      '0 reads, 1 write',
      api?.add
        ? `${api.add.reads} reads, ${api.add.statusWrites} status write(s) (+${api.add.events} Events, asynchronous)`
        : 'n/a',
      api?.add ? api.add.reads === 0 && api.add.statusWrites === 1 && api.add.otherWrites === 0 : undefined,
    ),
  );

  const m = r.memory;
  const full = m && m.nads >= FULL_MEMORY.nads && m.pods >= FULL_MEMORY.pods;
  out.push(
    goal(
      `daemon RSS with ${FULL_MEMORY.nads} NADs and ${FULL_MEMORY.pods} pods cached`,
      '≤ 64 MiB',
      m
        ? `${m.rssMiB} MiB${full ? '' : ` (with only ${m.nads} NADs and ${m.pods} pods: a quick run)`}`
        : 'n/a (skipped)',
      full ? m.rssMiB <= 64 : undefined,
    ),
  );
  return out;
}

export const mark = (status) => ({ pass: '✓ pass', miss: '✗ MISS', context: '· info' })[status] ?? '– n/m ';
