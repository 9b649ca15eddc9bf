// The daemon's status writer (background mode) over the real API client and the stand-in: a write starts only once
// the answer that caused it has gone (the turn of the event loop that writes the reply), writes and clears of one pod
// land in the order they were made, and settled() covers what was deferred.
import { pino } from 'pino';
import { ApiClient, type RequestOpts } from '../../src/k8s/api.js';
import { loadKubeConfig } from '../../src/k8s/kubeconfig.js';
import { K8sStatusWriter, OWNER } from '../../src/k8s/status-writer.js';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';

const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const POD = { namespace: 'default', name: 'sw1', uid: 'uid-sw1' };
const ENTRY = [{ name: 'default/mv', interface: 'net1', ips: ['10.1.0.2'], default: false }];

/** The real client, noting when each request is made. */
class NotingClient extends ApiClient {
  readonly log: string[] = [];
  override request<T = unknown>(method: string, path: string, opts?: RequestOpts): Promise<T> {
    this.log.push(`${method} ${path}`);
    return super.request<T>(method, path, opts);
  }
}

let api: ApiServer;
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(async () => {
  await api?.stop();
});
beforeEach(async () => {
  await api.control.reset();
  await api.control.seed({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD.name, namespace: POD.namespace, uid: POD.uid },
    spec: { nodeName: 'n', containers: [] },
  });
});

const writerOver = (client: ApiClient) =>
  new K8sStatusWriter({
    api: client,
    log: pino({ level: 'silent' }),
    cachedPod: () => undefined,
    deadlineMs: 2000,
    background: true,
  });

const annotations = async () =>
  (await api.control.objects<{ metadata: { name: string; annotations?: Record<string, string> } }>('pods', 'default'))
    .items[0]!.metadata.annotations ?? {};

describe('the daemon status writer', () => {
  it('makes its request after the turn that answers, and settled() waits for it', async () => {
    const client = new NotingClient(() => loadKubeConfig(api.kubeconfigPath));
    const writer = writerOver(client);
    await writer.write(POD, 'c1', ENTRY);
    for (let i = 0; i < 20; i++) await Promise.resolve(); // the rest of the answer's path: microtasks only
    client.log.push('answered');
    await writer.settled();
    expect(client.log).toEqual(['answered', `PATCH /api/v1/namespaces/default/pods/${POD.name}`]);
    expect(await annotations()).toMatchObject({ [STATUS]: JSON.stringify(ENTRY), [OWNER]: 'c1' });
  });

  it("a pod's write and then its clear land in that order", async () => {
    const writer = writerOver(new ApiClient(() => loadKubeConfig(api.kubeconfigPath)));
    await writer.write(POD, 'c2', ENTRY);
    await writer.remove(POD, 'c2');
    expect(writer.inFlight).toBe(1);
    await writer.settled();
    const now = await annotations();
    expect(now[STATUS]).toBeUndefined();
    expect(now[OWNER]).toBeUndefined();
  });
});
