// Network namespaces, temp dirs and braid runs for the e2e tests (how the real plugins are driven here: docs/STATUS.md).
// Everything lives in namespaces this file creates: the host's links, routes and sysctls are never touched.
// Names are `braidt-<pid>-<random>-…`, so parallel runs never collide and a crashed run's leftovers can be
// told apart (their pid is gone) and swept by the next run.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The executable under test: bin/braid (Node), or the compiled dist/braid with BRAID_EXECUTABLE=dist/braid. */
export const BRAID_BIN = resolve(REPO, process.env.BRAID_EXECUTABLE ?? 'bin/braid');
export const CNI_BIN = '/usr/lib/cni';
/** The macvlan master inside every node netns (a veth: this kernel has no dummy links). */
export const MACVLAN_MASTER = 'mvm0';

const PREFIX = 'braidt-';
const BASE_PATH = `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes namespaces left by earlier runs whose process is gone (a killed jest never ran its afterAll). */
function sweepStale(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = Number(/^braidt-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !pidAlive(pid)) ip('netns', 'del', name);
  }
}

export class NetnsLab {
  readonly prefix = `${PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly created: string[] = [];
  private seq = 0;

  constructor() {
    sweepStale();
    process.once('exit', () => this.cleanup());
  }

  private add(role: string): string {
    const name = `${this.prefix}-${role}${this.seq++}`;
    ip('netns', 'add', name);
    this.created.push(name);
    return name;
  }

  /** A "node": lo up, and a veth pair (MACVLAN_MASTER + its peer) up to serve as a macvlan master. */
  node(): string {
    const name = this.add('n');
    ip('-n', name, 'link', 'set', 'lo', 'up');
    ip('-n', name, 'link', 'add', MACVLAN_MASTER, 'type', 'veth', 'peer', 'name', `${MACVLAN_MASTER}p`);
    ip('-n', name, 'link', 'set', MACVLAN_MASTER, 'up');
    ip('-n', name, 'link', 'set', `${MACVLAN_MASTER}p`, 'up');
    return name;
  }

  pod(): string {
    return this.add('p');
  }

  /** Deleting a netns removes every link in it (bridges, veths, macvlans) and its iptables state. */
  cleanup(): void {
    for (const name of this.created.splice(0)) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
  }
}

export const netnsPath = (name: string) => `/var/run/netns/${name}`;

/** Names of this run's namespaces still present (for the "nothing left" assertion). */
export const leftoverNetns = (prefix: string) =>
  ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));

export interface PodLink {
  ifname: string;
  mac: string;
  ipv4: string[];
}

/** `ip -n POD -j addr`, reduced to what tests compare with CNI results. */
export const podLinks = (pod: string): PodLink[] => parseIpAddr(ip('-n', pod, '-j', 'addr'));

/** What `ip -j addr` prints, reduced to links and their IPv4 addresses. */
export function parseIpAddr(json: string): PodLink[] {
  const raw = JSON.parse(json) as Array<{
    ifname: string;
    address: string;
    addr_info: Array<{ family: string; local: string; prefixlen: number }>;
  }>;
  return raw.map((l) => ({
    ifname: l.ifname,
    mac: l.address,
    ipv4: l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

/** A temp dir per test file; `sub()` gives each case its own IPAM, cache and tuning dirs inside it. */
export class TempDir {
  readonly root = mkdtempSync(join(tmpdir(), PREFIX));

  sub(name: string): string {
    const dir = join(this.root, name.replace(/[^a-zA-Z0-9_.-]+/g, '_'));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Every file under `dir`, relative, recursively; [] when it does not exist. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

/** host-local leases of one network: every file in <dataDir>/<net>/ but its lock and last_reserved_ip.*. */
export const leases = (dataDir: string, net: string) =>
  listFiles(join(dataDir, net)).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip.'));

export interface CniCall {
  command: string;
  containerId?: string;
  /** A netns name from NetnsLab, or a path. */
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
}

/** The CNI_* variables a runtime would set; undefined fields are left out. */
export function cniEnv(c: CniCall): Record<string, string> {
  const env: Record<string, string> = { CNI_COMMAND: c.command, CNI_PATH: c.path ?? CNI_BIN };
  if (c.containerId !== undefined) env.CNI_CONTAINERID = c.containerId;
  if (c.netns !== undefined) env.CNI_NETNS = c.netns.startsWith('/') ? c.netns : netnsPath(c.netns);
  if (c.ifname !== undefined) env.CNI_IFNAME = c.ifname;
  if (c.args !== undefined) env.CNI_ARGS = c.args;
  return env;
}

export interface BraidRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** stdout parsed, or undefined when it is empty or not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Runs bin/braid (or `bin`, e.g. an installed copy) with exactly `env` (plus PATH), inside `node` when
 * given, like a runtime would. `stdin` is JSON-encoded unless it is already a string.
 */
export async function runBraid(opts: {
  env: Record<string, string>;
  stdin: unknown;
  node?: string;
  bin?: string;
  timeoutMs?: number;
}): Promise<BraidRun> {
  const bin = opts.bin ?? BRAID_BIN;
  const [file, args] = opts.node ? ['ip', ['netns', 'exec', opts.node, bin]] : [bin, []];
  const out = await execa(file, args as string[], {
    input: typeof opts.stdin === 'string' ? opts.stdin : JSON.stringify(opts.stdin),
    env: { PATH: BASE_PATH, ...opts.env },
    extendEnv: false,
    reject: false,
    timeout: opts.timeoutMs ?? 30_000,
    stripFinalNewline: false,
  });
  let json: unknown;
  try {
    json = out.stdout.trim() ? JSON.parse(out.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode ?? -1, json };
}

/** The runtime-facing node configuration braid reads on stdin. */
export function braidConfig(o: {
  cniVersion: string;
  cacheDir: string;
  delegates: unknown[];
  extra?: Record<string, unknown>;
}) {
  return {
    cniVersion: o.cniVersion,
    name: 'braid',
    type: 'braid',
    cacheDir: o.cacheDir,
    binDir: CNI_BIN,
    delegates: o.delegates,
    ...o.extra,
  };
}
