// A container of the braid DaemonSet on a test node, as the kubelet and runc would make it: its own mount
// namespace whose root holds only the image (here: the machine's /usr, and braid's files at the paths the
// Dockerfile puts them) and the pod's volumes, bind-mounted from the node as the rendered DaemonSet says;
// the node's network (hostNetwork); the service account's token and CA; the container's command and env.
// What the daemon cannot see through those volumes, it cannot use: exactly as in a cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerEnv, type ContainerSpec, type PodSpec, type VolumeMount } from './deploy.js';
import type { NodeHost } from './node-host.js';
import { REPO } from './netns.js';

/** Where the image puts braid (Dockerfile): the compiled executable and the daemon bundle. */
export const IMAGE_FILES: Record<string, string> = {
  '/usr/local/bin/braid': join(REPO, 'dist/braid'),
  '/opt/braid/braid-daemon.mjs': join(REPO, 'dist/braid-daemon.mjs'),
};

export interface ContainerOptions {
  pod: PodSpec;
  container: ContainerSpec;
  nodeName: string;
  /** ConfigMap volumes: name → files. */
  configMaps: Record<string, Record<string, string>>;
  /** The API server the service account talks to (in-cluster config). */
  api?: { host: string; port: string; token: string; ca: string };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function mountLines(o: ContainerOptions, dir: string, m: VolumeMount): string[] {
  const v = o.pod.volumes.find((x) => x.name === m.name);
  if (!v) throw new Error(`volume ${m.name} is not declared`);
  const target = `"$C"${q(m.mountPath)}`;
  let source: string;
  const lines: string[] = [];
  if (v.hostPath) {
    source = q(v.hostPath.path);
    lines.push(`mkdir -p ${source}`); // DirectoryOrCreate, and what the runtime does for a missing bind source
  } else if (v.configMap) {
    const files = o.configMaps[v.configMap.name];
    if (!files) throw new Error(`no data for configMap ${v.configMap.name}`);
    const cm = join(dir, `cm-${m.name}`);
    mkdirSync(cm, { recursive: true });
    for (const [k, text] of Object.entries(files)) writeFileSync(join(cm, k), text);
    source = q(cm);
  } else {
    throw new Error(`the test cannot mount volume ${m.name}`);
  }
  lines.push(`mkdir -p ${target}`, `mount --rbind ${source} ${target}`);
  // HostToContainer: mounts the host makes later (a new netns under /var/run/netns) reach the container.
  if (m.mountPropagation === 'HostToContainer') lines.push(`mount --make-rslave ${target}`);
  if (m.readOnly) lines.push(`mount -o remount,bind,ro ${target}`);
  return lines;
}

function containerScript(o: ContainerOptions, dir: string): string {
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    ...containerEnv(o.container, o.nodeName),
  };
  const lines = [
    'set -e',
    `C=${q(join(dir, 'root'))}`,
    'mkdir -p "$C"; mount -t tmpfs braid-container "$C"',
    'mkdir -p "$C/usr" "$C/proc" "$C/sys" "$C/dev" "$C/tmp" "$C/etc" "$C/root" "$C/var/run" "$C/run"',
    'mount --rbind /usr "$C/usr"; mount --rbind /proc "$C/proc"; mount --rbind /sys "$C/sys"; mount --rbind /dev "$C/dev"',
    'for l in bin sbin lib lib64; do ln -s "usr/$l" "$C/$l"; done',
    'for f in passwd group hosts nsswitch.conf; do if [ -f "/etc/$f" ]; then cp "/etc/$f" "$C/etc/"; fi; done',
    'mount -t tmpfs braid-image "$C/usr/local"; mkdir -p "$C/usr/local/bin"',
    ...Object.entries(IMAGE_FILES).map(([to, from]) => `mkdir -p "$(dirname "$C${to}")"; cp ${q(from)} "$C${to}"`),
    ...(o.container.volumeMounts ?? []).flatMap((m) => mountLines(o, dir, m)),
  ];
  if (o.api) {
    const sa = join(dir, 'serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), o.api.token);
    writeFileSync(join(sa, 'ca.crt'), o.api.ca);
    writeFileSync(join(sa, 'namespace'), 'braid-system');
    lines.push('S="$C/var/run/secrets/kubernetes.io/serviceaccount"', `mkdir -p "$S"; mount --bind ${q(sa)} "$S"`);
    Object.assign(env, { KUBERNETES_SERVICE_HOST: o.api.host, KUBERNETES_SERVICE_PORT: o.api.port });
  }
  const envArgs = Object.entries(env)
    .map(([k, v]) => q(`${k}=${v}`))
    .join(' ');
  lines.push(`exec chroot "$C" /usr/bin/env -i ${envArgs} ${o.container.command.map(q).join(' ')}`);
  return lines.join('\n');
}

export interface ContainerHandle {
  pid: number;
  logs: () => string;
  exited: Promise<number | null>;
  /** SIGTERM (as the kubelet stops a container), then wait. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

export function startContainer(node: NodeHost, o: ContainerOptions): ContainerHandle {
  const dir = mkdtempSync(join(tmpdir(), `braid-ctr-${o.container.name}-`));
  writeFileSync(join(dir, 'start.sh'), containerScript(o, dir));
  // unshare execs sh, which execs chroot, which execs the command: the child's pid is the container's process.
  const args = [...node.prefix, 'unshare', '--mount', '--propagation', 'slave', 'sh', join(dir, 'start.sh')];
  const child: ChildProcess = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return { pid: child.pid!, logs: () => logs, exited, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
