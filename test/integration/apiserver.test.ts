// The API-server stand-in against the real @kubernetes/client-node 1.4.0: the calls, errors and informer behaviour
// the daemon relies on. Nothing here mocks the client; every call crosses HTTPS to a separate process.
import {
  ApiException,
  ApisApi,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
  type Informer,
  type KubernetesObject,
  type ObjectCache,
  type V1Pod,
} from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';

const group = 'k8s.cni.cncf.io';
const nadPath = '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions';
const nad = (name: string, namespace = 'default'): KubernetesObject & { spec: { config: string } } => ({
  apiVersion: `${group}/v1`,
  kind: 'NetworkAttachmentDefinition',
  metadata: { name, namespace },
  spec: { config: JSON.stringify({ cniVersion: '1.0.0', name, type: 'bridge' }) },
});
const pod = (name: string, nodeName?: string, annotations: Record<string, string> = {}): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', annotations },
  spec: { containers: [{ name: 'c', image: 'pause' }], ...(nodeName ? { nodeName } : {}) },
});
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

let api: ApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
const informers: RunningInformer<KubernetesObject>[] = [];

function loadConfig(path = api.kubeconfigPath): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return config;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The HTTP code and parsed Status of a failed call (client-node 1.4.0 keeps the body as text). */
async function failureOf(call: Promise<unknown>): Promise<{ code: number; reason?: string }> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(err)}`);
  const body = typeof err.body === 'string' && err.body !== '' ? (JSON.parse(err.body) as { reason?: string }) : {};
  return { code: err.code, reason: body.reason };
}

interface RunningInformer<T extends KubernetesObject> {
  informer: Informer<T> & ObjectCache<T>;
  /** "add:NAME", "update:NAME", "delete:NAME" in the order the callbacks ran. */
  seen: string[];
  errors: unknown[];
  started: Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * An informer as the daemon must run one, around three traits of client-node 1.4.0's ListWatch:
 * - it stops for good on any error other than 410, so it is restarted after a pause;
 * - its stop() reports an AbortError through the same error callback, so a restart is scheduled only while running;
 * - stop() cannot cancel a relist in flight, which goes on to open a new watch, so the list function refuses to
 *   answer once the informer is stopped.
 */
function startInformer<T extends KubernetesObject>(
  path: string,
  list: () => Promise<{ items: T[] }>,
): RunningInformer<T> {
  let running = true;
  const guardedList = async (): Promise<{ items: T[] }> => {
    const result = running ? await list() : undefined;
    if (!running || !result) throw new Error('informer stopped');
    return result;
  };
  const informer = makeInformer<T>(kc, path, guardedList as never);
  const run: RunningInformer<T> = {
    informer,
    seen: [],
    errors: [],
    started: informer.start(),
    async stop() {
      running = false;
      await informer.stop();
    },
    start() {
      running = true;
      return informer.start();
    },
  };
  for (const verb of ['add', 'update', 'delete'] as const)
    informer.on(verb, (o) => run.seen.push(`${verb}:${o.metadata?.name}`));
  informer.on('error', (err) => {
    run.errors.push(err);
    if (running) setTimeout(() => void (running && informer.start().catch(() => undefined)), 100);
  });
  informers.push(run as unknown as RunningInformer<KubernetesObject>);
  return run;
}

const listNads = () =>
  custom.listClusterCustomObject({ group, version: 'v1', plural: 'network-attachment-definitions' });

beforeAll(async () => {
  api = await startApiServer();
});

afterAll(async () => {
  await api?.stop();
});

beforeEach(async () => {
  await api.control.reset();
  kc = loadConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  // A watch whose request was already on its way when stop() ran still opens: let it land, then end it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await api.control.restart();
});

describe('discovery', () => {
  it('answers /version, /apis and /api/v1 as kubectl expects', async () => {
    expect((await kc.makeApiClient(VersionApi).getCode()).gitVersion).toMatch(/^v1\./);
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toContain(group);
    expect((await core.getAPIResources()).resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/status', 'events']),
    );
  });
});

describe('pods', () => {
  beforeEach(async () => {
    await api.control.seed([pod('p1', 'node-a', { keep: 'k', drop: 'd' }), pod('p2', 'node-b')]);
  });

  it('gets and lists, with a spec.nodeName field selector', async () => {
    const p1 = await core.readNamespacedPod({ name: 'p1', namespace: 'default' });
    expect(p1.metadata?.uid).toBeTruthy();
    expect((await core.listNamespacedPod({ namespace: 'default' })).items).toHaveLength(2);
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a' });
    expect(onNode.items.map((p) => p.metadata?.name)).toEqual(['p1']);
    expect(await failureOf(core.readNamespacedPod({ name: 'nope', namespace: 'default' }))).toEqual({
      code: 404,
      reason: 'NotFound',
    });
    expect(await failureOf(core.createNamespacedPod({ namespace: 'default', body: pod('p1') }))).toEqual({
      code: 409,
      reason: 'AlreadyExists',
    });
  });

  it.each([
    ['merge', merge],
    ['strategic merge', strategic],
  ])('patches annotations with %s patch: null deletes a key', async (_n, options) => {
    const body = { metadata: { annotations: { drop: null, 'k8s.v1.cni.cncf.io/network-status': '[]' } } };
    const patched = await core.patchNamespacedPod({ name: 'p1', namespace: 'default', body }, options);
    expect(patched.metadata?.annotations).toEqual({ keep: 'k', 'k8s.v1.cni.cncf.io/network-status': '[]' });
  });

  it('sends a JSON patch (application/json-patch+json) when no Content-Type is chosen', async () => {
    const body = [{ op: 'add', path: '/metadata/annotations/a~1b', value: 'v' }];
    const patched = await core.patchNamespacedPod({ name: 'p1', namespace: 'default', body });
    expect(patched.metadata?.annotations?.['a/b']).toBe('v');
    const [last] = (await api.control.requests()).slice(-1);
    expect(last?.contentType).toBe('application/json-patch+json');
  });

  it('answers 409 Conflict to an update with a stale resourceVersion, on the pod and on pods/status', async () => {
    const stale = await core.readNamespacedPod({ name: 'p1', namespace: 'default' });
    const fresh = await core.replaceNamespacedPodStatus({
      name: 'p1',
      namespace: 'default',
      body: { ...stale, status: { phase: 'Running' } },
    });
    expect(Number(fresh.metadata?.resourceVersion)).toBeGreaterThan(Number(stale.metadata?.resourceVersion));
    expect(fresh.status?.phase).toBe('Running');
    expect(await failureOf(core.replaceNamespacedPodStatus({ name: 'p1', namespace: 'default', body: stale }))).toEqual(
      { code: 409, reason: 'Conflict' },
    );
    expect(await failureOf(core.replaceNamespacedPod({ name: 'p1', namespace: 'default', body: stale }))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
    const body = { metadata: { resourceVersion: stale.metadata?.resourceVersion, annotations: { x: 'y' } } };
    expect(await failureOf(core.patchNamespacedPod({ name: 'p1', namespace: 'default', body }, merge))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
  });

  it('informs about the pods of one node only, via the field selector in the path', async () => {
    const list = () => core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a' });
    const { informer, seen, started } = startInformer(
      `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=node-a')}`,
      list,
    );
    await started;
    await api.control.waitForWatches(1);
    expect(informer.list().map((p) => p.metadata?.name)).toEqual(['p1']);
    await core.createNamespacedPod({ namespace: 'default', body: pod('p3', 'node-b') });
    await core.patchNamespacedPod({ name: 'p2', namespace: 'default', body: { spec: { nodeName: 'node-a' } } }, merge);
    await core.deleteNamespacedPod({ name: 'p1', namespace: 'default' });
    await waitFor('p2 added, p1 deleted', () => seen.includes('add:p2') && seen.includes('delete:p1'));
    expect(seen).toEqual(['add:p1', 'add:p2', 'delete:p1']);
    const counters = await api.control.counters();
    expect(counters['WATCH /api/v1/pods']).toBe(1);
  });
});

describe('network-attachment-definitions', () => {
  it('creates, gets, lists, replaces and deletes, namespaced and across namespaces', async () => {
    const args = { group, version: 'v1', namespace: 'ns1', plural: 'network-attachment-definitions' };
    await custom.createNamespacedCustomObject({ ...args, body: nad('a', 'ns1') });
    await api.control.seed(nad('b', 'ns2'));
    const a = (await custom.getNamespacedCustomObject({ ...args, name: 'a' })) as ReturnType<typeof nad>;
    expect(a.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect((await custom.listNamespacedCustomObject(args)).items).toHaveLength(1);
    expect((await listNads()).items).toHaveLength(2);
    const replaced = await custom.replaceNamespacedCustomObject({
      ...args,
      name: 'a',
      body: { ...a, spec: { config: '{}' } },
    });
    expect(replaced.spec.config).toBe('{}');
    expect(await failureOf(custom.replaceNamespacedCustomObject({ ...args, name: 'a', body: a }))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
    await custom.deleteNamespacedCustomObject({ ...args, name: 'a' });
    expect(await failureOf(custom.getNamespacedCustomObject({ ...args, name: 'a' }))).toEqual({
      code: 404,
      reason: 'NotFound',
    });
  });

  it('lists 10,000 NADs in one call and in pages', async () => {
    await api.control.seed(Array.from({ length: 10_000 }, (_, i) => nad(`n${i}`, `ns${i % 50}`)));
    const started = Date.now();
    expect((await listNads()).items).toHaveLength(10_000);
    expect(Date.now() - started).toBeLessThan(5000);
    let pages = 0;
    let total = 0;
    let token: string | undefined;
    do {
      const page = await custom.listClusterCustomObject({
        group,
        version: 'v1',
        plural: 'network-attachment-definitions',
        limit: 3000,
        _continue: token,
      });
      pages++;
      total += page.items.length;
      token = page.metadata?.continue;
    } while (token);
    expect({ pages, total }).toEqual({ pages: 4, total: 10_000 });
  });

  it('informs about a NAD created, changed and deleted after the informer started', async () => {
    await api.control.seed(nad('first'));
    const { informer, seen, started } = startInformer(nadPath, listNads);
    await started;
    await api.control.waitForWatches(1);
    const args = { group, version: 'v1', namespace: 'default', plural: 'network-attachment-definitions' };
    await custom.createNamespacedCustomObject({ ...args, body: nad('later') });
    await custom.patchNamespacedCustomObject(
      { ...args, name: 'later', body: { metadata: { labels: { x: 'y' } } } },
      merge,
    );
    await custom.deleteNamespacedCustomObject({ ...args, name: 'first' });
    await waitFor('three events', () => seen.length >= 4);
    expect(seen).toEqual(['add:first', 'add:later', 'update:later', 'delete:first']);
    expect(informer.get('later', 'default')?.metadata?.labels).toEqual({ x: 'y' });
  });
});

describe('410 Gone', () => {
  it.each(['event', 'http'] as const)(
    'makes an informer relist when its resourceVersion was compacted (410 as %s)',
    async (goneAs) => {
      await api.control.configure({ goneAs });
      await api.control.seed([nad('stays'), nad('goes')]);
      const run = startInformer(nadPath, listNads);
      await run.started;
      await api.control.waitForWatches(1);
      await run.stop();
      await api.control.seed(nad('new'));
      await api.control.deleteObject('network-attachment-definitions', 'default', 'goes');
      await api.control.compact();
      await api.control.resetCounters();
      await run.start();
      await waitFor('relist', () => run.seen.includes('add:new') && run.seen.includes('delete:goes'));
      await api.control.waitForWatches(1);
      // stop() itself reported an AbortError; the 410 did not reach the error callback.
      expect(run.errors.map((e) => (e as Error).name)).toEqual(['AbortError']);
      const counters = await api.control.counters();
      expect(counters[`GET ${nadPath}`]).toBe(1);
      expect(counters[`WATCH ${nadPath}`]).toBe(2);
    },
  );

  it('is an ERROR event with a Status of code 410 in a raw watch', async () => {
    const before = (await api.control.state()).resourceVersion;
    await api.control.compact();
    const events: { type: string; code?: number; reason?: string }[] = [];
    const done = new Promise<unknown>((resolve) => {
      void new Watch(kc).watch(
        nadPath,
        { resourceVersion: String(before) },
        (type, obj: { code?: number; reason?: string }) => {
          events.push({ type, code: obj.code, reason: obj.reason });
        },
        resolve,
      );
    });
    expect(await done).toBeNull();
    expect(events).toEqual([{ type: 'ERROR', code: 410, reason: 'Expired' }]);
  });
});

describe('authentication', () => {
  it('accepts only the current tokens, read again on every request', async () => {
    const oldCore = core;
    await oldCore.listNamespacedPod({ namespace: 'default' });
    api.rotateTokens(['rotated-token']);
    expect(await failureOf(oldCore.listNamespacedPod({ namespace: 'default' }))).toEqual({
      code: 401,
      reason: undefined,
    });
    const newCore = loadConfig().makeApiClient(CoreV1Api);
    expect((await newCore.listNamespacedPod({ namespace: 'default' })).items).toEqual([]);
    api.rotateTokens(['rotated-token', 'next-token']);
    const next = loadConfig(api.writeKubeconfig({ token: 'next-token', name: 'next' })).makeApiClient(CoreV1Api);
    await expect(next.listNamespacedPod({ namespace: 'default' })).resolves.toBeDefined();
    await expect(newCore.listNamespacedPod({ namespace: 'default' })).resolves.toBeDefined();
  });
});

describe('faults', () => {
  beforeEach(async () => {
    await api.control.seed(pod('p1', 'node-a'));
  });
  const read = () => core.readNamespacedPod({ name: 'p1', namespace: 'default' });

  it('fails the next N matching requests with a 5xx Status', async () => {
    await api.control.setFaults({ failNext: { count: 2, code: 503, verb: 'GET', path: '/pods/p1' } });
    expect(await failureOf(read())).toEqual({ code: 503, reason: 'ServiceUnavailable' });
    expect(await failureOf(read())).toEqual({ code: 503, reason: 'ServiceUnavailable' });
    await expect(read()).resolves.toBeDefined();
  });

  it('drops connections, adds latency, and has outages of three kinds', async () => {
    await api.control.setFaults({ dropNext: { count: 1 } });
    await expect(read()).rejects.toMatchObject({ name: 'FetchError' });
    await api.control.setFaults({ latencyMs: 300 });
    const t0 = Date.now();
    await read();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await api.control.setFaults({ latencyMs: 0, outage: 'status' });
    expect(await failureOf(read())).toEqual({ code: 503, reason: 'ServiceUnavailable' });
    await api.control.setFaults({ outage: 'refuse' });
    await expect(read()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await api.control.setFaults({ outage: 'reset' });
    await expect(read()).rejects.toMatchObject({ name: 'FetchError' });
    await api.control.clearFaults();
    await expect(read()).resolves.toBeDefined();
  });

  it('lets an informer that restarts on error recover from an outage and a restart', async () => {
    const { seen, errors, started } = startInformer(nadPath, listNads);
    await started;
    await api.control.waitForWatches(1);
    await api.control.setFaults({ outage: 'refuse' });
    await api.control.seed(nad('during-outage'));
    await waitFor('a watch error', () => errors.length > 0);
    await api.control.clearFaults();
    await waitFor('the NAD created during the outage', () => seen.includes('add:during-outage'));
    await api.control.waitForWatches(1);
    await api.control.restart({ compact: true });
    await api.control.seed(nad('after-restart'));
    await waitFor('the NAD created after the restart', () => seen.includes('add:after-restart'));
  });
});

describe('counters and events', () => {
  it('counts requests by verb and path, watches apart', async () => {
    await api.control.seed(pod('p1', 'node-a'));
    const run = startInformer(nadPath, listNads);
    await run.started;
    await api.control.waitForWatches(1);
    await api.control.resetCounters();
    await core.readNamespacedPod({ name: 'p1', namespace: 'default' });
    await core.patchNamespacedPod(
      { name: 'p1', namespace: 'default', body: { metadata: { annotations: { a: 'b' } } } },
      merge,
    );
    // A restart without compaction: the informer resumes its watch from its resourceVersion, without a relist.
    await api.control.restart();
    await api.control.waitForWatches(1);
    expect(await api.control.counters()).toEqual({
      'GET /api/v1/namespaces/default/pods/p1': 1,
      'PATCH /api/v1/namespaces/default/pods/p1': 1,
      [`WATCH ${nadPath}`]: 1,
    });
  });

  it('creates and lists core/v1 Events', async () => {
    const event = {
      metadata: { generateName: 'p1.' },
      reason: 'AddedInterface',
      message: 'Add net1 [10.1.1.2/24] from default/a',
      type: 'Normal',
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p1' },
    };
    const created = await core.createNamespacedEvent({ namespace: 'default', body: event });
    expect(created.metadata.name).toMatch(/^p1\./);
    const events = await core.listNamespacedEvent({ namespace: 'default' });
    expect(events.items.map((e) => e.reason)).toEqual(['AddedInterface']);
  });
});
