// Running CNI executables as a container runtime does: a fresh process, exactly the CNI_* environment and a
// PATH, the network configuration on stdin. Wall time from spawn to exit with performance.now().
import { spawn, spawnSync } from 'node:child_process';

export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const CNI_BIN = '/usr/lib/cni';

/** The CNI_* variables of one call; CNI_ARGS names the pod as kubelet does (IgnoreUnknown first: host-local needs it). */
export function cniEnv({ command, id, netns, ifname = 'eth0', pod, path = CNI_BIN }) {
  const env = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: `/var/run/netns/${netns}`,
    CNI_IFNAME: ifname,
    CNI_PATH: path,
  };
  if (pod)
    env.CNI_ARGS = `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=${id};K8S_POD_UID=uid-${pod}`;
  return env;
}

export class CallFailed extends Error {}

const describe = (bin, env, r) =>
  `${bin} ${env.CNI_COMMAND ?? ''} ${env.CNI_CONTAINERID ?? ''} exited ${r.status ?? r.signal ?? r.error?.message}: ${(r.stdout ?? '').slice(0, 600)}${(r.stderr ?? '').slice(0, 600)}`;

/** One synchronous call; returns its wall time in ms, throws CallFailed on a non-zero exit. */
export function call(bin, env, stdin = '', args = []) {
  const t0 = performance.now();
  const r = spawnSync(bin, args, {
    env: { PATH: BASE_PATH, ...env },
    input: stdin,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 120_000,
  });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new CallFailed(describe(bin, env, r));
  return wall;
}

/** Like call(), for bursts: resolves to { ms, ok, detail } and never rejects. */
export function callAsync(bin, env, stdin = '') {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(bin, [], { env: { PATH: BASE_PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', (err) => resolve({ ms: performance.now() - t0, ok: false, detail: err.message }));
    child.on('close', (status, signal) => {
      const ms = performance.now() - t0;
      resolve({
        ms,
        ok: status === 0,
        detail: status === 0 ? '' : describe(bin, env, { status, signal, stdout, stderr }),
      });
    });
    child.stdin.end(stdin);
  });
}

/** A command that must succeed (ip, …); returns stdout. */
export function run(cmd, ...args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first stdout line that parses as JSON and satisfies `match`; rejects when the child exits first. */
export function jsonLine(child, match, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr?.on('data', (c) => (err += c));
    child.stdout.on('data', (c) => {
      out += c;
      for (const l of out.split('\n')) {
        let v;
        try {
          v = JSON.parse(l);
        } catch {
          continue;
        }
        if (match(v)) {
          clearTimeout(timer);
          resolve(v);
          return;
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before it was ready: ${err.slice(-2000)}`));
    });
  });
}
