// What a real kube-apiserver does around restarts and storage outages, as the stand-in plays it, driven with the real
// @kubernetes/client-node 1.4.0: the 403 window of a cold RBAC cache after a restart, writes held and answered 504
// while etcd is down, watch bookmarks, server-side watch timeouts, and LISTs counted by their resourceVersion.
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
  type V1Pod,
} from '@kubernetes/client-node';
import { ApiClient } from '../../src/k8s/api.js';
import { loadKubeConfig } from '../../src/k8s/kubeconfig.js';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { eventually, sleep } from '../support/wait.js';

const USER = 'system:serviceaccount:kube-system:braid';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const pod = (name: string, nodeName = 'node-a'): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'pause' }] },
});
const annotate = (name: string, annotations: Record<string, string>) =>
  core.patchNamespacedPod({ name, namespace: 'default', body: { metadata: { annotations } } }, merge);

let api: ApiServer;
let kc: KubeConfig;
let core: CoreV1Api;

/** The HTTP code and the Status of a failed call (client-node keeps the body as text). */
async function failure(call: Promise<unknown>): Promise<{ code: number; reason?: string; message?: string }> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(err)}`);
  const body = JSON.parse(err.body as string) as { reason?: string; message?: string };
  return { code: err.code, reason: body.reason, message: body.message };
}

interface RawWatch {
  events: Array<{ type: string; object: { kind?: string; apiVersion?: string; metadata?: Record<string, unknown> } }>;
  /** Resolves with what done() got (null: the server ended the stream) and when. */
  ended: Promise<{ err: unknown; at: number }>;
  stop: () => void;
}

async function watch(path: string, query: Record<string, string | number | boolean>): Promise<RawWatch> {
  const events: RawWatch['events'] = [];
  let done!: (v: { err: unknown; at: number }) => void;
  const ended = new Promise<{ err: unknown; at: number }>((r) => (done = r));
  const ac = await new Watch(kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (err) => done({ err, at: Date.now() }),
  );
  return { events, ended, stop: () => ac.abort() };
}

const bookmarks = (w: RawWatch) => w.events.filter((e) => e.type === 'BOOKMARK');

beforeAll(async () => {
  api = await startApiServer();
});

afterAll(async () => {
  await api?.stop();
});

beforeEach(async () => {
  await api.control.reset();
  await api.control.seed([pod('p1'), pod('p2', 'node-b')]);
  kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
});

describe('a restart: the RBAC warm-up window', () => {
  it("answers every authenticated request 403 Forbidden with the authorizer's own message, then serves again", async () => {
    await api.control.restart({ rbacWarmup: 1500 });
    expect((await api.control.state()).rbacWarming).toBe(true);
    const inDefault = `in API group "" in the namespace "default"`;
    expect(await failure(core.readNamespacedPod({ name: 'p1', namespace: 'default' }))).toEqual({
      code: 403,
      reason: 'Forbidden',
      message: `pods "p1" is forbidden: User "${USER}" cannot get resource "pods" ${inDefault}`,
    });
    expect((await failure(annotate('p1', { a: 'b' }))).message).toBe(
      `pods "p1" is forbidden: User "${USER}" cannot patch resource "pods" ${inDefault}`,
    );
    expect(
      (await failure(core.patchNamespacedPodStatus({ name: 'p1', namespace: 'default', body: {} }, merge))).message,
    ).toBe(`pods "p1" is forbidden: User "${USER}" cannot patch resource "pods/status" ${inDefault}`);
    expect((await failure(core.listPodForAllNamespaces())).message).toBe(
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" at the cluster scope`,
    );
    const nads = kc
      .makeApiClient(CustomObjectsApi)
      .listClusterCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' });
    expect((await failure(nads)).message).toBe(
      `network-attachment-definitions.k8s.cni.cncf.io is forbidden: User "${USER}" ` +
        'cannot list resource "network-attachment-definitions" in API group "k8s.cni.cncf.io" at the cluster scope',
    );
    expect((await failure(core.getAPIResources())).message).toBe(`forbidden: User "${USER}" cannot get path "/api/v1"`);
    const w = await watch('/api/v1/pods', {});
    expect(((await w.ended).err as { statusCode?: number }).statusCode).toBe(403);
    await expect(kc.makeApiClient(VersionApi).getCode()).resolves.toBeDefined(); // public paths need no authorization

    await eventually(async () => !(await api.control.state()).rbacWarming, 'the window to end', 5000, 50);
    await expect(core.readNamespacedPod({ name: 'p1', namespace: 'default' })).resolves.toBeDefined();
    expect(
      (await api.control.objects<V1Pod>('pods', 'default')).items.find((p) => p.metadata?.name === 'p1')?.metadata
        ?.annotations,
    ).toBeUndefined();
  });

  it('refuses connections for downMs, then denies for the configured window (200 ms by default), then serves', async () => {
    expect((await api.control.state()).rbacWarmupMs).toBe(200);
    const read = () => core.readNamespacedPod({ name: 'p1', namespace: 'default' });
    const restarting = api.control.restart({ downMs: 400, rbacWarmup: true });
    await sleep(150);
    await expect(read()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await restarting;
    const servingAt = Date.now();
    expect((await failure(read())).code).toBe(403);
    await eventually(() => read().then(() => true), 'a 200 again', 5000, 20);
    const window = Date.now() - servingAt;
    expect(window).toBeGreaterThanOrEqual(150);
    expect(window).toBeLessThan(1500);

    await api.control.configure({ rbacWarmupMs: 800 });
    await api.control.restart({ rbacWarmup: true });
    await sleep(400);
    expect((await failure(read())).code).toBe(403);
  });
});

describe('storage down', () => {
  it('holds writes and answers them 504 Timeout after the configured delay; cache reads and watches still work', async () => {
    const w = await watch('/api/v1/pods', { resourceVersion: String((await api.control.state()).resourceVersion) });
    await api.control.setFaults({ storageDown: { timeoutMs: 1500 } });
    const t0 = Date.now();
    const writes = await Promise.all([
      failure(annotate('p1', { a: 'b' })),
      failure(core.createNamespacedPod({ namespace: 'default', body: pod('p3') })),
      failure(core.deleteNamespacedPod({ name: 'p2', namespace: 'default' })),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1450);
    expect(Date.now() - t0).toBeLessThan(5000);
    for (const w504 of writes)
      expect(w504).toEqual({
        code: 504,
        reason: 'Timeout',
        message: 'Timeout: request did not complete within requested timeout',
      });

    const r0 = Date.now();
    // With resourceVersion=0: from the watch cache (a quorum read is held as a write is: the last case of this file).
    const cacheRead = new ApiClient(() => loadKubeConfig(api.kubeconfigPath));
    await expect(
      cacheRead.request('GET', '/api/v1/namespaces/default/pods/p1?resourceVersion=0'),
    ).resolves.toBeDefined();
    expect(
      (await core.listPodForAllNamespaces({ resourceVersion: '0' })).items.map((p) => p.metadata?.name).sort(),
    ).toEqual(['p1', 'p2']);
    expect(Date.now() - r0).toBeLessThan(1000);
    expect((await api.control.state()).watches).toBe(1);
    w.stop();
    expect(w.events).toEqual([]); // nothing was written
  });

  it('a write still held when storage comes back goes through; one whose client gave up meanwhile is not made', async () => {
    await api.control.setFaults({ storageDown: {} }); // the default: 10 s
    const held = annotate('p1', { held: 'yes' });
    // braid's own client, whose timeout cuts the request off while it is held
    const impatient = new ApiClient(() => loadKubeConfig(api.kubeconfigPath));
    const abandoned = impatient.request('PATCH', '/api/v1/namespaces/default/pods/p2', {
      body: { metadata: { annotations: { abandoned: 'yes' } } },
      contentType: 'application/merge-patch+json',
      timeoutMs: 300,
    });
    await expect(abandoned).rejects.toMatchObject({
      kind: 'connection',
      message: expect.stringMatching(/no answer within \d+ ms/),
    });
    await sleep(1200);
    await api.control.clearFaults();
    expect((await held).metadata?.annotations).toEqual({ held: 'yes' });
    await sleep(100);
    const p2 = (await api.control.objects<V1Pod>('pods', 'default')).items.find((p) => p.metadata?.name === 'p2');
    expect(p2?.metadata?.annotations).toBeUndefined();
    expect(
      (await api.control.requests())
        .filter((r) => r.verb === 'PATCH')
        .map((r) => `${r.path} ${r.code}`)
        .sort(),
    ).toEqual(['/api/v1/namespaces/default/pods/p1 200', '/api/v1/namespaces/default/pods/p2 0']);
  });
});

describe('watch bookmarks', () => {
  it('go to watches that ask for them: on demand and every bookmarkIntervalMs, with only kind, apiVersion and resourceVersion', async () => {
    const asked = await watch('/api/v1/pods', { allowWatchBookmarks: true });
    const not = await watch('/api/v1/pods', {});
    await api.control.waitForWatches(2);
    await api.control.seed({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'default' },
      reason: 'x',
    });
    const rv = String((await api.control.state()).resourceVersion);
    expect(await api.control.bookmark()).toEqual({ sent: 1 });
    await eventually(async () => bookmarks(asked).length === 1, 'the bookmark', 5000, 20);
    expect(bookmarks(asked)).toEqual([
      { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: rv } } },
    ]);

    await api.control.configure({ bookmarkIntervalMs: 150 });
    await eventually(async () => bookmarks(asked).length >= 4, 'periodic bookmarks', 5000, 20);
    asked.stop();
    not.stop();
    expect(bookmarks(not)).toEqual([]);
  });
});

describe('server-side watch timeouts', () => {
  it('end a watch after its timeoutSeconds, with a last bookmark when it takes them', async () => {
    const t0 = Date.now();
    const w = await watch('/api/v1/pods', { timeoutSeconds: 1, allowWatchBookmarks: true });
    const { err, at } = await w.ended;
    expect(err).toBeNull(); // a clean end of the stream
    expect(at - t0).toBeGreaterThanOrEqual(950);
    expect(at - t0).toBeLessThan(3000);
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
  });

  it('end a watch without timeoutSeconds after the min request timeout times 1 to 2', async () => {
    await api.control.configure({ minRequestTimeoutMs: 400 });
    const t0 = Date.now();
    const ends = await Promise.all([1, 2, 3].map(async () => (await (await watch('/api/v1/pods', {})).ended).at - t0));
    for (const ms of ends) {
      expect(ms).toBeGreaterThanOrEqual(380);
      expect(ms).toBeLessThan(1500);
    }
  });

  it('can all be timed out at once from the control API', async () => {
    const ws = await Promise.all([watch('/api/v1/pods', { allowWatchBookmarks: true }), watch('/api/v1/pods', {})]);
    await api.control.waitForWatches(2);
    expect(await api.control.expireWatches()).toEqual({ expired: 2 });
    const ended = await Promise.all(ws.map((w) => w.ended));
    expect(ended.map((e) => e.err)).toEqual([null, null]);
    expect(ws.map((w) => bookmarks(w).length)).toEqual([1, 0]);
  });
});

describe('LISTs by resourceVersion', () => {
  it('are counted by what they asked for; a continue token with a resourceVersion other than 0 is refused', async () => {
    await core.listPodForAllNamespaces({ resourceVersion: '0' });
    await core.listPodForAllNamespaces();
    await core.listPodForAllNamespaces({ resourceVersion: '3' });
    const first = await core.listPodForAllNamespaces({ resourceVersion: '0', limit: 1 });
    await core.listPodForAllNamespaces({ limit: 1, _continue: first.metadata?._continue });
    expect(
      await failure(
        core.listPodForAllNamespaces({ limit: 1, _continue: first.metadata?._continue, resourceVersion: '3' }),
      ),
    ).toEqual({
      code: 400,
      reason: 'BadRequest',
      message: 'specifying resource version is not allowed when using continue',
    });
    expect(await api.control.lists()).toEqual({ '/api/v1/pods': { rv0: 2, unset: 1, specific: 1, continued: 2 } });
    await api.control.resetCounters();
    expect(await api.control.lists()).toEqual({});
  });
});

describe('storage down: quorum reads', () => {
  it('a GET or LIST without resourceVersion must read etcd: held, then 504; with one it is served from the watch cache', async () => {
    const client = new ApiClient(() => loadKubeConfig(api.kubeconfigPath));
    const get = (query: string, timeoutMs = 5000) =>
      client.request<{ metadata?: { name?: string }; items?: unknown[] }>(
        'GET',
        `/api/v1/namespaces/default/pods/p1${query}`,
        { timeoutMs },
      );
    const rv = String((await api.control.state()).resourceVersion);
    await api.control.setFaults({ storageDown: { timeoutMs: 1500 } });
    await api.control.resetCounters();

    const r0 = Date.now();
    // Served from memory at once: reads with a resourceVersion ("0": any; a number: not older than it), discovery.
    expect((await get('?resourceVersion=0')).metadata?.name).toBe('p1');
    expect((await get(`?resourceVersion=${rv}`)).metadata?.name).toBe('p1');
    expect((await core.listPodForAllNamespaces({ resourceVersion: '0' })).items).toHaveLength(2);
    expect((await core.listNamespacedPod({ namespace: 'default', resourceVersion: rv })).items).toHaveLength(2);
    await expect(core.getAPIResources()).resolves.toBeDefined();
    expect(Date.now() - r0).toBeLessThan(1000);

    // Quorum reads: held like a write, then the same 504.
    const t0 = Date.now();
    const quorum = await Promise.all([
      failure(core.readNamespacedPod({ name: 'p1', namespace: 'default' })),
      failure(core.listPodForAllNamespaces()),
      failure(core.listNamespacedPod({ namespace: 'default', resourceVersion: '' })),
      failure(
        kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
          group: 'k8s.cni.cncf.io',
          version: 'v1',
          namespace: 'default',
          plural: 'network-attachment-definitions',
          name: 'absent',
        }),
      ),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1450);
    expect(Date.now() - t0).toBeLessThan(5000);
    for (const q of quorum)
      expect(q).toEqual({
        code: 504,
        reason: 'Timeout',
        message: 'Timeout: request did not complete within requested timeout',
      });
    // A client that gives up first sees no answer at all (braid's client cuts it off at its own bound).
    await expect(get('', 300)).rejects.toMatchObject({ kind: 'connection' });

    // Held when storage comes back: answered.
    await api.control.setFaults({ storageDown: { timeoutMs: 10_000 } });
    const held = get('');
    await sleep(500);
    await api.control.clearFaults();
    expect((await held).metadata?.name).toBe('p1');

    // serveQuorumReads: the old simplification, for a test about writes alone.
    await api.control.setFaults({ storageDown: { timeoutMs: 1500, serveQuorumReads: true } });
    const s0 = Date.now();
    expect((await get('')).metadata?.name).toBe('p1');
    expect(Date.now() - s0).toBeLessThan(1000);
    expect((await failure(annotate('p1', { still: 'held' }))).code).toBe(504);
  });
});
