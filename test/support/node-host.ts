// A node of its own for tests that run braid the way a cluster does: a network namespace plus a mount namespace
// whose root is a copy-on-write overlay of the machine's, so that the node's well-known paths (/etc/cni/net.d,
// /opt/cni/bin, /var/lib/cni, /var/lib/braid, /run/braid, …) exist for it alone. The machine's own files are
// never written: what the node writes lands in a tmpfs that vanishes with it. /tmp, /work (the checkout),
// /proc, /sys, /dev and /run/netns are the machine's, so tests share temp dirs and network namespaces with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { NetnsLab } from './netns.js';

const SHARED_WITH_MACHINE = ['proc', 'dev', 'tmp', 'work', 'run/netns'];

function holderScript(dir: string, mkdirs: string[]): string {
  return `set -e
R=${dir}/root; O=${dir}/ovl
mkdir -p "$R" "$O"
mount -t tmpfs braid-node "$O"; mkdir "$O/upper" "$O/work"
mount -t overlay braid-node -o lowerdir=/,upperdir="$O/upper",workdir="$O/work" "$R"
for d in ${SHARED_WITH_MACHINE.join(' ')}; do if [ -d "/$d" ]; then mount --rbind "/$d" "$R/$d"; fi; done
# The node's own sysfs (its /sys/class/net), with the machine's cgroups in it: runc needs them (containerd).
mount -t sysfs braid-node "$R/sys"; mount --rbind /sys/fs/cgroup "$R/sys/fs/cgroup"
for d in ${mkdirs.map((d) => `"${d}"`).join(' ')}; do mkdir -p "$R$d"; done
mkdir -p "$R/.machine-root"; cd "$R"; pivot_root . .machine-root; umount -l /.machine-root; rmdir /.machine-root
# Shared, as systemd makes a real host's mounts: what the node mounts later (containerd's pod netns under
# /var/run/netns) reaches the containers whose volumes say HostToContainer. Still a slave of the machine's.
mount --make-rshared /
echo ready
exec sleep 2147483647
`;
}

export interface NodeRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class NodeHost {
  private constructor(
    readonly netns: string,
    readonly dir: string,
    private readonly holder: ChildProcess,
  ) {}

  /** A new node: `lab.node()` for its network, an overlay root for its files, `mkdirs` created on it. */
  static async start(lab: NetnsLab, mkdirs: string[] = []): Promise<NodeHost> {
    const netns = lab.node();
    const dir = mkdtempSync(join(tmpdir(), 'braid-node-'));
    writeFileSync(join(dir, 'holder.sh'), holderScript(dir, mkdirs));
    // nsenter, not `ip netns exec`: that one replaces /sys and with it the machine's cgroup mounts.
    const args = [
      `--net=/run/netns/${netns}`,
      'unshare',
      '--mount',
      '--propagation',
      'slave',
      'sh',
      join(dir, 'holder.sh'),
    ];
    const holder = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready')) resolve();
      };
      holder.stdout?.on('data', onData);
      holder.stderr?.on('data', onData);
      holder.once('exit', () => reject(new Error(`the node's mount namespace could not be set up: ${out}`)));
    });
    return new NodeHost(netns, dir, holder);
  }

  /** argv prefix that runs a program on the node: in its network and mount namespaces. */
  get prefix(): string[] {
    return ['nsenter', `--target=${this.holder.pid}`, '--mount', '--net', '--'];
  }

  async run(
    args: string[],
    opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<NodeRun> {
    const [file, ...rest] = [...this.prefix, ...args] as [string, ...string[]];
    const out = await execa(file, rest, {
      input: opts.input ?? '',
      reject: false,
      stripFinalNewline: false,
      timeout: opts.timeoutMs ?? 60_000,
      ...(opts.env ? { env: opts.env, extendEnv: false } : {}),
    });
    return { exitCode: out.exitCode ?? -1, stdout: String(out.stdout), stderr: String(out.stderr) };
  }

  async sh(script: string): Promise<string> {
    const out = await this.run(['sh', '-c', script]);
    if (out.exitCode !== 0) throw new Error(`on the node: ${script}: ${out.stderr}`);
    return out.stdout;
  }

  async writeFile(path: string, data: string, mode = '644'): Promise<void> {
    const out = await this.run(
      ['sh', '-c', `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod ${mode} "$1"`, 'sh', path],
      { input: data },
    );
    if (out.exitCode !== 0) throw new Error(`cannot write ${path} on the node: ${out.stderr}`);
  }

  /** The file names in a directory of the node ([] when it does not exist). */
  async ls(path: string): Promise<string[]> {
    const out = await this.run(['sh', '-c', '[ -d "$1" ] && ls -A "$1" || true', 'sh', path]);
    return out.stdout.split('\n').filter(Boolean);
  }

  /** Ends the node: its mounts go with its last process; its network namespace goes with `lab.cleanup()`. */
  async stop(): Promise<void> {
    if (this.holder.exitCode === null && this.holder.signalCode === null) {
      const exited = new Promise((r) => this.holder.once('exit', r));
      this.holder.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
