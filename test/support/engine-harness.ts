// The engine in-process, without root: the real plugin runner over the scriptable test plugin (really exec'd; it
// never touches the network, so CNI_NETNS can be any path), the real plan store and result cache in a temp dir, and
// recording adapters for the ports that reach outside the node's files (network-status, routes) plus a clock the test
// moves. Nothing of the engine itself is replaced.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseCniArgs } from '../../src/cni/args.js';
import type { CniRequest } from '../../src/cni/request.js';
import { runSkel } from '../../src/cni/skel.js';
import type { JsonObject } from '../../src/cni/types.js';
import { parseNodeConfig, type NodeConfig } from '../../src/core/node-config.js';
import type { NetworkStatus } from '../../src/core/network-status.js';
import type { Nad, NadSource, PodInfo, PodSource } from '../../src/core/sources.js';
import type { EngineDeps, PodRef, RouteEditor, SavedPlan, Sources, StatusWriter } from '../../src/engine/ports.js';
import { handle } from '../../src/engine/verbs.js';
import { ProcessPluginExec } from '../../src/invoke/process-exec.js';
import { ProcProcesses } from '../../src/invoke/processes.js';
import { confDirFiles } from '../../src/store/conf-files.js';
import { checkpointDevices } from '../../src/store/devices.js';
import { FilePlanStore } from '../../src/store/plan-store.js';
import { FileResultCache } from '../../src/store/result-cache.js';
import { TestPlugins } from './test-plugin.js';

export type StatusCall =
  | { op: 'write'; pod: PodRef; containerId: string; status: NetworkStatus[] }
  | { op: 'remove'; pod: PodRef; containerId: string };

/** The network-status port, recording every call; `failWrite` / `failRemove` make the next calls throw. */
export class RecordingStatus implements StatusWriter {
  readonly calls: StatusCall[] = [];
  failWrite?: string;
  failRemove?: string;

  async write(pod: PodRef, containerId: string, status: NetworkStatus[]): Promise<void> {
    this.calls.push({ op: 'write', pod, containerId, status });
    if (this.failWrite) throw new Error(this.failWrite);
  }

  async remove(pod: PodRef, containerId: string): Promise<void> {
    this.calls.push({ op: 'remove', pod, containerId });
    if (this.failRemove) throw new Error(this.failRemove);
  }
}

/** The route port, recording `netns family gw ifname` per call. */
export class RecordingRoutes implements RouteEditor {
  readonly calls: string[] = [];
  fail?: string;

  async setDefaultRoute(netns: string, family: 4 | 6, gw: string, ifname: string): Promise<void> {
    this.calls.push(`${netns} ${family} ${gw} ${ifname}`);
    if (this.fail) throw new Error(this.fail);
  }
}

/** Time as the test says: `sleep` moves it and records how long was asked for; `onSleep` runs at each tick. */
export class FakeClock {
  t = 1_000_000;
  readonly slept: number[] = [];
  onSleep?: (clock: FakeClock) => void;
  readonly now = (): number => this.t;
  readonly sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
    this.t += ms;
    this.onSleep?.(this);
  };
}

/** Pods and NADs from maps, for the planning sources. */
export class MapSources implements PodSource, NadSource {
  readonly pods = new Map<string, PodInfo>();
  readonly nads = new Map<string, Nad>();

  addPod(pod: PodInfo): this {
    this.pods.set(`${pod.namespace}/${pod.name}`, pod);
    return this;
  }

  addNad(namespace: string, name: string, config: JsonObject, annotations: Record<string, string> = {}): this {
    this.nads.set(`${namespace}/${name}`, { namespace, name, config: JSON.stringify(config), annotations });
    return this;
  }

  async getPod(namespace: string, name: string): Promise<PodInfo | undefined> {
    return this.pods.get(`${namespace}/${name}`);
  }

  async getNad(namespace: string, name: string): Promise<Nad | undefined> {
    return this.nads.get(`${namespace}/${name}`);
  }
}

/** A CNI error as the plugin prints it: exit 1 with the error JSON on stdout. */
export const cniFailure = (code: number, msg: string, cniVersion = '1.0.0') => ({
  exitCode: 1,
  result: { cniVersion, code, msg },
});

export interface RequestOptions {
  containerId?: string;
  ifname?: string;
  netns?: string;
  args?: string;
}

export class EngineHarness {
  readonly dir: string;
  readonly plugins: TestPlugins;
  readonly cacheDir: string;
  readonly confDir: string;
  readonly status = new RecordingStatus();
  readonly routes = new RecordingRoutes();
  readonly clock = new FakeClock();
  readonly sources = new MapSources();
  /** What the engine reported through the Sources hooks (Kubernetes Events in the real modes). */
  readonly events: string[] = [];
  readonly deps: EngineDeps;

  constructor(pluginNames: string[]) {
    this.dir = mkdtempSync(join(tmpdir(), 'braid-engine-'));
    this.plugins = new TestPlugins(join(this.dir, 'plugins'), pluginNames);
    this.cacheDir = join(this.dir, 'cache');
    this.confDir = join(this.dir, 'net.d');
    mkdirSync(this.confDir);
    const exec = new ProcessPluginExec({
      searchPath: [this.plugins.bin],
      env: { PATH: process.env.PATH, ...this.plugins.env },
      timeoutMs: 20_000,
    });
    this.deps = {
      exec,
      processes: new ProcProcesses(),
      files: { confFiles: confDirFiles, devices: checkpointDevices },
      plans: new FilePlanStore(this.cacheDir),
      cache: new FileResultCache(this.cacheDir),
      routes: this.routes,
      status: this.status,
      log: pino({ level: 'silent' }),
      sleep: this.clock.sleep,
      now: this.clock.now,
    };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** braid's node configuration (stdin) with this harness's dirs; `extra` adds or overrides keys. */
  stdin(extra: JsonObject = {}): JsonObject {
    return {
      cniVersion: '1.1.0',
      name: 'braid',
      type: 'braid',
      cacheDir: this.cacheDir,
      confDir: this.confDir,
      binDir: this.plugins.bin,
      deviceCheckpointFile: join(this.dir, 'no-checkpoint'),
      parallelAttach: false,
      ...extra,
    };
  }

  config(extra: JsonObject = {}): NodeConfig {
    return parseNodeConfig(this.stdin(extra));
  }

  src(): Sources {
    return {
      pods: this.sources,
      nads: this.sources,
      status: this.status,
      onAdded: (pod, status) =>
        this.events.push(`added ${pod.namespace}/${pod.name} ${status.map((s) => s.interface).join(',')}`),
      onAddFailed: (pod, err) => this.events.push(`failed ${pod.namespace}/${pod.name}: ${err.message}`),
    };
  }

  request(command: CniRequest['command'], stdin: JsonObject, o: RequestOptions = {}): CniRequest {
    return {
      command,
      containerId: o.containerId ?? 'c1',
      netns: o.netns ?? '/var/run/netns/fake',
      ifname: o.ifname ?? 'eth0',
      args: parseCniArgs(o.args),
      path: [this.plugins.bin],
      config: stdin,
      cniVersion: String(stdin.cniVersion),
    };
  }

  /** One verb through the engine's `handle`, as the executable runs it (config parsed from the request's stdin). */
  run(command: CniRequest['command'], extra: JsonObject = {}, o: RequestOptions = {}): Promise<unknown> {
    const stdin = this.stdin(extra);
    return handle(this.request(command, stdin, o), {
      config: parseNodeConfig(stdin),
      deps: this.deps,
      src: this.src(),
    });
  }

  /** runSkel over `handle`, with an env map and string buffers: the process boundary as values. */
  async skel(
    env: Record<string, string | undefined>,
    stdin: string,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io = { env, stdin, stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t) };
    const exitCode = await runSkel(io, (req) =>
      handle(req, { config: parseNodeConfig(req.config), deps: this.deps, src: this.src() }),
    );
    return { exitCode, stdout, stderr };
  }

  /** The CNI_* variables of a request to braid. */
  env(command: string, o: RequestOptions = {}): Record<string, string> {
    return {
      CNI_COMMAND: command,
      CNI_CONTAINERID: o.containerId ?? 'c1',
      CNI_NETNS: o.netns ?? '/var/run/netns/fake',
      CNI_IFNAME: o.ifname ?? 'eth0',
      CNI_PATH: this.plugins.bin,
      ...(o.args !== undefined ? { CNI_ARGS: o.args } : {}),
    };
  }

  /** "plugin COMMAND ifname [containerId]" per plugin call, VERSION left out. */
  calls(withContainer = false): string[] {
    return this.plugins
      .calls()
      .filter((c) => c.command !== 'VERSION')
      .map((c) => `${c.plugin} ${c.command} ${c.ifname}${withContainer ? ` ${c.containerId}` : ''}`);
  }

  /** The stdin each call of `plugin` `command` got, parsed. */
  stdinOf(plugin: string, command: string): JsonObject[] {
    return this.plugins
      .calls()
      .filter((c) => c.plugin === plugin && c.command === command)
      .map((c) => JSON.parse(c.stdin) as JsonObject);
  }

  planFiles(): string[] {
    return this.ls('plans');
  }

  resultFiles(): string[] {
    return this.ls('results');
  }

  readPlan(file: string): SavedPlan {
    return JSON.parse(readFileSync(join(this.cacheDir, 'plans', file), 'utf8')) as SavedPlan;
  }

  writePlanFile(file: string, text: string): void {
    mkdirSync(join(this.cacheDir, 'plans'), { recursive: true });
    writeFileSync(join(this.cacheDir, 'plans', file), text);
  }

  /** Removes one container's plan (on eth0) as a crash or a disk error would. */
  removePlanOf(containerId: string, ifname = 'eth0'): void {
    rmSync(join(this.cacheDir, 'plans', `${containerId}-${ifname}.json`));
  }

  removeResultFile(name: string): void {
    rmSync(join(this.cacheDir, 'results', name));
  }

  removeCache(sub: 'plans' | 'results'): void {
    rmSync(join(this.cacheDir, sub), { recursive: true, force: true });
  }

  private ls(sub: string): string[] {
    try {
      return readdirSync(join(this.cacheDir, sub))
        .filter((n) => !n.startsWith('.'))
        .sort();
    } catch {
      return [];
    }
  }
}
