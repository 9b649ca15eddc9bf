#!/usr/bin/env node
// Daemon memory with 10,000 NADs and 250 pods of its node cached, against the API-server stand-in on
// loopback. Prints the daemon's RSS once its caches are synced and after a burst of informer events.
//   node scripts/bench-daemon-memory.mjs     (needs `npm run build && npm run build:support`)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const NADS = Number(process.env.BENCH_NADS ?? 10000);
const PODS = Number(process.env.BENCH_PODS ?? 250);
const dir = mkdtempSync(join(tmpdir(), 'braid-mem-'));
const children = [];
/** The flags deploy/daemonset.yaml runs the daemon with. */
const DEPLOYED_FLAGS = ['--max-semi-space-size=1', '--lite-mode', '--expose-gc'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(cmd, args, env = {}) {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

const firstLine = (child) =>
  new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function control(url, method, path, body) {
  const res = await fetch(`${url}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
  return res.json();
}

async function measure(label, cmd, argv, api, kubeconfig) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const cfg = join(dir, `${label.replace(/\W+/g, '_')}.json`);
  writeFileSync(cfg, JSON.stringify({ nodeName: 'node-a', socketPath: join(dir, `${label.replace(/\W+/g, '_')}.sock`), metricsAddress: `127.0.0.1:${port}`, kubeconfig, cacheDir: join(dir, 'cache'), logLevel: 'error' }));
  const d = start(cmd, argv(cfg));
  const t0 = Date.now();
  for (;;) {
    await sleep(100);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - t0 > 60_000) throw new Error(`${label}: not ready after 60 s`);
  }
  const synced = Date.now() - t0;
  await sleep(2000);
  const idle = rssMiB(d.pid);
  // a burst of watch events: every pod's annotations change
  await control(api.controlUrl, 'POST', '/objects', pods(1));
  await sleep(2000);
  const after = rssMiB(d.pid);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const cached = /braid_cached_nads (\d+)/.exec(metrics)?.[1];
  const heap = Number(/braid_heap_used_bytes (\d+)/.exec(metrics)?.[1]) / 1048576;
  d.kill('SIGTERM');
  console.log(`  ${label.padEnd(60)} synced in ${String(synced).padStart(5)} ms   RSS ${idle.toFixed(1)} MiB   after 250 pod updates ${after.toFixed(1)} MiB   (${cached} NADs cached, V8 heap in use ${heap.toFixed(1)} MiB)`);
}

const nads = Array.from({ length: NADS }, (_, i) => ({
  apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition',
  metadata: { name: `net-${i}`, namespace: `tenant-${i % 50}`, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(200) } },
  spec: { config: JSON.stringify({ cniVersion: '1.0.0', type: 'macvlan', master: 'eth1', mode: 'bridge', ipam: { type: 'host-local', ranges: [[{ subnet: `10.${i % 250}.${i % 200}.0/24` }]] } }) },
}));
const pods = (gen) => Array.from({ length: PODS }, (_, i) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: `pod-${i}`, namespace: `tenant-${i % 50}`, uid: `uid-${i}`, labels: { app: `a${i}` }, annotations: { 'k8s.v1.cni.cncf.io/networks': `net-${i}`, gen: String(gen) } },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x', env: Array.from({ length: 20 }, (_, j) => ({ name: `E${j}`, value: 'v'.repeat(50) })) }] },
}));

try {
  const server = start(process.execPath, [join(root, 'dist-test/apiserver.mjs'), '--token', 'bench', '--exit-with-stdin']);
  const api = await firstLine(server);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'b',
    clusters: [{ name: 'b', cluster: { server: api.url, 'certificate-authority-data': Buffer.from(api.ca).toString('base64') } }],
    users: [{ name: 'b', user: { token: 'bench' } }], contexts: [{ name: 'b', context: { cluster: 'b', user: 'b' } }],
  }));
  for (let i = 0; i < nads.length; i += 1000) await control(api.controlUrl, 'POST', '/objects', nads.slice(i, i + 1000));
  await control(api.controlUrl, 'POST', '/objects', pods(0));
  console.log(`Daemon memory with ${NADS} NADs and ${PODS} pods on its node (RSS from /proc; node ${process.version})`);
  const flags = process.env.BENCH_FLAGS ? process.env.BENCH_FLAGS.split(' ') : DEPLOYED_FLAGS;
  await measure(`dist/braid-daemon.mjs ${flags.join(' ')} (as deployed)`, process.execPath, (cfg) => [...flags, join(root, 'dist/braid-daemon.mjs'), '--config', cfg], api, kubeconfig);
  await measure('dist/braid-daemon.mjs, no flags', process.execPath, (cfg) => [join(root, 'dist/braid-daemon.mjs'), '--config', cfg], api, kubeconfig);
  await measure('node bin/braid daemon (unbundled, dev)', process.execPath, (cfg) => [join(root, 'bin/braid'), 'daemon', '--config', cfg], api, kubeconfig);
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
