// A running containerd of the harness: kubelet's pod-sandbox calls, its log, and its teardown.
import type { ChildProcess } from 'node:child_process';
import type { CriClient } from './client.js';
import { podSandboxConfig, sandboxNetns, type Pod, type PodSpec } from './pod.js';
import { waitGone } from './host.js';
import { saveInstance } from './stale.js';
import { teardownSync, type Instance } from './teardown.js';
import type { PodSandboxStatus } from './types.js';

const LOG_LIMIT = 4 << 20;

export class ContainerdInstance {
  /** containerd's gRPC socket (for ctr -a, or a CriClient of your own). */
  readonly socket: string;
  /** The instance's temp dir (removed by cleanup()). */
  readonly dir: string;
  readonly pid: number;
  private log = '';
  private readonly exited: Promise<void>;
  private readonly onExit = () => this.forceSync();
  private done = false;

  constructor(
    private readonly child: ChildProcess,
    readonly cri: CriClient,
    private readonly inst: Instance,
    private readonly logRoot: string,
  ) {
    const keep = (c: Buffer) => (this.log = (this.log + c.toString()).slice(-LOG_LIMIT));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.onExit);
    [this.socket, this.dir, this.pid] = [inst.socket, inst.dir, child.pid ?? 0];
  }

  /** containerd's own log (stdout and stderr; CNI plugin errors show up here too). */
  logs(): string {
    return this.log;
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Until the CRI reports NetworkReady (a CNI config loaded from conf_dir). */
  async waitNetworkReady(timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const net = (await this.cri.conditions()).find((c) => c.type === 'NetworkReady');
      if (net?.status) return;
      if (Date.now() > end)
        throw new Error(`containerd network not ready: ${net?.reason ?? '?'} ${net?.message ?? ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** RunPodSandbox as kubelet calls it (CNI ADD happens inside); rejects with a CriError carrying the CNI error. */
  async runPod(spec: PodSpec): Promise<Pod> {
    const config = podSandboxConfig(spec, this.logRoot, this.inst.cgroupParent);
    const id = await this.cri.runPodSandbox(config);
    this.inst.sandboxIds.add(id);
    saveInstance(this.inst);
    const where = sandboxNetns((await this.cri.podSandboxStatus(id, true)).info);
    if (where.netnsPath) this.inst.netnsPaths.add(where.netnsPath);
    saveInstance(this.inst);
    const m = config.metadata;
    return { id, name: m.name, namespace: m.namespace, uid: m.uid, ...where };
  }

  async status(id: string): Promise<PodSandboxStatus> {
    return (await this.cri.podSandboxStatus(id)).status;
  }

  /** The pod IPs the runtime reports (network.ip first, then additional_ips), as kubelet reads them. */
  async podIps(id: string): Promise<string[]> {
    const net = (await this.status(id)).network;
    return net?.ip ? [net.ip, ...net.additionalIps.map((a) => a.ip)] : [];
  }

  /** StopPodSandbox: CNI DEL, the sandbox process killed, the netns removed (1.6). kubelet calls it more than once;
   * each later call DELs again with CNI_NETNS empty. */
  stopPod(id: string): Promise<void> {
    return this.cri.stopPodSandbox(id);
  }

  /** RemovePodSandbox: stops first (one more DEL), then the sandbox is gone. */
  removePod(id: string): Promise<void> {
    return this.cri.removePodSandbox(id);
  }

  /**
   * Idempotent; for afterAll/finally. Stops and removes every sandbox through the CRI (best effort, 15 s at most),
   * stops containerd (SIGTERM, SIGKILL after 5 s), then forces away what is left; throws if anything stays.
   */
  async cleanup(): Promise<void> {
    if (this.done) return;
    if (this.running) {
      const viaCri = async () => {
        const items = await this.cri.listPodSandbox().catch(() => []);
        for (const p of items) await this.cri.stopPodSandbox(p.id).catch(() => undefined);
        for (const p of items) await this.cri.removePodSandbox(p.id).catch(() => undefined);
      };
      let limit: NodeJS.Timeout | undefined;
      await Promise.race([viaCri(), new Promise((r) => (limit = setTimeout(r, 15_000)))]);
      clearTimeout(limit);
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    const left = this.forceSync();
    if (left.length) throw new Error(`containerd harness cleanup: ${left.join('; ')}`);
  }

  /** The synchronous part, also run if the process exits without cleanup(). */
  private forceSync(): string[] {
    if (this.done) return [];
    this.done = true;
    process.removeListener('exit', this.onExit);
    this.cri.close();
    if (this.running && this.child.pid) {
      this.child.kill('SIGKILL');
      waitGone(this.child.pid);
    }
    return teardownSync(this.inst);
  }
}
