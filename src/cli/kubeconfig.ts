// The cluster a command talks to, found the way kubectl finds it: --kubeconfig, else the files in $KUBECONFIG
// (merged, the first file to set a name or the current context wins), else ~/.kube/config, else the pod's
// service account. --context picks a context; the namespace is -n, else the context's, else "default".
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ApiClient } from '../k8s/api.js';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Cluster {
  api: ApiClient;
  /** -n, else the context's namespace, else "default". */
  namespace: string;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The kubeconfig files kubectl would read, in order; none means the in-cluster service account. */
export function kubeconfigFiles(opts: ClusterOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  if (opts.kubeconfig) return [opts.kubeconfig];
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length) return listed.filter((f) => existsSync(f));
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/** kubectl's merge: a cluster, user or context keeps its first definition; the first current-context set wins. */
function merged(files: string[]): KubeConfig {
  const loaded = files.map((f) => {
    const kc = new KubeConfig();
    kc.loadFromFile(f); // relative paths in it become relative to its directory, as kubectl reads them
    return kc;
  });
  const firstOf = <T extends { name: string }>(lists: T[][]): T[] => {
    const out = new Map<string, T>();
    for (const item of lists.flat()) if (!out.has(item.name)) out.set(item.name, item);
    return [...out.values()];
  };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: firstOf(loaded.map((k) => k.getClusters())),
    users: firstOf(loaded.map((k) => k.getUsers())),
    contexts: firstOf(loaded.map((k) => k.getContexts())),
    currentContext: loaded.map((k) => k.getCurrentContext()).find((c) => c) ?? '',
  });
  return kc;
}

export function loadClusterConfig(opts: ClusterOptions, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const files = kubeconfigFiles(opts, env);
  let kc: KubeConfig;
  if (files.length) kc = merged(files);
  else if (existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kc = new KubeConfig();
    kc.loadFromCluster();
  } else throw new Error('no kubeconfig: give --kubeconfig, set KUBECONFIG, or write ~/.kube/config');
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new Error(`context "${opts.context}" is not in the kubeconfig`);
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster())
    throw new Error('the kubeconfig has no current context with a cluster: give --context, or set current-context');
  return kc;
}

export function connect(opts: ClusterOptions, env: NodeJS.ProcessEnv = process.env): Cluster {
  const kc = loadClusterConfig(opts, env);
  const namespace = opts.namespace || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
  return { api: new ApiClient(() => loadClusterConfig(opts, env)), namespace };
}
