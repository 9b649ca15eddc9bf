// What the daemon says, as log pipelines and `kubectl describe` read it (issue 14): every stderr line a JSON object
// with a level name, an ISO time and braid's name; one info line per ADD and DEL with its outcome and the standard
// fields; a repeated Event is one Event whose count goes up.
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { startBraidDaemon, type DaemonHandle } from '../support/daemon.js';
import { bridge, macvlanNadObject } from '../support/delegates.js';
import { cniEnv, NetnsLab, runBraid, TempDir } from '../support/netns.js';
import { eventually } from '../support/wait.js';

const lab = new NetnsLab();
const tmp = new TempDir();
const dir = tmp.sub('daemon-logs');
let node: string;
let api: ApiServer;
let daemon: DaemonHandle | undefined;

const pod = (name: string, networks: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    annotations: { 'k8s.v1.cni.cncf.io/networks': networks },
  },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
});
const macvlanNad = (name: string, subnet: string) => macvlanNadObject(dir, name, subnet);

const cni = (command: string, netns: string, name: string, id: string) =>
  runBraid({
    node,
    stdin: {
      cniVersion: '1.1.0',
      name: 'braid',
      type: 'braid',
      daemonSocket: daemon!.socket,
      cacheDir: join(dir, 'cache'),
      binDir: '/usr/lib/cni',
      delegates: [bridge('1.0.0', dir)],
    },
    env: cniEnv({
      command,
      containerId: id,
      netns,
      ifname: 'eth0',
      args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=uid-${name}`,
    }),
  });

beforeAll(async () => {
  node = lab.node();
  api = await startApiServer({ netns: node });
  await api.control.seed([macvlanNad('mv-a', '192.168.90.0/24'), pod('good', 'mv-a'), pod('bad', 'no-such-nad')]);
  daemon = await startBraidDaemon({
    node,
    dir,
    config: { kubeconfig: api.kubeconfigPath, cacheDir: join(dir, 'cache'), binDir: '/usr/lib/cni', logLevel: 'INFO' },
  });
  await api.control.waitForWatches(2);
});

afterAll(async () => {
  await daemon?.stop();
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

type Line = Record<string, unknown>;

interface Event {
  reason: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  involvedObject: { name: string };
}

/** The BraidAddFailed Events, once `ok` says they are as expected. */
const failedEvents = (ok: (e: Event[]) => boolean) =>
  eventually(async () => {
    const items = (await api.control.objects<Event>('events', 'default')).items.filter(
      (e) => e.reason === 'BraidAddFailed',
    );
    return ok(items) ? items : undefined;
  }, 'BraidAddFailed Events');

describe('the daemon log and Events', () => {
  let lines: Line[];
  let aggregated: Event[];

  beforeAll(async () => {
    const good = lab.pod();
    expect((await cni('ADD', good, 'good', 'c-good')).exitCode).toBe(0);
    expect((await cni('DEL', good, 'good', 'c-good')).exitCode).toBe(0);
    // A DEL of a container braid never saw: no record.
    expect((await cni('DEL', lab.pod(), 'good', 'c-unknown')).exitCode).toBe(0);
    // The same failing ADD twice (kubelet retries): one BraidAddFailed Event, counted twice.
    const bad = lab.pod();
    expect((await cni('ADD', bad, 'bad', 'c-bad')).exitCode).toBe(1);
    await failedEvents((e) => e.length === 1);
    expect((await cni('ADD', bad, 'bad', 'c-bad')).exitCode).toBe(1);
    aggregated = await failedEvents((e) => e.length === 1 && e[0]!.count === 2);
    await daemon!.stop();
    lines = daemon!
      .logs()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as Line;
        } catch {
          throw new Error(`a daemon stderr line is not JSON: ${l}`);
        }
      });
  });

  it('writes only JSON lines with a level name, an ISO time and braid name', () => {
    expect(lines.length).toBeGreaterThan(4);
    for (const l of lines) {
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(l.level);
      expect(new Date(l.time as string).toISOString()).toBe(l.time);
      expect(l.name).toBe('braid');
      expect(typeof l.msg).toBe('string');
    }
  });

  it('writes one info line per ADD and DEL with the outcome and the standard fields', () => {
    const outcomes = lines.filter((l) => l.command === 'ADD' || l.command === 'DEL').filter((l) => 'outcome' in l);
    expect(outcomes.map((l) => `${l.level} ${l.command} ${l.pod} ${l.containerId} ${l.outcome}`)).toEqual([
      'info ADD good c-good success',
      'info DEL good c-good success',
      'info DEL good c-unknown success',
      'info ADD bad c-bad error',
      'info ADD bad c-bad error',
    ]);
    for (const l of outcomes) {
      expect(l).toMatchObject({ namespace: 'default', ifname: 'eth0' });
      expect(typeof l.durationMs).toBe('number');
    }
    expect(outcomes.map((l) => l.record)).toEqual([undefined, 'plan', 'none', undefined, undefined]);
    expect(outcomes[3]).toMatchObject({ code: expect.any(Number), err: expect.stringContaining('no-such-nad') });
  });

  it('never writes a pod as namespace/name in the pod field', () => {
    for (const l of lines.filter((x) => typeof x.pod === 'string')) expect(l.pod).not.toContain('/');
  });

  it('aggregates a repeated Event: one object whose count and lastTimestamp move', () => {
    expect(aggregated).toHaveLength(1);
    expect(aggregated[0]).toMatchObject({ count: 2, involvedObject: { name: 'bad' } });
    expect(aggregated[0]!.lastTimestamp >= aggregated[0]!.firstTimestamp).toBe(true);
  });
});
