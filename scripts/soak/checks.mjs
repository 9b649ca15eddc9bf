// The node-wide checks, made when the node is quiet (every pod done, every fault over): against the baseline
// taken after the warm-up, nothing may be left of any pod, and the daemon must be back where it was.
// A leak is { kind, what }: kind is one of LEAK_KINDS, what names exactly what is left.
import { join } from 'node:path';
import { sleep } from '../bench/proc.mjs';
import { links, ours } from './netns.mjs';
import { files, leases, OWED_DIR } from './residue.mjs';

export const LEAK_KINDS = ['addresses', 'interfaces', 'files', 'netns', 'processes', 'daemon', 'fds', 'memory'];

/** The node and the daemon after the warm-up: links, fds, RSS, and whether the daemon was quiet. */
export async function takeBaseline(ctx) {
  const notQuiet = await ctx.daemon.settle(0);
  return {
    links: await links(),
    fds: ctx.daemon.fds(),
    rssMiB: await ctx.daemon.rss(),
    heapMiB: await ctx.daemon.heapMiB(),
    pid: ctx.daemon.pid,
    notQuiet,
  };
}

/** Leases, links, cacheDir files, namespaces and delegate processes left now. */
export async function nodeLeaks(ctx, base) {
  const out = [];
  for (const l of leases(ctx.dir))
    out.push({ kind: 'addresses', what: `host-local lease ${l.network}/${l.ip} held by ${l.owner}` });
  const before = new Set(base.links.map((l) => l.name));
  for (const l of await links())
    if (!before.has(l.name))
      out.push({ kind: 'interfaces', what: `interface ${l.name} (${l.kind}) in the node netns` });
  for (const f of files(ctx.cacheDir))
    if (!f.startsWith(`${OWED_DIR}/`)) out.push({ kind: 'files', what: `cacheDir/${f}` });
  for (const n of ours(ctx.prefix)) if (n !== ctx.node) out.push({ kind: 'netns', what: `network namespace ${n}` });
  for (const h of ctx.faults.running())
    if (!ctx.reportedPids.has(h.pid))
      out.push({ kind: 'processes', what: `soak-hang delegate (pid ${h.pid}) of ${h.containerId} still running` });
  return out;
}

/** Targets in `now` beyond those in `then`, counted: "socket:[…] ×2". */
function newTargets(then, now) {
  const count = new Map();
  for (const t of now) count.set(t, (count.get(t) ?? 0) + 1);
  for (const t of then) count.set(t, (count.get(t) ?? 0) - 1);
  return [...count].filter(([, n]) => n > 0).map(([t, n]) => (n > 1 ? `${t} ×${n}` : t));
}

/** The daemon quiet, its fds and RSS within the allowance of the baseline. Returns { leaks, figures }. */
export async function daemonLeaks(ctx, base) {
  const leaks = [];
  const notQuiet = await ctx.daemon.settle(0);
  for (const [k, v] of Object.entries(notQuiet)) leaks.push({ kind: 'daemon', what: `${k} is ${v} on a quiet node` });
  const fds = ctx.daemon.fds();
  const rssMiB = await ctx.daemon.rss();
  const growth = Math.round((rssMiB - base.rssMiB) * 10) / 10;
  if (fds.count > base.fds.count + ctx.opts.fdSlack)
    leaks.push({
      kind: 'fds',
      what: `the daemon has ${fds.count} open file descriptors, ${base.fds.count} after the warm-up (+${ctx.opts.fdSlack} allowed); new: ${newTargets(base.fds.targets, fds.targets).join(', ')}`,
    });
  if (growth > ctx.opts.rssLimitMiB)
    leaks.push({
      kind: 'memory',
      what: `the daemon's RSS grew by ${growth} MiB (${base.rssMiB} → ${rssMiB}), more than the ${ctx.opts.rssLimitMiB} MiB allowed`,
    });
  const heapMiB = await ctx.daemon.heapMiB();
  return { leaks, figures: { fds: fds.count, rssMiB, rssGrowthMiB: growth, heapMiB, notQuiet } };
}

/** Waits up to `ms` until `done()` holds; returns whether it did. */
async function waitFor(done, ms) {
  for (const t0 = performance.now(); !done(); await sleep(200)) if (performance.now() - t0 > ms) return false;
  return true;
}

/**
 * Owed status clears (DELs made while the daemon was down) are for the daemon to make. Any still owed once the node
 * is quiet get 15 s, then one more daemon start with the API up and 15 s more; what is left then is a leak.
 */
export async function owedClears(ctx) {
  const owed = () => files(join(ctx.cacheDir, OWED_DIR));
  const atEnd = owed().length;
  if (!atEnd || (await waitFor(() => !owed().length, 15_000))) return { owedAtEnd: atEnd, restarted: false, leaks: [] };
  await ctx.daemon.stop();
  await ctx.daemon.start('end');
  await waitFor(() => !owed().length, 15_000);
  return {
    owedAtEnd: atEnd,
    restarted: true,
    leaks: owed().map((f) => ({
      kind: 'files',
      what: `cacheDir/${OWED_DIR}/${f}: a status clear owed since a DEL with the daemon down, still not made`,
    })),
  };
}
