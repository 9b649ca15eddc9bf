// braid's Reflector against the stand-in, with real timers: lists ask for resourceVersion=0, bookmarks are taken,
// a watch the server times out is resumed from the last resourceVersion (no relist), a restart's 403 window is
// ridden out without a relist, and only a 410 relists.
import pino from 'pino';
import { ApiClient } from '../../src/k8s/api.js';
import { loadKubeConfig } from '../../src/k8s/kubeconfig.js';
import { Reflector } from '../../src/k8s/reflector.js';
import { keyOf, trimPod, type CachedPod } from '../../src/k8s/trim.js';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { eventually, sleep } from '../support/wait.js';

const PODS = '/api/v1/pods';
const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: 'node-a', containers: [] },
});
const event = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
  reason: 'Other',
});

let api: ApiServer;
let reflector: Reflector<CachedPod> | undefined;

function start(watchTimeoutSeconds?: number): Reflector<CachedPod> {
  const client = new ApiClient(() => loadKubeConfig(api.kubeconfigPath));
  reflector = new Reflector<CachedPod>({
    api: client,
    path: PODS,
    query: { fieldSelector: 'spec.nodeName=node-a' },
    trim: (o) => trimPod(o as object),
    key: keyOf,
    log: pino({ level: 'silent' }),
    ...(watchTimeoutSeconds ? { watchTimeoutSeconds } : {}),
  });
  void reflector.start();
  return reflector;
}

/** The resourceVersion each WATCH of the pods asked for, in order. */
const watchVersions = async () =>
  (await api.control.requests())
    .filter((r) => r.verb === 'WATCH')
    .map((r) => new URLSearchParams(r.query).get('resourceVersion'));

beforeAll(async () => {
  api = await startApiServer();
});

afterAll(async () => {
  await api?.stop();
});

beforeEach(async () => {
  await api.control.reset();
  await api.control.seed(pod('p1'));
});

afterEach(async () => {
  reflector?.stop();
  reflector = undefined;
  await sleep(100);
  await api.control.restart();
});

describe('Reflector', () => {
  it('lists with resourceVersion=0 and re-watches from the last resourceVersion when the server times its watch out', async () => {
    const r = start(1);
    await api.control.waitForWatches(1);
    expect([...r.items.keys()]).toEqual(['default/p1']);
    await sleep(2600); // two timeouts of 1 s
    await api.control.seed(pod('p2'));
    await eventually(async () => r.get('default/p2'), 'p2 in the cache', 5000, 20);
    expect(await api.control.lists()).toEqual({ [PODS]: { rv0: 1, unset: 0, specific: 0, continued: 0 } });
    const versions = await watchVersions();
    expect(versions.length).toBeGreaterThanOrEqual(3);
    // every watch resumes where the last left off; the last bookmark (sent as each watch times out) says where
    expect(versions.every((v) => v !== null && /^\d+$/.test(v) && v !== '0')).toBe(true);
    expect(r.bookmarks).toBeGreaterThanOrEqual(2);
  });

  it('takes bookmarks: the next watch starts from the bookmark, past changes it does not select', async () => {
    const r = start();
    await api.control.waitForWatches(1);
    await api.control.seed(event('e1')); // moves the resourceVersion; the pods watch sees nothing of it
    const rv = String((await api.control.state()).resourceVersion);
    await api.control.resetCounters();
    expect(await api.control.bookmark()).toEqual({ sent: 1 });
    await eventually(async () => r.bookmarks === 1, 'the bookmark to be taken', 5000, 20);
    await api.control.restart(); // ends the watch cleanly
    await api.control.waitForWatches(1);
    expect(await watchVersions()).toEqual([rv]);
    expect(await api.control.lists()).toEqual({});
  });

  it('rides out a restart with a 403 window by watching again from where it was, not by relisting', async () => {
    const r = start();
    await api.control.waitForWatches(1);
    await api.control.resetCounters();
    await api.control.restart({ abrupt: true, rbacWarmup: 600 });
    await api.control.seed(pod('p3'));
    await eventually(async () => r.get('default/p3'), 'p3 after the window', 10_000, 20);
    const watches = (await api.control.requests()).filter((q) => q.verb === 'WATCH');
    expect(watches.some((q) => q.code === 403)).toBe(true);
    expect(await api.control.lists()).toEqual({});
  });

  it('relists (with resourceVersion=0) only on 410 Gone', async () => {
    const r = start();
    await api.control.waitForWatches(1);
    await api.control.resetCounters();
    await api.control.restart({ compact: true });
    await api.control.seed(pod('p4'));
    await eventually(async () => r.get('default/p4'), 'p4 after the relist', 10_000, 20);
    expect(await api.control.lists()).toEqual({ [PODS]: { rv0: 1, unset: 0, specific: 0, continued: 0 } });
  });
});
