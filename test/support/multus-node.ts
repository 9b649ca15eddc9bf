// A pod as Multus attaches it, for tests of a node braid takes over from Multus (issue 11): the real delegates run
// as Multus' libcni runs them (a conflist's plugins in order, name and cniVersion injected, prevResult chained,
// Multus' CNI_ARGS), Multus' record `<cniDir>/<containerID>` written before any delegate runs, and libcni's result
// cache `<cniDir>/results/<network>-<containerID>-<ifname>` after each. Shapes from reading Multus v4 (its DEL cache,
// saveScratchNetConf: dir 0700, file 0600) and libcni (cachedInfo, also 0700/0600). Where the plugins run and where
// the files land is the caller's: the machine (a temp dir) or a test node (its own /var/lib/cni/multus).

export type Json = Record<string, unknown>;

/** Go's json.Marshal of a map: keys sorted at every level (Multus re-marshals the delegates it writes). */
export function goMarshal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Json;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goMarshal(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The pod as Multus knows it from the runtime. */
export interface MultusPod {
  namespace: string;
  name: string;
  uid: string;
  containerId: string;
  /** CNI_NETNS: the pod's network namespace path. */
  netnsPath: string;
}

/** One delegate as Multus resolved it, before it ran. */
export interface MultusDelegate {
  /** The raw config Multus runs: a conflist for the default network, a conf for a NAD (its name set). */
  config: Json;
  /** Multus' DelegateNetConf.Name: the CNI config name for the default network, `<ns>/<nad>` for a NAD. */
  name: string;
  ifname: string;
  ifnameRequest?: string;
}

/** The CNI_ARGS Multus hands every delegate (CreateCNIRuntimeConf), as [key, value] pairs. */
export const multusArgs = (pod: MultusPod): Array<[string, string]> => [
  ['IgnoreUnknown', 'true'],
  ['K8S_POD_NAMESPACE', pod.namespace],
  ['K8S_POD_NAME', pod.name],
  ['K8S_POD_INFRA_CONTAINER_ID', pod.containerId],
  ['K8S_POD_UID', pod.uid],
];

/** Multus' DelegateNetConf as Go marshals it into the record (types.PluginConf keeps only a few keys). */
function recordEntry(d: MultusDelegate): Json {
  const pluginConf = (c: Json) => {
    const ipam = c.ipam as Json | undefined;
    return {
      cniVersion: c.cniVersion,
      ipam: ipam ? { type: ipam.type } : {},
      name: c.name,
      type: c.type,
    };
  };
  const plugins = d.config.plugins as Json[] | undefined;
  return {
    Conf: plugins ? { ipam: {} } : pluginConf(d.config),
    ConfList: plugins ? { cniVersion: d.config.cniVersion, name: d.config.name, plugins: plugins.map(pluginConf) } : {},
    Name: d.name,
    ...(d.ifnameRequest ? { ifnameRequest: d.ifnameRequest } : {}),
    IsFilterV4Gateway: false,
    IsFilterV6Gateway: false,
    Bytes: b64(goMarshal(d.config)),
  };
}

/** The text of Multus' record `<cniDir>/<containerID>`: its delegates in ADD order, the default network first. */
export const multusRecord = (delegates: MultusDelegate[]): string => JSON.stringify(delegates.map(recordEntry));

/** libcni's result cache entry (cachedInfo) for one delegate: its file name under `<cniDir>/results` and text. */
export function libcniResult(d: MultusDelegate, pod: MultusPod, result: Json): { file: string; text: string } {
  const entry = {
    kind: 'cniCacheV1',
    containerId: pod.containerId,
    config: b64(goMarshal(d.config)),
    ifName: d.ifname,
    networkName: d.config.name,
    netns: pod.netnsPath,
    cniArgs: multusArgs(pod),
    result,
  };
  return { file: `${String(d.config.name)}-${pod.containerId}-${d.ifname}`, text: JSON.stringify(entry) };
}

export interface PluginRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one CNI plugin by type with that stdin and exactly those CNI_* variables (the caller adds PATH, CNI_PATH). */
export type PluginRunner = (type: string, stdin: string, cni: Record<string, string>) => Promise<PluginRun>;

/** ADD of one delegate as Multus' libcni runs it; its result. */
export async function addAsMultus(run: PluginRunner, d: MultusDelegate, pod: MultusPod): Promise<Json> {
  const plugins = (d.config.plugins as Json[] | undefined) ?? [d.config];
  let result: Json | undefined;
  for (const plugin of plugins) {
    const stdin = {
      ...plugin,
      name: d.config.name,
      cniVersion: d.config.cniVersion,
      ...(result ? { prevResult: result } : {}),
    };
    const out = await run(String(plugin.type), JSON.stringify(stdin), {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: pod.containerId,
      CNI_NETNS: pod.netnsPath,
      CNI_IFNAME: d.ifname,
      CNI_ARGS: multusArgs(pod)
        .map(([k, v]) => `${k}=${v}`)
        .join(';'),
    });
    if (out.exitCode !== 0) throw new Error(`${String(plugin.type)} ADD ${d.ifname}: ${out.stdout} ${out.stderr}`);
    result = JSON.parse(out.stdout) as Json;
  }
  return result!;
}

/** Writes one file under Multus' cniDir (a path relative to it), its directories 0700 and the file 0600. */
export type CniDirWriter = (relativePath: string, text: string) => Promise<void> | void;

/**
 * Multus' ADD of a pod: the record first (before any delegate runs), then each delegate in order, libcni caching its
 * result. Returns the delegates' results in that order.
 */
export async function attachAsMultus(o: {
  pod: MultusPod;
  delegates: MultusDelegate[];
  run: PluginRunner;
  write: CniDirWriter;
}): Promise<Json[]> {
  await o.write(o.pod.containerId, multusRecord(o.delegates));
  const results: Json[] = [];
  for (const d of o.delegates) {
    const result = await addAsMultus(o.run, d, o.pod);
    const { file, text } = libcniResult(d, o.pod, result);
    await o.write(`results/${file}`, text);
    results.push(result);
  }
  return results;
}
