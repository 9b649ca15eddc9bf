// Scenario builders for runRounds(): the floor (each delegate plugin called directly, one after another, as a
// runtime would call them with no meta-plugin; DEL in reverse order), the braid executable in a mode, and
// Multus thin. Each scenario owns a pod sandbox netns, so one that fails leaves the others' pods alone.
import { join } from 'node:path';
import { call, callAsync, cniEnv, CNI_BIN } from './proc.mjs';

const ifnameOf = (i) => (i === 0 ? 'eth0' : `net${i}`);

/** The delegates called directly. `nets` are delegate configs; the first is eth0. */
export function floorScenario(key, nets, netns, pod) {
  const one = (command, id, i) =>
    call(
      join(CNI_BIN, nets[i].type),
      cniEnv({ command, id, netns, ifname: ifnameOf(i), pod }),
      JSON.stringify(nets[i]),
    );
  const idx = nets.map((_, i) => i);
  return {
    key,
    add: async (id) => ({ ms: idx.reduce((t, i) => t + one('ADD', id, i), 0) }),
    del: async (id) => ({ ms: [...idx].reverse().reduce((t, i) => t + one('DEL', id, i), 0) }),
    cleanup: async (id) => idx.forEach((i) => tryCall(() => one('DEL', id, i))),
  };
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
