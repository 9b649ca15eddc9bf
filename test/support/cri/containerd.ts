// A private containerd (Debian's 1.6) driven through its CRI plugin like kubelet drives it: started inside the
// caller's node (a command prefix), configured and kept in a temp dir, with a pause image built and imported
// here. cleanup() stops and removes every sandbox, stops containerd, then forces away whatever is left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { netnsPath } from '../netns.js';
import { CriClient } from './client.js';
import { containerdConfig, type CniSettings } from './config.js';
import { ContainerdInstance } from './instance.js';
import { BUSYBOX, buildPauseImage, importImage, PAUSE_IMAGE } from './pause-image.js';
import { saveInstance, sweepStale } from './stale.js';
import type { Instance } from './teardown.js';

export interface ContainerdOptions extends CniSettings {
  /** A fresh directory the harness owns (root, state, socket, logs, the image); removed by cleanup(). Keep it short:
   * unix socket paths are limited to 107 bytes. */
  dir: string;
  /** Command prefix that puts containerd in the node, e.g. nsenterNet(node). Its shims, CNI plugins
   * and sandboxes start from there. Empty: the host (do not, outside a throwaway machine). */
  wrap: string[];
  /** Added to the environment containerd, and so every CNI plugin it runs, gets (besides PATH). */
  env?: Record<string, string>;
  snapshotter?: 'native' | 'overlayfs';
  logLevel?: 'debug' | 'info' | 'warn';
  extraToml?: string;
  startTimeoutMs?: number;
}

/**
 * `nsenter --net`: the node's network, the host's mount namespace (pod netns visible at their paths). Not
 * `ip netns exec`: it remounts /sys, which drops /sys/fs/cgroup, and runc then finds no cgroup mount.
 */
export const nsenterNet = (node: string) => ['nsenter', `--net=${netnsPath(node)}`, '--'];

const PATH = `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const NEEDED = ['containerd', 'containerd-shim-runc-v2', 'runc', 'ctr', 'tar', 'nsenter'];

/** Why the harness cannot run here (a missing binary), or undefined when it can. */
export function criUnavailable(): string | undefined {
  const missing = NEEDED.filter((b) => !PATH.split(':').some((d) => existsSync(join(d, b))));
  if (!existsSync(BUSYBOX)) missing.push(`${BUSYBOX} (busybox-static)`);
  // The image holds nothing but busybox: a dynamically linked one (package busybox) cannot start in it.
  else if (spawnSync('ldd', [BUSYBOX], { stdio: 'ignore' }).status === 0)
    missing.push(`a static ${BUSYBOX} (busybox-static)`);
  return missing.length ? `missing ${missing.join(', ')} (apt-get install containerd runc busybox-static)` : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts containerd (after sweeping instances whose test process died) and imports the pause image. */
export async function startContainerd(o: ContainerdOptions): Promise<ContainerdInstance> {
  sweepStale();
  const p = (sub: string) => join(o.dir, sub);
  for (const d of ['root', 'state', 'tmp', 'runc', 'pod-logs']) mkdirSync(p(d), { recursive: true });
  const snapshotter = o.snapshotter ?? 'native';
  const paths = {
    root: p('root'),
    state: p('state'),
    temp: p('tmp'),
    socket: p('containerd.sock'),
    runcRoot: p('runc'),
  };
  writeFileSync(p('config.toml'), containerdConfig({ ...o, ...paths, sandboxImage: PAUSE_IMAGE, snapshotter }));
  const archive = buildPauseImage(p('image'));
  const inst: Instance = {
    dir: o.dir,
    socket: paths.socket,
    state: paths.state,
    runcRoot: paths.runcRoot,
    netnsUnderState: !!o.netnsUnderState,
    cgroupParent: `/braidt-cri-${process.pid}-${randomBytes(3).toString('hex')}`,
    sandboxIds: new Set(),
    netnsPaths: new Set(),
  };
  saveInstance(inst);
  const [file, ...args] = [...o.wrap, 'containerd', '--config', p('config.toml')];
  const child: ChildProcess = spawn(file as string, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...o.env, PATH },
  });
  const ctd = new ContainerdInstance(child, new CriClient(paths.socket), inst, p('pod-logs'));
  try {
    const deadline = Date.now() + (o.startTimeoutMs ?? 20_000);
    const until = async (what: string, ok: () => Promise<boolean>) => {
      while (!(await ok().catch(() => false))) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`containerd exited while ${what}`);
        if (Date.now() > deadline) throw new Error(`containerd: timed out ${what}`);
        await sleep(50);
      }
    };
    await until('starting', async () => existsSync(paths.socket) && !!(await ctd.cri.version(1000)).runtimeName);
    importImage(paths.socket, archive, snapshotter);
    await until(`waiting for the CRI to see ${PAUSE_IMAGE}`, async () => !!(await ctd.cri.imageId(PAUSE_IMAGE)));
    return ctd;
  } catch (err) {
    const logs = ctd.logs();
    const left = await ctd.cleanup().then(
      () => '',
      (e: Error) => `\n${e.message}`,
    );
    throw new Error(`${(err as Error).message}${left}\n--- containerd log ---\n${logs}`);
  }
}
