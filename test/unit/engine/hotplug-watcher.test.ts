// Dynamic networks (issue 13), the daemon's watcher in-process with fake pods: a pod whose plan does not exist yet
// (its ADD in progress) is looked at again once its ADD is done, and the network namespace is looked for under the
// daemon's hostRoot. Outcomes are read from braid_hotplug_total{result}.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseNodeConfig } from '../../../src/core/node-config.js';
import type { DaemonConfig } from '../../../src/daemon/config.js';
import type { DaemonEvents } from '../../../src/daemon/events.js';
import { daemonEngineDeps } from '../../../src/daemon/delegate-deps.js';
import { HotplugWatcher } from '../../../src/daemon/hotplug.js';
import { Limiter } from '../../../src/daemon/limiter.js';
import type { Metrics } from '../../../src/daemon/metrics.js';
import { PLAN_KIND, type SavedPlan } from '../../../src/engine/ports.js';
import type { CachedPod } from '../../../src/k8s/trim.js';
import { FilePlanStore } from '../../../src/store/plan-store.js';
import { eventually } from '../../support/wait.js';

let dir: string;
let watcher: HotplugWatcher | undefined;
let pod: CachedPod;
const results: string[] = [];

beforeEach(() => {
  watcher = undefined;
  dir = mkdtempSync(join(tmpdir(), 'braid-hotplug-watcher-'));
  results.length = 0;
  pod = { namespace: 'ns1', name: 'p1', uid: 'uid-1', resourceVersion: '1', annotations: {} };
});
afterEach(() => {
  watcher?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(hostRoot?: string): void {
  const cfg = {
    node: parseNodeConfig({ type: 'braid', cacheDir: join(dir, 'cache'), dynamicNetworks: true }),
    ...(hostRoot ? { hostRoot } : {}),
  } as DaemonConfig;
  const metrics = {
    hotplug: { inc: (l: { result: string }) => results.push(l.result) },
    delegateSeconds: { observe: () => undefined },
  } as unknown as Metrics;
  watcher = new HotplugWatcher({
    cfg,
    log: pino({ level: 'silent' }),
    metrics,
    limiter: new Limiter(4),
    pods: () => [pod],
    synced: () => true,
    sources: {
      cachedPod: () => pod,
      nads: { getNad: async () => undefined },
      status: { write: async () => undefined, remove: async () => undefined },
    },
    events: { hotplugFailed: () => undefined } as unknown as DaemonEvents,
    scanMs: 20,
    debounceMs: 10,
  });
  watcher.start();
}

const plan = (netns: string): SavedPlan => ({
  kind: PLAN_KIND,
  containerId: 'c1',
  ifname: 'eth0',
  netns,
  cniVersion: '1.0.0',
  args: [],
  path: [],
  pod: { namespace: 'ns1', name: 'p1', uid: 'uid-1' },
  attachments: [],
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a pod without a plan yet (its ADD in progress) is looked at again once the ADD has written its status', async () => {
  start();
  await pause(100); // looked at: no plan
  expect(results).toEqual([]);
  // the ADD saves its plan (its netns gone by now, so the look is a "skipped") and writes the pod's status
  new FilePlanStore(join(dir, 'cache')).save(plan('/nonexistent/netns'));
  pod = { ...pod, resourceVersion: '2', annotations: { 'braid.k8s.io/network-status-owner': 'c1' } };
  await eventually(async () => results.includes('skipped'), 'the pod looked at again', 3000);
});

it("the network namespace is looked for under the daemon's hostRoot", async () => {
  const root = join(dir, 'host');
  mkdirSync(join(root, 'run/netns'), { recursive: true });
  writeFileSync(join(root, 'run/netns/pod'), '');
  new FilePlanStore(join(dir, 'cache')).save(plan('/run/netns/pod'));
  pod = { ...pod, annotations: { 'braid.k8s.io/network-status-owner': 'c1' } };
  start(root);
  await pause(300);
  expect(results).toEqual([]); // found: nothing to change, so no outcome counted
  watcher!.stop();
  results.length = 0;
  start(join(dir, 'elsewhere'));
  await eventually(async () => results.includes('skipped'), 'skipped without the netns', 3000);
});

describe("braid_delegate_duration_seconds' plugin label (requests and hot-plugs)", () => {
  it('is the type only when a binary of that name was found, else "other"', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'real'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const seen: string[] = [];
    const metrics = {
      delegateSeconds: { observe: (l: { plugin: string; command: string }) => seen.push(`${l.plugin} ${l.command}`) },
    } as unknown as Metrics;
    const config = parseNodeConfig({ type: 'braid', cacheDir: join(dir, 'cache'), binDir: bin });
    const io = { env: { CNI_PATH: '' }, stdin: '', stdout: () => undefined, stderr: () => undefined };
    const deps = daemonEngineDeps(config, io, {
      cfg: { node: config } as DaemonConfig,
      log: pino({ level: 'silent' }),
      metrics,
      status: { write: async () => undefined, remove: async () => undefined },
      processEnv: { PATH: process.env.PATH },
    });
    for (const type of ['real', 'made-up-by-a-nad', 'another-made-up'])
      await deps.exec.exec({ type, command: 'ADD', stdin: '{}', cniEnv: {} }).catch(() => undefined);
    expect(seen).toEqual(['real ADD', 'other ADD', 'other ADD']);
  });
});
