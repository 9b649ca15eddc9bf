// The whole run decided up front from the seed: per cycle, which macvlan networks the pod asks for besides the
// default one, its fault (a delegate that fails or hangs, or braid SIGKILLed mid-ADD) and a node fault started with
// it (the daemon SIGKILLed, the API server down). Timing is not in the seed, so a rerun repeats the schedule, not
// every interleaving. The same seed with other options is another schedule.

export const POD_FAULTS = ['delegateFail', 'delegateHang', 'braidKilled'];
export const NODE_FAULTS = ['daemonKilled', 'apiDown'];
export const FAULT_KINDS = [...POD_FAULTS, ...NODE_FAULTS];
/** The concurrency level is redrawn between 1 and --concurrency every this many cycles. */
export const CONCURRENCY_BLOCK = 25;
/** API outages: storage (etcd) down, or the port closed as if the server had stopped. */
export const API_MODES = ['storage', 'refuse'];

function podFault(rng, odds, macvlans) {
  let r = rng.next();
  for (const kind of POD_FAULTS) {
    if (r < odds[kind]) return faultOf(kind, rng, macvlans);
    r -= odds[kind];
  }
  return null;
}

/** Where the failing network sits among the pod's selections, or when braid is killed (a share of an ADD's time). */
const faultOf = (kind, rng, macvlans) =>
  kind === 'braidKilled' ? { kind, after: rng.next() } : { kind, position: rng.int(0, macvlans.length) };

/** The daemon is killed in the first half only, so the daemon measured at the end has served half the run. */
const daemonKillAllowed = (c, cycles) => c.index - c.first < cycles / 2;

function nodeFault(rng, odds, c, cycles) {
  const r = rng.next();
  if (daemonKillAllowed(c, cycles) && r < odds.daemonKilled) return nodeFaultOf('daemonKilled', rng);
  if (r >= odds.daemonKilled && r < odds.daemonKilled + odds.apiDown) return nodeFaultOf('apiDown', rng);
  return null;
}

const nodeFaultOf = (kind, rng) =>
  kind === 'daemonKilled'
    ? { kind, downMs: rng.int(0, 1500) }
    : { kind, mode: rng.pick(API_MODES), ms: rng.int(500, 3000) };

/** A kind the odds allow but the draw never gave is put on one eligible cycle, so no kind goes untested. */
function forceEach(list, rng, odds, cycles) {
  for (const kind of FAULT_KINDS) {
    if (!(odds[kind] > 0)) continue;
    const slot = POD_FAULTS.includes(kind) ? 'podFault' : 'nodeFault';
    if (list.some((c) => c[slot]?.kind === kind)) continue;
    const free = list.filter((c) => !c.warmup && !c[slot] && (kind !== 'daemonKilled' || daemonKillAllowed(c, cycles)));
    if (!free.length) continue;
    const c = rng.pick(free);
    c[slot] = slot === 'podFault' ? faultOf(kind, rng, c.macvlans) : nodeFaultOf(kind, rng);
  }
}

/**
 * `macvlans`: the NAD names a pod may pick from (it takes 0-3 of them: 1-4 networks with the default one).
 * Returns the cycles, warm-up first (no faults, full concurrency).
 */
export function makeSchedule({ rng, cycles, warmup, concurrency, odds, macvlans }) {
  const list = [];
  let level = concurrency;
  for (let index = 0; index < warmup + cycles; index++) {
    const warm = index < warmup;
    if (!warm && (index - warmup) % CONCURRENCY_BLOCK === 0) level = rng.int(1, concurrency);
    const c = { index, first: warmup, warmup: warm, concurrency: warm ? concurrency : level, podFault: null };
    c.macvlans = rng.sample(macvlans, rng.int(0, Math.min(3, macvlans.length)));
    c.podFault = warm ? null : podFault(rng, odds, c.macvlans);
    c.nodeFault = warm ? null : nodeFault(rng, odds, c, cycles);
    list.push(c);
  }
  forceEach(list, rng, odds, cycles);
  return list;
}

/** How many of each fault the schedule holds. */
export const scheduled = (list) =>
  Object.fromEntries(
    FAULT_KINDS.map((k) => [k, list.filter((c) => c.podFault?.kind === k || c.nodeFault?.kind === k).length]),
  );
