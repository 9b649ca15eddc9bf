// Operating the daemon: /readyz and /metrics on metricsAddress, maxConcurrentRequests, the SIGTERM drain, and an
// API failing the live pod GET of a cache miss. Each test runs its own daemon (the deployed bundle, in the node
// netns, against the stand-in) with the scriptable test plugin as delegates.
import { execa } from 'execa';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer, type ApiServer, type FaultSettings } from '../support/apiserver/client.js';
import { startBraidDaemon, type DaemonHandle } from '../support/daemon.js';
import { cniEnv, NetnsLab, runBraid, TempDir } from '../support/netns.js';
import { eventually, getInNetns, parseMetrics, sleep } from '../support/netns-http.js';
import { TestPlugins } from '../support/test-plugin.js';

const lab = new NetnsLab();
const tmp = new TempDir();
let node: string;
let api: ApiServer;
const daemons: DaemonHandle[] = [];
let seq = 0;

const pod = (name: string, nodeName = 'node-a', networks?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    ...(networks ? { annotations: { 'k8s.v1.cni.cncf.io/networks': networks } } : {}),
  },
  spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
});
const nad = (name: string, type: string) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name, namespace: 'default' },
  spec: { config: JSON.stringify({ cniVersion: '1.0.0', type }) },
});
const SLOW_RESULT = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:02' }],
  ips: [{ address: '10.123.0.9/24', interface: 0 }],
};

beforeAll(async () => {
  node = lab.node();
  api = await startApiServer({ netns: node });
  await api.control.seed([
    pod('pa'),
    pod('pb'),
    pod('pm', 'node-a', 'extra'),
    pod('elsewhere', 'node-b'),
    nad('extra', 'other'),
  ]);
});

/** SIGTERM (a drain of at most drainSeconds), SIGKILL if it has not exited within 25 s. */
async function stopDaemon(d: DaemonHandle): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([d.stop(), new Promise((r) => (timer = setTimeout(r, 25_000)))]);
  clearTimeout(timer);
  await d.kill();
}

afterEach(async () => {
  await Promise.all(daemons.splice(0).map(stopDaemon));
  await api.control.clearFaults();
});

afterAll(async () => {
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

interface Ops {
  daemon: DaemonHandle;
  plugins: TestPlugins;
  get: (path: string) => Promise<{ status: number; text: string }>;
  metrics: () => Promise<Map<string, number>>;
  cni: (
    command: string,
    podName: string,
    containerId: string,
    netns: string,
    primary?: string,
  ) => ReturnType<typeof runBraid>;
}

async function startOps(config: Record<string, unknown> = {}, waitReady = true): Promise<Ops> {
  const dir = tmp.sub(`t${seq++}`);
  const plugins = new TestPlugins(join(dir, 'plugins'), ['fast', 'other', 'slow']);
  const apiPort = Number(new URL(api.url).port);
  // Below the kernel's ephemeral range (32768-60999): a port in it may already be the local end of one of the
  // daemon's own connections to the API server, and then the metrics listener cannot bind it.
  let port: number;
  do port = 20_000 + Math.floor(Math.random() * 12_000);
  while (port === apiPort);
  const daemon = await startBraidDaemon({
    node,
    dir,
    env: plugins.env,
    config: {
      kubeconfig: api.kubeconfigPath,
      cacheDir: join(dir, 'cache'),
      metricsAddress: `127.0.0.1:${port}`,
      drainSeconds: 10,
      ...config,
    },
  });
  daemons.push(daemon);
  const get = (path: string) => getInNetns(node, `http://127.0.0.1:${port}${path}`);
  if (waitReady) await eventually(async () => (await get('/readyz')).status === 200, 'the daemon to be ready');
  const cni: Ops['cni'] = (command, podName, containerId, netns, primary = 'fast') =>
    runBraid({
      node,
      stdin: {
        cniVersion: '1.0.0',
        name: 'braid',
        type: 'braid',
        daemonSocket: daemon.socket,
        cacheDir: join(dir, 'cache'),
        binDir: plugins.bin,
        delegates: [{ cniVersion: '1.0.0', name: 'primary', type: primary }],
      },
      env: {
        ...cniEnv({
          command,
          containerId,
          netns,
          ifname: 'eth0',
          path: plugins.bin,
          args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${podName};K8S_POD_UID=uid-${podName}`,
        }),
        ...plugins.env,
      },
    });
  return { daemon, plugins, get, cni, metrics: async () => parseMetrics((await get('/metrics')).text) };
}

const addCalls = (t: Ops) => t.plugins.calls().filter((c) => c.command === 'ADD');

describe('braid daemon operations', () => {
  it('/readyz is 503 until the caches are synced and while the readiness file is missing, 200 after', async () => {
    const readyFile = join(tmp.sub('ready'), 'default-network-ready');
    await api.control.setFaults({ outage: 'status' });
    const t = await startOps({ readinessIndicatorFile: readyFile }, false);
    const notSynced = { status: 503, text: 'not ready: informer caches not synced' };
    expect(await eventually(() => t.get('/readyz'), 'the metrics server to answer')).toEqual(notSynced);
    expect(await t.get('/healthz')).toEqual({ status: 200, text: 'ok' });
    await sleep(1500); // the lists keep failing while the outage lasts
    expect(await t.get('/readyz')).toEqual(notSynced);
    expect((await t.metrics()).get('braid_cached_pods')).toBe(0);

    await api.control.clearFaults();
    const missing = { status: 503, text: `not ready: ${readyFile} is missing` };
    expect(
      await eventually(
        async () => ((await t.get('/readyz')).text !== notSynced.text ? t.get('/readyz') : undefined),
        'the caches to sync',
      ),
    ).toEqual(missing);
    expect((await t.metrics()).get('braid_cached_pods')).toBe(3); // pa, pb, pm: not the pod on node-b
    writeFileSync(readyFile, '');
    expect(await t.get('/readyz')).toEqual({ status: 200, text: 'ok' });
    rmSync(readyFile);
    expect(await t.get('/readyz')).toEqual(missing);
  });

  it('/metrics counts requests and times them per command and per delegate plugin', async () => {
    const t = await startOps();
    const p = lab.pod();
    expect((await t.cni('ADD', 'pm', 'm1', p)).exitCode).toBe(0);
    expect((await t.cni('ADD', 'ghost', 'm2', lab.pod())).json).toMatchObject({ code: 3 });
    let m = await t.metrics();
    expect(m.get('braid_requests_total{command="ADD",result="success"}')).toBe(1);
    expect(m.get('braid_requests_total{command="ADD",result="error"}')).toBe(1);
    expect(m.get('braid_request_duration_seconds_count{command="ADD"}')).toBe(2);
    expect(m.get('braid_request_duration_seconds_bucket{command="ADD",le="+Inf"}')).toBe(2);
    expect(m.get('braid_request_duration_seconds_sum{command="ADD"}')).toBeGreaterThan(0);
    for (const plugin of ['fast', 'other']) {
      expect(m.get(`braid_delegate_duration_seconds_count{command="ADD",plugin="${plugin}"}`)).toBe(1);
      expect(m.get(`braid_delegate_duration_seconds_bucket{command="ADD",plugin="${plugin}",le="+Inf"}`)).toBe(1);
    }
    expect(m.get('braid_requests_in_flight')).toBe(0);
    expect(m.get('braid_requests_queued')).toBe(0);

    expect((await t.cni('DEL', 'pm', 'm1', p)).exitCode).toBe(0);
    m = await t.metrics();
    expect(m.get('braid_requests_total{command="DEL",result="success"}')).toBe(1);
    expect(m.get('braid_delegate_duration_seconds_count{command="DEL",plugin="other"}')).toBe(1);
    // The status write and its clear are made after the answers, in order, and counted.
    m = await eventually(async () => {
      const now = await t.metrics();
      return now.get('braid_status_writes_total{op="clear",result="landed"}') === 1 ? now : undefined;
    }, 'the status clear to be counted');
    expect(m.get('braid_status_writes_total{op="write",result="landed"}')).toBe(1);
    expect(m.get('braid_status_pods_writing')).toBe(0);
    expect(m.get('braid_status_backlog')).toBe(0);
  });

  it('with maxConcurrentRequests=1 two ADDs for different containers run one after the other; both succeed', async () => {
    const t = await startOps({ maxConcurrentRequests: 1 });
    t.plugins.answer('slow', 'ADD', { sleep: 1, result: SLOW_RESULT });
    const [na, nb] = [lab.pod(), lab.pod()];
    const t0 = Date.now();
    const adds = Promise.all([t.cni('ADD', 'pa', 'q-a', na, 'slow'), t.cni('ADD', 'pb', 'q-b', nb, 'slow')]);
    let done = false;
    void adds.finally(() => (done = true));
    const started = new Map<string, number>(); // when each delegate call first shows in calls.jsonl
    const gauges = { queued: 0, inFlight: 0 }; // the highest values seen
    const watchCalls = async () => {
      for (; !done; await sleep(20))
        for (const c of addCalls(t)) if (!started.has(c.containerId)) started.set(c.containerId, Date.now());
    };
    const watchGauges = async () => {
      for (let m; !done;) {
        m = await t.metrics();
        gauges.queued = Math.max(gauges.queued, m.get('braid_requests_queued') ?? 0);
        gauges.inFlight = Math.max(gauges.inFlight, m.get('braid_requests_in_flight') ?? 0);
      }
    };
    await Promise.all([watchCalls(), watchGauges()]);
    const [a, b] = await adds;
    expect([a.exitCode, b.exitCode, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(gauges).toEqual({ queued: 1, inFlight: 1 });
    const [first, second] = [...started.values()].sort((x, y) => x - y);
    expect(started.size).toBe(2);
    expect(second! - first!).toBeGreaterThanOrEqual(900); // the second delegate started when the first had finished
    expect((await t.cni('DEL', 'pa', 'q-a', na, 'slow')).exitCode).toBe(0);
    expect((await t.cni('DEL', 'pb', 'q-b', nb, 'slow')).exitCode).toBe(0);
  });

  it('SIGTERM drains: the ADD in flight completes; requests after SIGTERM get code 11', async () => {
    const t = await startOps({ drainSeconds: 20 });
    t.plugins.answer('slow', 'ADD', { sleep: 2, result: SLOW_RESULT });
    const p = lab.pod();
    const adding = t.cni('ADD', 'pa', 'drain-1', p, 'slow');
    await eventually(
      async () => addCalls(t).some((c) => c.containerId === 'drain-1'),
      'the slow delegate to start',
      10_000,
      20,
    );
    let exited = false;
    const stopped = t.daemon.stop().then(() => (exited = true));
    await eventually(async () => (await t.get('/healthz')).status === 503, 'the daemon to start draining', 5000, 20);

    const during = await t.cni('ADD', 'pb', 'drain-2', lab.pod());
    expect(during.json).toMatchObject({ code: 11 });
    expect(during.json.msg).toMatch(/the braid daemon is shutting down/);
    expect(exited).toBe(false);

    const add = await adding;
    expect([add.exitCode, add.stderr]).toEqual([0, '']);
    expect(add.json).toMatchObject({ cniVersion: '1.0.0', ips: [{ address: '10.123.0.9/24' }] });
    await stopped;
    expect(addCalls(t).map((c) => c.containerId)).toEqual(['drain-1']); // the refused request ran nothing

    const after = await t.cni('ADD', 'pb', 'drain-3', lab.pod());
    expect(after.json).toMatchObject({ code: 11 });
    expect(after.json.msg).toMatch(/the braid daemon is down/);
    expect((await t.cni('DEL', 'pa', 'drain-1', p, 'slow')).exitCode).toBe(0); // in-process, from the saved plan
  });

  it.each<[string, FaultSettings, RegExp]>([
    [
      'a 500',
      { failNext: { count: 1000, code: 500, verb: 'GET', path: '/pods/elsewhere' } },
      /injected failure \(500\)/,
    ],
    [
      'a dropped connection',
      { dropNext: { count: 1000, verb: 'GET', path: '/pods/elsewhere' } },
      /cannot reach the API server/,
    ],
  ])(
    '%s on every try of the live pod GET of a cache miss (retried within the bound): code 11 naming the pod; the daemon keeps serving',
    async (_, faults, why) => {
      const t = await startOps();
      await api.control.resetCounters();
      await api.control.setFaults(faults);
      const p = lab.pod();
      const add = await t.cni('ADD', 'elsewhere', 'miss-1', p);
      expect(add.json).toMatchObject({ code: 11 });
      expect(add.json.msg).toMatch(/pod default\/elsewhere: cannot read it from the API server/);
      expect(add.json.msg).toMatch(why);
      expect(addCalls(t)).toEqual([]);
      const tries = (await api.control.counters())['GET /api/v1/namespaces/default/pods/elsewhere'] ?? 0;
      expect(tries).toBeGreaterThan(1); // retried, with a jittered backoff, within the 2 s bound (docs/adr/0010)
      await api.control.clearFaults();

      const cached = lab.pod();
      expect((await t.cni('ADD', 'pa', 'miss-2', cached)).exitCode).toBe(0);
      const again = await t.cni('ADD', 'elsewhere', 'miss-1', p);
      expect([again.exitCode, again.stderr]).toEqual([0, '']);
      expect((await api.control.counters())['GET /api/v1/namespaces/default/pods/elsewhere']).toBe(tries + 1);
      expect((await t.cni('DEL', 'elsewhere', 'miss-1', p)).exitCode).toBe(0);
      expect((await t.cni('DEL', 'pa', 'miss-2', cached)).exitCode).toBe(0);
    },
  );

  it('a metrics address that is taken makes the daemon exit 1 with one JSON line that says why, not run half-started', async () => {
    const dir = tmp.sub('taken');
    // Something else on the node holds the port, as Calico Felix held 9091.
    const holder = execa('ip', [
      'netns',
      'exec',
      node,
      process.execPath,
      '-e',
      "require('net').createServer().listen(10366, '127.0.0.1', () => console.log('up'))",
    ]);
    try {
      await new Promise<void>((r) => holder.stdout!.once('data', () => r()));
      const err = await startBraidDaemon({
        node,
        dir,
        config: { kubeconfig: api.kubeconfigPath, cacheDir: join(dir, 'cache'), metricsAddress: '127.0.0.1:10366' },
      }).then(
        (d) => {
          daemons.push(d);
          return undefined;
        },
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/exited at start with status 1:/);
      // The daemon's output follows "status 1: " on the message's first line.
      const lines = err!.message.split(/\n|status 1: /).filter((l) => l.startsWith('{'));
      const fatal = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'fatal');
      expect(fatal).toMatchObject({ msg: 'cannot listen for metrics on 127.0.0.1:10366: EADDRINUSE', code: 999 });
    } finally {
      holder.kill('SIGKILL');
      await holder.catch(() => undefined);
    }
  });
});
