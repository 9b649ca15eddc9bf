// Pods as kubelet describes them to the runtime, and a look inside a running sandbox's network namespace.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseIpAddr, type PodLink } from '../netns.js';
import type { DnsConfig, PodSandboxConfig, PortMapping } from './types.js';

export interface PodSpec {
  name: string;
  namespace?: string;
  /** Random when left out, like the API server's. */
  uid?: string;
  attempt?: number;
  /** The pod's annotations (k8s.v1.cni.cncf.io/networks…); containerd hands them to CNI plugins whose config
   * declares the capability `io.kubernetes.cri.pod-annotations`, as runtimeConfig["io.kubernetes.cri.pod-annotations"]. */
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  portMappings?: PortMapping[];
  dns?: DnsConfig;
  hostname?: string;
  /** cgroupfs parent as kubelet gives it (`/kubepods/besteffort/pod<uid>`). Default: `<instance's cgroup>/pod<uid>`,
   * removed with the instance; a parent given here is the caller's to remove. */
  cgroupParent?: string;
}

/** A sandbox the harness ran: its ids and where its network namespace is. */
export interface Pod {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  /** The netns path containerd gave CNI (CNI_NETNS), e.g. /var/run/netns/cni-<uuid>. */
  netnsPath: string;
  /** The sandbox process (busybox sleep) as seen from here; /proc/<pid>/ns/net reaches the netns from any mount namespace. */
  pid: number;
}

/** The PodSandboxConfig kubelet would send for `spec` (labels io.kubernetes.pod.*, log dir under `logRoot`). */
export function podSandboxConfig(spec: PodSpec, logRoot: string, cgroupRoot: string): PodSandboxConfig {
  const namespace = spec.namespace ?? 'default';
  const uid = spec.uid ?? randomUUID();
  return {
    metadata: { name: spec.name, uid, namespace, attempt: spec.attempt ?? 0 },
    hostname: spec.hostname ?? spec.name,
    logDirectory: join(logRoot, `${namespace}_${spec.name}_${uid}`),
    dnsConfig: spec.dns,
    portMappings: spec.portMappings ?? [],
    labels: {
      ...spec.labels,
      'io.kubernetes.pod.name': spec.name,
      'io.kubernetes.pod.namespace': namespace,
      'io.kubernetes.pod.uid': uid,
    },
    annotations: {
      'kubernetes.io/config.source': 'api',
      'kubernetes.io/config.seen': new Date().toISOString(),
      ...spec.annotations,
    },
    linux: {
      cgroupParent: spec.cgroupParent ?? `${cgroupRoot}/pod${uid}`,
      securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
    },
  };
}

interface SandboxInfo {
  pid?: number;
  runtimeSpec?: { linux?: { namespaces?: Array<{ type: string; path?: string }> } };
}

/** pid and netns path from PodSandboxStatus's verbose `info.info` (containerd's JSON). */
export function sandboxNetns(info: Record<string, string>): { pid: number; netnsPath: string } {
  const parsed = JSON.parse(info.info ?? '{}') as SandboxInfo;
  const ns = parsed.runtimeSpec?.linux?.namespaces?.find((n) => n.type === 'network');
  return { pid: parsed.pid ?? 0, netnsPath: ns?.path ?? '' };
}

/** Runs `args` inside the pod's network namespace (through the sandbox process while it runs). */
export function podExec(pod: Pod, args: string[]): string {
  const net = pod.pid > 0 ? `/proc/${pod.pid}/ns/net` : pod.netnsPath;
  return execFileSync('nsenter', [`--net=${net}`, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** The pod's links and IPv4 addresses, like podLinks() of netns.ts. */
export const podSandboxLinks = (pod: Pod): PodLink[] => parseIpAddr(podExec(pod, ['ip', '-j', 'addr']));
