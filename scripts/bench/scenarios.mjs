// Scenario builders for runRounds(): the floor (each delegate plugin called directly, one after another, as a
// runtime would call them with no meta-plugin; DEL in reverse order), the parallel floor (the same plugins, all
// networks at once: what a meta-plugin with no overhead of its own could reach), the braid executable in a mode,
// and Multus thin. Each scenario owns a pod sandbox netns, so one that fails leaves the others' pods alone.
import { join } from 'node:path';
import { call, CallFailed, callAsync, cniEnv, CNI_BIN } from './proc.mjs';

const ifnameOf = (i) => (i === 0 ? 'eth0' : `net${i}`);

/** The arguments of call() and callAsync() for network `i`'s plugin called directly. */
const pluginCall = (nets, i, command, id, netns, pod) => [
  join(CNI_BIN, nets[i].type),
  cniEnv({ command, id, netns, ifname: ifnameOf(i), pod }),
  JSON.stringify(nets[i]),
];
/** Network `i`'s plugin called directly, without waiting: resolves to { ms, ok, detail }. */
const pluginAsync = (...a) => callAsync(...pluginCall(...a));

/** The order the floor calls a pod's networks in: as listed for ADD, reversed for DEL. */
const floorOrder = (nets, command) => {
  const idx = nets.map((_, i) => i);
  return command === 'DEL' ? idx.reverse() : idx;
};

/** The delegates called directly. `nets` are delegate configs; the first is eth0. */
export function floorScenario(key, nets, netns, pod) {
  const one = (command, id, i) => call(...pluginCall(nets, i, command, id, netns, pod));
  const chain = (command, id) => floorOrder(nets, command).reduce((t, i) => t + one(command, id, i), 0);
  return {
    key,
    add: async (id) => ({ ms: chain('ADD', id) }),
    del: async (id) => ({ ms: chain('DEL', id) }),
    cleanup: async (id) => floorOrder(nets, 'DEL').forEach((i) => tryCall(() => one('DEL', id, i))),
  };
}

/**
 * The delegates called directly, all networks at once: each network's plugin chain runs concurrently with the
 * others (here every network is one plugin, which calls its IPAM plugin itself). The wall time is from the first
 * spawn until the last plugin has exited; a failure of any fails the call once all have ended.
 */
export function parallelFloorScenario(key, nets, netns, pod) {
  const all = async (command, id) => {
    const t0 = performance.now();
    const results = await Promise.all(nets.map((_, i) => pluginAsync(nets, i, command, id, netns, pod)));
    const ms = performance.now() - t0;
    const failed = results.find((r) => !r.ok);
    if (failed) throw new CallFailed(failed.detail);
    return { ms };
  };
  const one = (command, id, i) => call(...pluginCall(nets, i, command, id, netns, pod));
  return {
    key,
    add: (id) => all('ADD', id),
    del: (id) => all('DEL', id),
    cleanup: async (id) => floorOrder(nets, 'DEL').forEach((i) => tryCall(() => one('DEL', id, i))),
  };
}

/**
 * One pod's networks called directly as the floor calls them (one after another, DEL in reverse), without
 * waiting: for bursts. An ADD stops at the first failure; a DEL goes on through every network. Never rejects.
 */
export async function floorAsync(nets, command, id, netns, pod) {
  const t0 = performance.now();
  let detail = '';
  for (const i of floorOrder(nets, command)) {
    const r = await pluginAsync(nets, i, command, id, netns, pod);
    if (r.ok) continue;
    detail ||= r.detail;
    if (command === 'ADD') break;
  }
  return { ms: performance.now() - t0, ok: detail === '', detail };
}

/**
 * A CNI executable (dist/braid in any mode, or Multus) given `config` on stdin for pod `pod`. With `daemon`,
 * each call also reads the daemon's request-time histogram before and after, so `own` is the daemon's share.
 */
export function exeScenario(key, bin, config, netns, pod, daemon) {
  const stdin = JSON.stringify(config);
  const once = async (command, id) => {
    const env = cniEnv({ command, id, netns, pod });
    if (!daemon) return { ms: call(bin, env, stdin) };
    const before = await daemon.requestTime(command);
    const ms = call(bin, env, stdin);
    const after = await daemon.requestTime(command);
    return after.count === before.count + 1 ? { ms, own: (after.sum - before.sum) * 1000 } : { ms };
  };
  return {
    key,
    add: (id) => once('ADD', id),
    del: (id) => once('DEL', id),
    cleanup: async (id) => tryCall(() => call(bin, cniEnv({ command: 'DEL', id, netns, pod }), stdin)),
  };
}

/** One concurrent call of a CNI executable (for bursts). */
export const exeAsync = (bin, config, command, id, netns, pod) =>
  callAsync(bin, cniEnv({ command, id, netns, pod }), JSON.stringify(config));

function tryCall(fn) {
  try {
    fn();
  } catch {
    // best effort: the netns is deleted at the end anyway
  }
}

/** VERSION: process start-up and exit, no netns, no stdin config (runtimes ask it before ADD and DEL). */
export const versionScenario = (key, bin) => ({
  key,
  add: async () => ({ ms: call(bin, { CNI_COMMAND: 'VERSION' }, '') }),
  del: async () => ({ ms: 0 }),
});
