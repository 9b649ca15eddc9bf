// Thin Kubernetes mode: no daemon; the executable reads the pod and NADs from the API server itself and
// writes the status. DEL still needs no API server.
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { bridge, hostLocal } from '../support/delegates.js';
import { cniEnv, leases, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';

const lab = new NetnsLab();
const tmp = new TempDir();
const dir = tmp.sub('thin');
let node: string;
let api: ApiServer;

beforeAll(async () => {
  node = lab.node();
  api = await startApiServer({ netns: node });
  await api.control.seed([
    {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'mv', namespace: 'default' },
      spec: {
        config: JSON.stringify({
          cniVersion: '1.0.0',
          type: 'macvlan',
          master: 'mvm0',
          ipam: hostLocal(dir, '192.168.80.0/24'),
        }),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'p1',
        namespace: 'default',
        uid: 'uid-p1',
        annotations: { 'k8s.v1.cni.cncf.io/networks': 'mv' },
      },
      spec: { nodeName: 'n', containers: [] },
    },
  ]);
});

afterAll(async () => {
  await api?.stop();
  lab.cleanup();
  tmp.remove();
});

const run = (command: string, pod: string) =>
  runBraid({
    node,
    stdin: {
      cniVersion: '1.1.0',
      name: 'braid',
      type: 'braid',
      kubeconfig: api.kubeconfigPath,
      cacheDir: join(dir, 'cache'),
      binDir: '/usr/lib/cni',
      delegates: [bridge('1.0.0', dir)],
    },
    env: cniEnv({
      command,
      containerId: 't1',
      netns: pod,
      ifname: 'eth0',
      args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1;K8S_POD_UID=uid-p1',
    }),
  });

describe('thin Kubernetes mode', () => {
  it('ADD reads the pod and its NAD and writes the status; DEL works with the API server down', async () => {
    const pod = lab.pod();
    await api.control.resetCounters();
    const add = await run('ADD', pod);
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    expect(
      podLinks(pod)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['eth0', 'lo', 'net1']);
    const counters = await api.control.counters();
    expect(counters['GET /api/v1/namespaces/default/pods/p1']).toBe(1);
    expect(counters['GET /apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/mv']).toBe(1);
    expect(counters['PATCH /api/v1/namespaces/default/pods/p1']).toBe(1);

    await api.control.setFaults({ outage: 'refuse' });
    try {
      expect((await run('DEL', pod)).exitCode).toBe(0);
    } finally {
      await api.control.clearFaults();
    }
    expect(leases(join(dir, 'ipam'), 'mv')).toEqual([]);
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
  });
});
