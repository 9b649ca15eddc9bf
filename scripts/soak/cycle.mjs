// One pod's life: a fresh netns, the pod in the stand-in, ADD through the executable (maybe with a failing or
// hanging network, maybe SIGKILLed midway), then DEL until it succeeds, as a runtime retries it; then the pod
// and its netns go. Checked on the way: a failed ADD left nothing, a successful one made every interface, DEL
// left nothing and no delegate of the pod still runs. Each finding names the cycle.
import { sleep } from '../bench/proc.mjs';
import { callBraid } from './call.mjs';
import { addPodNetns, delPodNetns, links } from './netns.mjs';
import { residueOf } from './residue.mjs';
import { podObject, selections } from './world.mjs';

const DEL_ATTEMPTS = 20;
const RECENT_ADDS = 30;

/** braid is SIGKILLed at a random point before the fastest of the last successful ADDs would have ended. */
const killWindow = (ctx) => (ctx.recentAdds.length ? Math.min(...ctx.recentAdds) : 50);

export const containerId = (tag, index) => `soak${tag}c${String(index).padStart(6, '0')}`;

/** Why a failed ADD may fail: its own fault, or node faults it overlapped; undefined when it should not have. */
function excuse(c, add, overlap) {
  if (add.killed) return 'braid killed';
  if (c.podFault?.kind === 'delegateFail' || c.podFault?.kind === 'delegateHang') return c.podFault.kind;
  if (overlap.length) return overlap.join('+');
  return undefined;
}

async function judgeAdd(ctx, c, rec, pod) {
  const { add } = rec;
  const overlap = ctx.nodeFaults.overlapping(add.start, add.end);
  if (overlap.length) rec.addDuring = overlap;
  if (add.timedOut) rec.unexpected.push(`ADD did not end in ${Math.round(add.ms)} ms`);
  if (add.exitCode === 0) {
    rec.addResult = 'ok';
    if (c.podFault?.kind === 'delegateFail' || c.podFault?.kind === 'delegateHang')
      rec.unexpected.push(`ADD succeeded although its ${c.podFault.kind} network failed`);
    const made = (await links(pod.netns)).filter((l) => l.name !== 'lo').length;
    if (made !== rec.networks) rec.unexpected.push(`ADD succeeded with ${made} interfaces, not ${rec.networks}`);
    return;
  }
  rec.addResult = add.killed ? 'killed' : 'failed';
  rec.why = excuse(c, add, overlap);
  if (!rec.why) rec.unexpected.push(`ADD failed with no fault to explain it: ${add.error}`);
  // A failed ADD must leave nothing (its rollback), unless braid or the daemon was killed in the middle of it.
  if (!add.killed && !overlap.includes('daemonKilled')) {
    for (const l of await residueOf(ctx, pod.id, pod.netns))
      rec.leaks.push({ ...l, what: `failed ADD left ${l.what}` });
  }
}

async function delUntilDone(ctx, rec, pod) {
  for (let attempt = 1; attempt <= DEL_ATTEMPTS && !ctx.aborted; attempt++) {
    const del = await callBraid(ctx, { command: 'DEL', ...pod });
    rec.delAttempts = attempt;
    if (del.exitCode === 0) return true;
    const overlap = ctx.nodeFaults.overlapping(del.start, del.end);
    if (overlap.length) rec.delDuring = [...new Set([...(rec.delDuring ?? []), ...overlap])];
    if (!overlap.length) rec.unexpected.push(`DEL attempt ${attempt} failed: ${del.error}`);
    await sleep(Math.min(2000, 200 * attempt));
  }
  rec.unexpected.push(`DEL did not succeed in ${rec.delAttempts} attempts`);
  return false;
}

/** Runs cycle `c` (schedule.mjs); resolves to its record, never rejects. */
export async function runCycle(ctx, c) {
  const id = containerId(ctx.tag, c.index);
  const pod = { id, netns: `${ctx.prefix}-p${c.index}`, pod: `soak-${c.index}`, uid: `uid-${id}` };
  const rec = { index: c.index, networks: 1 + c.macvlans.length, fault: c.podFault?.kind ?? null, leaks: [] };
  rec.unexpected = [];
  try {
    await addPodNetns(pod.netns);
    ctx.liveNetns.add(pod.netns);
    await ctx.api.seed([podObject(pod.pod, pod.uid, selections(c))]);
    const killAfterMs = c.podFault?.kind === 'braidKilled' ? c.podFault.after * killWindow(ctx) : undefined;
    rec.add = await callBraid(ctx, { command: 'ADD', ...pod, killAfterMs });
    if (rec.add.exitCode === 0) ctx.recentAdds = [...ctx.recentAdds.slice(-(RECENT_ADDS - 1)), rec.add.ms];
    await judgeAdd(ctx, c, rec, pod);
    if (await delUntilDone(ctx, rec, pod)) {
      for (const l of await residueOf(ctx, id, pod.netns)) rec.leaks.push({ ...l, what: `DEL left ${l.what}` });
      for (const h of ctx.faults.running(id)) {
        rec.leaks.push({
          kind: 'processes',
          what: `DEL returned while a delegate of the pod still ran (soak-hang, pid ${h.pid})`,
        });
        ctx.reportedPids.add(h.pid);
      }
    }
  } catch (err) {
    rec.unexpected.push(`the cycle itself failed: ${err.message}`);
  } finally {
    await ctx.api.deletePod(pod.pod).catch(() => undefined);
    if (ctx.liveNetns.delete(pod.netns)) await delPodNetns(pod.netns).catch(() => undefined);
  }
  return rec;
}
