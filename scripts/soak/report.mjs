// The soak's summary: what was injected, how ADD and DEL went (failures a fault explains against those nothing
// does), what each check found, and the JSON the test reads (`--json FILE`). A leak or an unexpected failure
// makes the run fail; each is listed with the cycle or check that found it.
import { writeFileSync } from 'node:fs';
import { LEAK_KINDS } from './checks.mjs';
import { FAULT_KINDS, scheduled } from './schedule.mjs';

const FAULT_LABELS = {
  delegateFail: 'a delegate fails its ADD',
  delegateHang: 'a delegate hangs (plugin timeout)',
  braidKilled: 'braid SIGKILLed mid-ADD',
  daemonKilled: 'the daemon SIGKILLed',
  apiDown: 'the API server down',
};

const LEAK_LABELS = {
  addresses: 'host-local leases',
  interfaces: 'interfaces (node and pod netns)',
  files: "files in braid's cacheDir",
  netns: 'pod network namespaces',
  processes: 'delegate processes',
  daemon: 'daemon gauges back to 0',
  fds: 'daemon file descriptors',
  memory: 'daemon RSS growth',
};

const labelOf = (r, warmup) => (r.index < warmup ? `warm-up cycle ${r.index + 1}` : `cycle ${r.index - warmup + 1}`);

/** The cycle and what it went through: "cycle 5 (delegateHang; ADD during daemonKilled)". */
function contextOf(r, warmup) {
  const parts = [
    r.fault,
    r.addDuring && `ADD during ${r.addDuring.join('+')}`,
    r.delDuring && `DEL during ${r.delDuring.join('+')}`,
  ].filter(Boolean);
  return parts.length ? `${labelOf(r, warmup)} (${parts.join('; ')})` : labelOf(r, warmup);
}

function outcomes(records) {
  const add = { ok: 0, failedAsExpected: 0, killed: 0, failedUnexpectedly: 0, expectedBecause: {}, during: {} };
  const del = { ok: 0, retried: 0, failed: 0 };
  for (const r of records) {
    for (const k of r.addDuring ?? []) {
      add.during[k] ??= { ok: 0, failed: 0 };
      add.during[k][r.addResult === 'ok' ? 'ok' : 'failed']++;
    }
    if (r.addResult === 'ok') add.ok++;
    else if (r.addResult === 'killed') add.killed++;
    else if (r.addResult === 'failed' && r.why) {
      add.failedAsExpected++;
      add.expectedBecause[r.why] = (add.expectedBecause[r.why] ?? 0) + 1;
    } else if (r.addResult === 'failed') add.failedUnexpectedly++;
    if (r.delAttempts && !r.unexpected.some((u) => u.startsWith('DEL did not succeed'))) del.ok++;
    else del.failed++;
    if (r.delAttempts > 1) del.retried++;
  }
  return { add, del };
}

/** Leaks in the order found, each once (a checkpoint and the end may see the same one). */
function uniqueLeaks(found) {
  const seen = new Set();
  return found.filter((l) => !seen.has(`${l.kind} ${l.what}`) && seen.add(`${l.kind} ${l.what}`));
}

export function summarize(o) {
  const { opts, schedule, records, injected } = o;
  const leaks = uniqueLeaks([
    ...records.flatMap((r) => r.leaks.map((l) => ({ ...l, where: contextOf(r, opts.warmup) }))),
    ...o.checkLeaks,
  ]);
  const unexpected = [
    ...records.flatMap((r) => r.unexpected.map((u) => `${contextOf(r, opts.warmup)}: ${u}`)),
    ...o.otherProblems,
  ];
  const plannedFaults = scheduled(schedule);
  return {
    ok: leaks.length === 0 && unexpected.length === 0,
    seed: opts.seed,
    cycles: records.filter((r) => r.index >= opts.warmup).length,
    warmupCycles: opts.warmup,
    concurrency: opts.concurrency,
    pluginTimeoutSeconds: opts.pluginTimeoutSeconds,
    seconds: o.seconds,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, { scheduled: plannedFaults[k], injected: injected[k] }])),
    apiDownModes: o.apiModes,
    ...outcomes(records.filter((r) => r.index >= opts.warmup)),
    unexpected,
    leakCount: leaks.length,
    leaksByKind: Object.fromEntries(LEAK_KINDS.map((k) => [k, leaks.filter((l) => l.kind === k).length])),
    leaks,
    daemon: o.daemon,
    checkpoints: o.checkpoints,
  };
}

const pad = (s, n) => String(s).padStart(n);

export function printSummary(s, rerun) {
  const lines = [
    '',
    `braid soak: ${s.cycles} cycles after ${s.warmupCycles} warm-up, up to ${s.concurrency} pods in flight, ${s.seconds} s`,
    `seed ${s.seed} (${rerun} repeats this schedule)`,
    '',
    `  ${'fault'.padEnd(40)} ${pad('scheduled', 9)} ${pad('injected', 9)}`,
    ...FAULT_KINDS.map(
      (k) => `  ${FAULT_LABELS[k].padEnd(40)} ${pad(s.faults[k].scheduled, 9)} ${pad(s.faults[k].injected, 9)}`,
    ),
    `  (API down: ${
      Object.entries(s.apiDownModes)
        .map(([m, n]) => `${m} ${n}`)
        .join(', ') || 'none'
    })`,
    '',
    `  ADD  ok ${s.add.ok}, failed as expected ${s.add.failedAsExpected}, killed ${s.add.killed}, failed unexpectedly ${s.add.failedUnexpectedly}`,
    `       failed as expected because of: ${
      Object.entries(s.add.expectedBecause)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'nothing'
    }`,
    `       made while a node fault was on: ${
      Object.entries(s.add.during)
        .map(([k, n]) => `${k} ${n.ok} ok, ${n.failed} failed`)
        .join('; ') || 'none'
    }`,
    `  DEL  ok ${s.del.ok} (${s.del.retried} after a retry), never succeeded ${s.del.failed}`,
    '',
    `  ${'check'.padEnd(40)} ${pad('leaks', 6)}`,
    ...LEAK_KINDS.map(
      (k) => `  ${LEAK_LABELS[k].padEnd(40)} ${pad(s.leaksByKind[k], 6)}  ${s.leaksByKind[k] ? 'LEAK' : 'ok'}`,
    ),
    '',
    `  daemon: ${s.daemon.restarts} restarts; open fds ${s.daemon.fdsBaseline} after the warm-up, ${s.daemon.fdsEnd} at the end (+${s.daemon.fdSlack} allowed)`,
    `          RSS ${s.daemon.rssBaselineMiB} MiB after the warm-up, ${s.daemon.rssEndMiB} MiB at the end (${s.daemon.rssGrowthMiB >= 0 ? '+' : ''}${s.daemon.rssGrowthMiB}, ${s.daemon.rssLimitMiB} allowed); the daemon measured at the end served ${s.daemon.endDaemonServedCycles} cycles`,
    `          V8 heap in use ${s.daemon.heapBaselineMiB} MiB after the warm-up, ${s.daemon.heapEndMiB} MiB at the end; owed status clears at the end: ${s.daemon.owedClearsAtEnd}${s.daemon.owedClearsNeededRestart ? ' (made only after a restart)' : ''}`,
  ];
  if (s.leaks.length) {
    lines.push('', `LEAKED (${s.leaks.length}):`);
    for (const l of s.leaks.slice(0, 100)) lines.push(`  [${l.kind}] ${l.where}: ${l.what}`);
    if (s.leaks.length > 100) lines.push(`  … and ${s.leaks.length - 100} more (all in --json)`);
  }
  if (s.unexpected.length) {
    lines.push('', `UNEXPECTED FAILURES (${s.unexpected.length}):`);
    for (const u of s.unexpected.slice(0, 100)) lines.push(`  ${u}`);
    if (s.unexpected.length > 100) lines.push(`  … and ${s.unexpected.length - 100} more (all in --json)`);
  }
  lines.push('', s.ok ? 'soak: no leak, no unexpected failure' : 'soak: FAILED', '');
  console.log(lines.join('\n'));
}

export const writeSummary = (file, s) => writeFileSync(file, `${JSON.stringify(s, null, 2)}\n`);
