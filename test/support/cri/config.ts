// containerd's config.toml (version 2, containerd 1.6) for a private instance: every path in the test's temp
// dir, gRPC on a unix socket only, the CRI stream server on loopback, cgroupfs, the native snapshotter, and
// the plugins that would touch the host or are not needed switched off.

export interface ContainerdPaths {
  root: string;
  state: string;
  temp: string;
  socket: string;
  /** runc's state (the runtime default would be /run/containerd/runc). */
  runcRoot: string;
}

export interface CniSettings {
  /** CRI `cni.bin_dir`: where containerd finds the CNI plugins (braid, or /usr/lib/cni). */
  binDir: string;
  /** CRI `cni.conf_dir`: containerd loads the first config there (by file name), and watches the directory. */
  confDir: string;
  /** CRI `cni.max_conf_num` (containerd's default: 1). */
  maxConfNum?: number;
  /** Pod netns under `<state>/io.containerd.grpc.v1.cri/netns/` instead of /var/run/netns/ (CRI `netns_mounts_under_state_dir`). */
  netnsUnderState?: boolean;
}

export interface ConfigOptions extends ContainerdPaths, CniSettings {
  sandboxImage: string;
  snapshotter: string;
  logLevel?: string;
  /** Appended as is, for anything else. */
  extraToml?: string;
}

const DISABLED = [
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.internal.v1.opt', // would create /opt/containerd
  'io.containerd.internal.v1.tracing',
  'io.containerd.tracing.processor.v1.otlp',
];

const s = (v: string) => JSON.stringify(v); // a JSON string is a valid TOML basic string

export function containerdConfig(o: ConfigOptions): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  const disabled = o.snapshotter === 'native' ? [...DISABLED, 'io.containerd.snapshotter.v1.overlayfs'] : DISABLED;
  return `version = 2
root = ${s(o.root)}
state = ${s(o.state)}
temp = ${s(o.temp)}
disabled_plugins = [${disabled.map(s).join(', ')}]
required_plugins = ["io.containerd.grpc.v1.cri"]
oom_score = 0

[grpc]
  address = ${s(o.socket)}
  tcp_address = ""

[ttrpc]
  address = ""

[debug]
  address = ""
  level = ${s(o.logLevel ?? 'info')}

[metrics]
  address = ""

${cri}]
  sandbox_image = ${s(o.sandboxImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_tcp_service = true
  enable_tls_streaming = false
  systemd_cgroup = false
  disable_apparmor = true
  enable_selinux = false
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = ${o.netnsUnderState ? 'true' : 'false'}

${cri}.cni]
  bin_dir = ${s(o.binDir)}
  conf_dir = ${s(o.confDir)}
  max_conf_num = ${o.maxConfNum ?? 1}

${cri}.containerd]
  snapshotter = ${s(o.snapshotter)}
  default_runtime_name = "runc"

${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

${cri}.containerd.runtimes.runc.options]
  Root = ${s(o.runcRoot)}
  SystemdCgroup = false
${o.extraToml ? `\n${o.extraToml}\n` : ''}`;
}
