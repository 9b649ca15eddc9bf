// The last resort after containerd is gone: whatever its sandboxes left, found from this instance's own
// state (runc root, task bundles, tracked ids), never by a broad name. Synchronous, so it also runs on exit.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { argOf, cgroupDirs, mountsUnder, processes, removeCgroupTree } from './host.js';

export interface Instance {
  dir: string;
  socket: string;
  state: string;
  runcRoot: string;
  netnsUnderState: boolean;
  /** The cgroup (cgroupfs syntax) all this instance's pods go under by default; removed at the end. */
  cgroupParent: string;
  /** Sandbox ids and netns paths this instance handed out (RunPodSandbox answers). */
  sandboxIds: Set<string>;
  netnsPaths: Set<string>;
}

const quiet = (file: string, args: string[]) => spawnSync(file, args, { stdio: 'ignore', timeout: 10_000 });
const dirs = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/** Every container runc still knows in this instance's root: killed and deleted (this also frees its cgroup). */
function runcSweep(i: Instance): void {
  for (const ns of dirs(i.runcRoot)) {
    const root = join(i.runcRoot, ns);
    for (const id of dirs(root)) {
      i.sandboxIds.add(id);
      quiet('runc', ['--root', root, 'kill', id, 'KILL']);
      quiet('runc', ['--root', root, 'delete', '--force', id]);
    }
  }
}

/** Shims serving this instance (their -address is its socket): they outlive containerd by design. */
function killShims(i: Instance): void {
  for (const p of processes()) {
    if (!p.argv[0]?.endsWith('containerd-shim-runc-v2') || argOf(p.argv, '-address') !== i.socket) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Netns paths of the task bundles still on disk (a sandbox whose RunPodSandbox answer never came). */
function bundleNetns(i: Instance): string[] {
  const tasks = join(i.state, 'io.containerd.runtime.v2.task/k8s.io');
  return dirs(tasks).flatMap((id) => {
    try {
      const spec = JSON.parse(readFileSync(join(tasks, id, 'config.json'), 'utf8')) as {
        linux?: { namespaces?: Array<{ type: string; path?: string }> };
      };
      return spec.linux?.namespaces?.filter((n) => n.type === 'network' && n.path).map((n) => n.path as string) ?? [];
    } catch {
      return [];
    }
  });
}

/** Forces away what containerd's sandboxes left (containerd itself must be dead); returns what it could not. */
export function teardownSync(i: Instance): string[] {
  runcSweep(i);
  killShims(i);
  const netns = new Set([...i.netnsPaths, ...bundleNetns(i)]);
  const stateNetns = join(i.state, 'io.containerd.grpc.v1.cri/netns');
  if (i.netnsUnderState) for (const n of dirs(stateNetns)) netns.add(join(stateNetns, n));
  for (const path of netns) {
    if (!existsSync(path)) continue;
    quiet('umount', ['--lazy', path]);
    rmSync(path, { force: true });
  }
  for (const id of i.sandboxIds) {
    // A shim killed before it could remove its socket (containerd 1.6: /run/containerd/s/<sha256(address/ns/id)>).
    rmSync(
      join(
        '/run/containerd/s',
        createHash('sha256')
          .update(join(i.socket, 'k8s.io', id))
          .digest('hex'),
      ),
      { force: true },
    );
    // libcni's result cache for the sandbox, should its DEL never have run.
    for (const f of dirs('/var/lib/cni/results').filter((n) => n.includes(`-${id}-`)))
      rmSync(join('/var/lib/cni/results', f), { force: true });
  }
  const cgroups = cgroupDirs(i.cgroupParent).filter((d) => !removeCgroupTree(d));
  for (const m of mountsUnder(i.dir)) quiet('umount', ['--lazy', m]);
  const mounted = mountsUnder(i.dir);
  // Never delete through a mount point: keep the dir and say so.
  if (mounted.length === 0) rmSync(i.dir, { recursive: true, force: true });
  const netnsLeft = [...netns].filter((n) => existsSync(n));
  return [
    ...mounted.map((m) => `still mounted: ${m}`),
    ...netnsLeft.map((n) => `netns left: ${n}`),
    ...cgroups.map((c) => `cgroup left: ${c}`),
  ];
}
