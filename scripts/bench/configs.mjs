// The pod: a bridge + host-local default network and macvlan networks (NADs mv0, mv1, …), as
// delegate configs for the floor, as Kubernetes objects for the stand-in and the local store, and the node
// configurations braid (and Multus) get on stdin in each mode. Every state directory is in the run's temp dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** veth pairs bm0..bm3 in the node netns; macvlan network i uses bm(i % MASTERS). */
export const MASTERS = 4;
/** Macvlan networks the scaling phase needs at most (8 networks = the default + 7). */
export const MAX_MACVLANS = 7;
export const NODE_NAME = 'bench-node';
export const BRIDGE = 'bbr0';

const hostLocal = (dir, subnet) => ({ type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet }]] });

export const defaultNet = (dir) => ({
  cniVersion: '1.0.0',
  name: 'bench-default',
  type: 'bridge',
  bridge: BRIDGE,
  isGateway: true,
  ipMasq: false,
  ipam: { ...hostLocal(dir, '10.240.0.0/16'), routes: [{ dst: '0.0.0.0/0' }] },
});

export const macvlanNet = (dir, i) => ({
  cniVersion: '1.0.0',
  name: `mv${i}`,
  type: 'macvlan',
  master: `bm${i % MASTERS}`,
  mode: 'bridge',
  ipam: hostLocal(dir, `10.${241 + i}.0.0/16`),
});

/** The delegate configs of a pod with `networks` networks: the default one, then macvlans mv0, mv1, … */
export const podNetworks = (dir, networks) => [
  defaultNet(dir),
  ...Array.from({ length: networks - 1 }, (_, i) => macvlanNet(dir, i)),
];

export const nadObject = (conf) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name: conf.name, namespace: 'default' },
  spec: { config: JSON.stringify(conf) },
});

/** A pod on the bench node selecting `macvlans` (mv0 …) besides the default network. */
export const podObject = (name, macvlans) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    annotations: { 'k8s.v1.cni.cncf.io/networks': Array.from({ length: macvlans }, (_, i) => `mv${i}`).join(',') },
  },
  spec: { nodeName: NODE_NAME, containers: [{ name: 'app', image: 'example/app' }] },
});

/** Every NAD the bench uses. */
export const allNads = (dir) => Array.from({ length: MAX_MACVLANS }, (_, i) => nadObject(macvlanNet(dir, i)));

/** A local store directory (one JSON manifest per object). */
export function writeLocalStore(storeDir, objects) {
  mkdirSync(storeDir, { recursive: true });
  for (const o of objects)
    writeFileSync(join(storeDir, `${o.kind}-${o.metadata.name}.json`), JSON.stringify(o, null, 1));
  return storeDir;
}

/**
 * braid's node configuration in one mode: 'local' (localStore), 'daemon' (daemonSocket), 'thin' (kubeconfig);
 * the default network inline, the pod's other networks from its annotation.
 */
export function braidConfig(mode, o) {
  const config = {
    cniVersion: '1.0.0',
    name: 'braid',
    type: 'braid',
    cacheDir: o.cacheDir,
    binDir: '/usr/lib/cni',
    logLevel: 'error',
    parallelAttach: o.parallel,
    delegates: [defaultNet(o.dir)],
  };
  if (mode === 'local') config.localStore = o.localStore;
  else if (mode === 'daemon') config.daemonSocket = o.daemonSocket;
  else if (mode === 'thin') config.kubeconfig = o.kubeconfig;
  else throw new Error(`unknown mode ${mode}`);
  return config;
}

/** The configuration that reaches the bench's deployed daemon (`ctx.daemon`), parallel attach on unless told. */
export const deployedDaemonConfig = (ctx, parallel = true) =>
  braidConfig('daemon', { dir: ctx.dir, parallel, cacheDir: ctx.daemonCacheDir, daemonSocket: ctx.daemon.socket });

/** Multus thin (v4) with the same delegates: the default inline, the others from the pod's NADs. */
export const multusConfig = (o) => ({
  cniVersion: '1.0.0',
  name: 'multus-cni-network',
  type: 'multus',
  kubeconfig: o.kubeconfig,
  cniDir: o.cacheDir,
  binDir: '/usr/lib/cni',
  logLevel: 'error',
  logToStderr: true,
  delegates: [defaultNet(o.dir)],
});

/** A kubeconfig for a token-authenticated server; `ca` (PEM) or plain http. */
export function writeKubeconfig(path, { server, token, ca }) {
  const cluster = ca ? { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } : { server };
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'bench',
      clusters: [{ name: 'bench', cluster }],
      users: [{ name: 'bench', user: { token } }],
      contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench', namespace: 'default' } }],
    }),
    { mode: 0o600 },
  );
  return path;
}
