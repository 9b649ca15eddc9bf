// DEL must release every address even when braid's own records are damaged (Multus leaks here:
// multus-cni#1087, #948), and never needs the pod or the NADs.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridge, macvlan } from '../support/delegates.js';
import { nadYaml, podYaml, writeStore } from '../support/local-store.js';
import { braidConfig, cniEnv, leases, listFiles, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';

const lab = new NetnsLab();
const tmp = new TempDir();
afterAll(() => {
  lab.cleanup();
  tmp.remove();
});

async function attached(name: string) {
  const dir = tmp.sub(name);
  const store = writeStore(join(dir, 'store'), {
    'nad.yaml': nadYaml('default', 'mv', { ...macvlan('1.0.0', dir), name: 'mv' }),
    'pod.yaml': podYaml('default', 'p1', { 'k8s.v1.cni.cncf.io/networks': 'mv' }),
  });
  const node = lab.node();
  const pod = lab.pod();
  const run = (command: string, storeDir = store) =>
    runBraid({
      node,
      stdin: braidConfig({
        cniVersion: '1.1.0',
        cacheDir: join(dir, 'cache'),
        delegates: [bridge('1.0.0', dir)],
        extra: { localStore: storeDir },
      }),
      env: cniEnv({
        command,
        containerId: 'c1',
        netns: pod,
        ifname: 'eth0',
        args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
      }),
    });
  expect((await run('ADD')).exitCode).toBe(0);
  expect(leases(join(dir, 'ipam'), 'mv')).toHaveLength(1);
  return { dir, store, pod, run, plan: join(dir, 'cache', 'plans', 'c1-eth0.json') };
}

function expectReleased(f: Awaited<ReturnType<typeof attached>>) {
  expect(podLinks(f.pod).map((l) => l.ifname)).toEqual(['lo']);
  expect(leases(join(f.dir, 'ipam'), 'br-net')).toEqual([]);
  expect(leases(join(f.dir, 'ipam'), 'mv')).toEqual([]);
  expect(listFiles(join(f.dir, 'cache'))).toEqual([]);
}

describe('DEL resilience', () => {
  it('a corrupt plan: DEL falls back to the result cache and releases every address', async () => {
    const f = await attached('corrupt');
    writeFileSync(f.plan, '{"kind":"braidPlanV1","attach'); // torn write
    expect((await f.run('DEL')).exitCode).toBe(0);
    expectReleased(f);
  });

  it('a missing plan: DEL falls back to the result cache', async () => {
    const f = await attached('missing');
    rmSync(f.plan);
    expect((await f.run('DEL')).exitCode).toBe(0);
    expectReleased(f);
  });

  it('no plan and no cache: DEL still removes the inline default network', async () => {
    const f = await attached('nothing');
    rmSync(join(f.dir, 'cache'), { recursive: true });
    expect((await f.run('DEL')).exitCode).toBe(0);
    expect(leases(join(f.dir, 'ipam'), 'br-net')).toEqual([]);
    expect(podLinks(f.pod).map((l) => l.ifname)).not.toContain('eth0');
  });

  it('no plan and no cache with a clusterNetwork file (as braid install writes): DEL still removes it', async () => {
    const dir = tmp.sub('clusterfile');
    const confFile = join(dir, '10-br.conflist');
    writeFileSync(
      confFile,
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'br-net',
        plugins: [{ ...bridge('1.0.0', dir), cniVersion: undefined, name: undefined }],
      }),
    );
    const node = lab.node();
    const pod = lab.pod();
    const run = (command: string) =>
      runBraid({
        node,
        stdin: {
          cniVersion: '1.1.0',
          name: 'braid',
          type: 'braid',
          cacheDir: join(dir, 'cache'),
          binDir: '/usr/lib/cni',
          clusterNetwork: confFile,
        },
        env: cniEnv({
          command,
          containerId: 'c1',
          netns: pod,
          ifname: 'eth0',
          args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
        }),
      });
    expect((await run('ADD')).exitCode).toBe(0);
    expect(leases(join(dir, 'ipam'), 'br-net')).toHaveLength(1);
    rmSync(join(dir, 'cache'), { recursive: true });
    expect((await run('DEL')).exitCode).toBe(0);
    expect(leases(join(dir, 'ipam'), 'br-net')).toEqual([]);
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('DEL needs neither the pod nor the NADs: the store can be gone', async () => {
    const f = await attached('nostore');
    rmSync(f.store, { recursive: true });
    expect((await f.run('DEL')).exitCode).toBe(0);
    expectReleased(f);
  });

  it('DEL after ADD is idempotent', async () => {
    const f = await attached('twice');
    expect((await f.run('DEL')).exitCode).toBe(0);
    expect((await f.run('DEL')).exitCode).toBe(0);
    expectReleased(f);
    expect(existsSync(join(f.store, 'status', 'default', 'p1.json'))).toBe(false);
  });
});
