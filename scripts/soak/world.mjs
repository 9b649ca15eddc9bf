// What the soak's pods attach to, all in the run's temp dir: the bench's bridge + host-local default network
// (inline in braid's config) and macvlan NADs on the node's veth masters, plus two NADs of the fault plugin.
// Also the pods as the stand-in stores them, and braid's configurations (the executable's stdin, the daemon's).
import { join } from 'node:path';
import { http } from '../bench/http.mjs';
import { braidConfig, defaultNet, macvlanNet, MASTERS, nadObject, NODE_NAME } from '../bench/configs.mjs';
import { FAIL_TYPE, HANG_TYPE } from './fault-plugin.mjs';

/** One macvlan NAD per veth master: mv0 … mv3. */
export const MACVLANS = Array.from({ length: MASTERS }, (_, i) => `mv${i}`);
export const NAMESPACE = 'default';

/** Every host-local network, by the name its leases are kept under (<ipamDir>/<name>/). */
export const ipamNetworks = (dir) => [defaultNet(dir).name, ...MACVLANS];
export const ipamDir = (dir) => join(dir, 'ipam');

export const nads = (dir) => [
  ...MACVLANS.map((_, i) => nadObject(macvlanNet(dir, i))),
  nadObject({ cniVersion: '1.0.0', name: FAIL_TYPE, type: FAIL_TYPE }),
  nadObject({ cniVersion: '1.0.0', name: HANG_TYPE, type: HANG_TYPE }),
];

/** The networks a cycle's pod asks for, in its annotation's order: its macvlans, the fault network at its place. */
export function selections(cycle) {
  const names = [...cycle.macvlans];
  const f = cycle.podFault;
  if (f?.kind === 'delegateFail') names.splice(f.position, 0, FAIL_TYPE);
  if (f?.kind === 'delegateHang') names.splice(f.position, 0, HANG_TYPE);
  return names;
}

export const podObject = (name, uid, networks) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: NAMESPACE,
    uid,
    annotations: networks.length ? { 'k8s.v1.cni.cncf.io/networks': networks.join(',') } : {},
  },
  spec: { nodeName: NODE_NAME, containers: [{ name: 'app', image: 'example/app' }] },
});

/** The executable's stdin: daemon mode, the default network inline, a short plugin timeout. */
export const executableConfig = (o) => ({
  ...braidConfig('daemon', { dir: o.dir, parallel: true, cacheDir: o.cacheDir, daemonSocket: o.socket }),
  pluginTimeoutSeconds: o.pluginTimeoutSeconds,
});

/** The daemon's own node keys (its defaults, also for the executable's in-process DEL with the daemon down). */
export const daemonExtra = (o) => ({ pluginTimeoutSeconds: o.pluginTimeoutSeconds, logLevel: 'warn' });

/** The stand-in's control API, beyond what scripts/bench/apiserver.mjs offers. */
export function control(api) {
  const call = async (method, path, body) => {
    const { status, text } = await http(`${api.controlUrl}${path}`, { method, body });
    if (status < 200 || status >= 300) throw new Error(`stand-in ${method} ${path}: ${status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : {};
  };
  return {
    seed: (objects) => call('POST', '/objects', objects),
    deletePod: (name) => call('DELETE', `/objects/pods/${NAMESPACE}/${name}`),
    pods: async () => (await call('GET', `/objects/pods?namespace=${NAMESPACE}`)).items,
    /** 'storage': etcd down (writes and quorum reads answer 504 after 2 s); 'refuse': the port closed. */
    down: (mode) =>
      call('PUT', '/faults', mode === 'storage' ? { storageDown: { timeoutMs: 2000 } } : { outage: 'refuse' }),
    up: () => call('DELETE', '/faults'),
  };
}
