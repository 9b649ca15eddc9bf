// Daemon memory with many NADs and this node's pods cached, against its own API-server stand-in: RSS once the
// informer caches are synced and settled, and after a burst of watch events (every pod's annotations change).
// Used by the bench (as deployed only) and by scripts/bench-daemon-memory.mjs (also without flags, unbundled).
import { join } from 'node:path';
import { startApiServer } from './apiserver.mjs';
import { NODE_NAME } from './configs.mjs';
import { rssMiB, startDaemon } from './daemon.mjs';
import { sleep } from './proc.mjs';

export const nadObjects = (count) =>
  Array.from({ length: count }, (_, i) => ({
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: {
      name: `net-${i}`,
      namespace: `tenant-${i % 50}`,
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(200) },
    },
    spec: {
      config: JSON.stringify({
        cniVersion: '1.0.0',
        type: 'macvlan',
        master: 'eth1',
        mode: 'bridge',
        ipam: { type: 'host-local', ranges: [[{ subnet: `10.${i % 250}.${i % 200}.0/24` }]] },
      }),
    },
  }));

export const podObjects = (count, gen) =>
  Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `pod-${i}`,
      namespace: `tenant-${i % 50}`,
      uid: `uid-${i}`,
      labels: { app: `a${i}` },
      annotations: { 'k8s.v1.cni.cncf.io/networks': `net-${i}`, gen: String(gen) },
    },
    spec: {
      nodeName: NODE_NAME,
      containers: [
        {
          name: 'c',
          image: 'x',
          env: Array.from({ length: 20 }, (_, j) => ({ name: `E${j}`, value: 'v'.repeat(50) })),
        },
      ],
    },
  }));

/**
 * A stand-in seeded with `nads` NADs and `pods` pods on the bench node; call measure() for each daemon variant.
 * `builds`: { daemon, apiserver } paths (artifacts.mjs).
 */
export async function memoryLab({ builds, dir, nads, pods }) {
  const api = await startApiServer(builds.apiserver, dir);
  await api.seed(nadObjects(nads));
  await api.seed(podObjects(pods, 0));
  let gen = 0;
  return {
    api,
    /** One daemon variant: `argv(configFile)` or the deployed command line when undefined. */
    async measure(name, argv, settleMs = 2000) {
      const d = await startDaemon({
        bundle: builds.daemon,
        dir,
        name,
        kubeconfig: api.kubeconfig,
        cacheDir: join(dir, `cache-${name}`),
        argv,
      });
      try {
        await sleep(settleMs);
        const idle = rssMiB(d.pid);
        await api.seed(podObjects(pods, ++gen));
        await sleep(settleMs);
        return {
          syncedMs: Math.round(d.syncedMs),
          rssMiB: Math.round(idle * 10) / 10,
          afterPodUpdatesMiB: Math.round(rssMiB(d.pid) * 10) / 10,
          cachedNads: await d.gauge('braid_cached_nads'),
          cachedPods: await d.gauge('braid_cached_pods'),
          heapUsedMiB: Math.round((await d.gauge('braid_heap_used_bytes')) / 104857.6) / 10,
        };
      } finally {
        await d.stop();
      }
    },
    stop: () => api.stop(),
  };
}

export const memoryLine = (label, m) =>
  `  ${label.padEnd(70)} synced in ${String(m.syncedMs).padStart(5)} ms   RSS ${m.rssMiB.toFixed(1)} MiB   after ${m.cachedPods} pod updates ${m.afterPodUpdatesMiB.toFixed(1)} MiB   (${m.cachedNads} NADs cached, V8 heap in use ${m.heapUsedMiB.toFixed(1)} MiB)`;
