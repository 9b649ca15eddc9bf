// One call of the braid executable as a container runtime makes it: a fresh process with the CNI_* environment,
// braid's configuration on stdin; optionally SIGKILLed after a delay, as a runtime does when its own timeout
// fires. Never rejects: the outcome says how it ended.
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { BASE_PATH, CNI_BIN } from '../bench/proc.mjs';

/** A call that has not ended after this long is killed and reported (braid must bound every call). */
const CALL_LIMIT_MS = 120_000;

/** Node's own directory first: bin/braid is a Node script (`#!/usr/bin/env node`). */
const PATH = `${dirname(process.execPath)}:${BASE_PATH}`;

export const cniEnv = ({ command, id, netns, pod, uid, faultBin }) => ({
  PATH,
  CNI_COMMAND: command,
  CNI_CONTAINERID: id,
  CNI_NETNS: `/var/run/netns/${netns}`,
  CNI_IFNAME: 'eth0',
  CNI_PATH: `${CNI_BIN}:${faultBin}`,
  CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=${id};K8S_POD_UID=${uid}`,
});

/** What braid printed as a CNI error: "code N: msg", or the start of whatever it printed. */
function errorOf(stdout) {
  try {
    const e = JSON.parse(stdout);
    if (e && typeof e.code === 'number') return `code ${e.code}: ${String(e.msg ?? '').slice(0, 300)}`;
  } catch {
    // not JSON
  }
  return stdout.slice(0, 300) || '(nothing on stdout)';
}

/**
 * `ctx`: { braidBin, stdin, faultBin, children (a Set of the processes running) }; `call`: cniEnv's fields and
 * `killAfterMs`. Resolves to { exitCode, signal, killed, timedOut, error, start, end, ms }.
 */
export function callBraid(ctx, call) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(ctx.braidBin, [], { env: cniEnv({ ...call, faultBin: ctx.faultBin }), stdio: 'pipe' });
    ctx.children.add(child);
    let stdout = '';
    let killed = false;
    let timedOut = false;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.resume();
    const killer =
      call.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.exitCode === null && child.signalCode === null;
            child.kill('SIGKILL');
          }, call.killAfterMs);
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CALL_LIMIT_MS);
    let finished = false;
    const done = (exitCode, signal, spawnError) => {
      if (finished) return;
      finished = true;
      clearTimeout(killer);
      clearTimeout(limit);
      ctx.children.delete(child);
      const end = performance.now();
      const error = exitCode === 0 ? undefined : (spawnError ?? (signal ? `killed by ${signal}` : errorOf(stdout)));
      resolve({
        exitCode,
        signal,
        killed: killed && signal === 'SIGKILL',
        timedOut,
        error,
        start,
        end,
        ms: end - start,
      });
    };
    child.once('error', (err) => done(null, null, err.message));
    child.once('close', (code, signal) => done(code, signal));
    child.stdin.on('error', () => undefined);
    child.stdin.end(ctx.stdin);
  });
}
