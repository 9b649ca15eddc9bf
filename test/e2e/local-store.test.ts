// The main job without a cluster: pods and NADs from a directory of manifests, real plugins in real
// network namespaces, network-status written beside them, everything removed on DEL.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

const STATIC_MAC = '02:00:00:00:77:50';

function fixture(name: string, annotation: string, extraNads: string[] = []) {
  const dir = tmp.sub(name);
  const store = writeStore(join(dir, 'store'), {
    'nads.yaml': [
      nadYaml('default', 'mv-dyn', { ...macvlan('1.0.0', dir), name: 'mv-dyn' }),
      nadYaml('default', 'mv-static', {
        cniVersion: '0.4.0',
        type: 'macvlan',
        master: 'mvm0',
        mode: 'bridge',
        capabilities: { ips: true, mac: true },
        ipam: { type: 'static' },
      }),
      ...extraNads,
    ].join('---\n'),
    'pod.yaml': podYaml('default', 'p1', { 'k8s.v1.cni.cncf.io/networks': annotation }),
  });
  const node = lab.node();
  const pod = lab.pod();
  const config = (extra: Record<string, unknown> = {}) =>
    braidConfig({
      cniVersion: '1.1.0',
      cacheDir: join(dir, 'cache'),
      delegates: [bridge('1.0.0', dir)],
      extra: { localStore: store, ...extra },
    });
  const run = (command: string, extra: Record<string, unknown> = {}, containerId = `c-${name}`) =>
    runBraid({
      node,
      stdin: config(extra),
      env: cniEnv({
        command,
        containerId,
        netns: pod,
        ifname: 'eth0',
        args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
      }),
    });
  return { dir, store, node, pod, run, statusFile: join(store, 'status', 'default', 'p1.json') };
}

const ANNOTATION = JSON.stringify([
  { name: 'mv-static', ips: ['192.168.77.50/24'], mac: STATIC_MAC },
  { name: 'mv-dyn', interface: 'data0' },
]);

/** Nothing of the pod is left: only lo in its netns, no leases, no cache, no plan, no status. */
function expectClean(f: ReturnType<typeof fixture>) {
  expect(podLinks(f.pod).map((l) => l.ifname)).toEqual(['lo']);
  expect(leases(join(f.dir, 'ipam'), 'br-net')).toEqual([]);
  expect(leases(join(f.dir, 'ipam'), 'mv-dyn')).toEqual([]);
  expect(listFiles(join(f.dir, 'cache')).filter((p) => !p.startsWith('.'))).toEqual([]);
  expect(existsSync(f.statusFile)).toBe(false);
}

describe.each([true, false])('local store, parallelAttach=%s', (parallel) => {
  it('attaches eth0, net1 (static IP and MAC) and data0, records the status, and DEL removes it all', async () => {
    const f = fixture(`main-${parallel}`, ANNOTATION);
    const add = await f.run('ADD', { parallelAttach: parallel });
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    const links = Object.fromEntries(podLinks(f.pod).map((l) => [l.ifname, l]));
    expect(Object.keys(links).sort()).toEqual(['data0', 'eth0', 'lo', 'net1']);
    expect(links.eth0!.ipv4).toEqual(['10.88.10.2/24']);
    expect(links.net1).toMatchObject({ mac: STATIC_MAC, ipv4: ['192.168.77.50/24'] });
    expect(links.data0!.ipv4).toEqual(['192.168.77.100/24']);
    expect(add.json.ips).toEqual([{ interface: 2, address: '10.88.10.2/24', gateway: '10.88.10.1' }]);

    const status = JSON.parse(readFileSync(f.statusFile, 'utf8'));
    expect(status).toEqual([
      {
        name: 'br-net',
        interface: 'eth0',
        ips: ['10.88.10.2'],
        mac: links.eth0!.mac,
        default: true,
        gateway: ['10.88.10.1'],
      },
      { name: 'default/mv-static', interface: 'net1', ips: ['192.168.77.50'], mac: STATIC_MAC },
      { name: 'default/mv-dyn', interface: 'data0', ips: ['192.168.77.100'], mac: links.data0!.mac },
    ]);

    expect((await f.run('CHECK')).exitCode).toBe(0);
    const del = await f.run('DEL');
    expect(del.exitCode).toBe(0);
    expectClean(f);
    expect((await f.run('DEL')).exitCode).toBe(0);
  });
});

describe('local store: failures roll back', () => {
  it('a pod whose second network fails is rolled back completely', async () => {
    const broken = nadYaml('default', 'broken', {
      cniVersion: '1.0.0',
      type: 'macvlan',
      master: 'nosuchmaster',
      ipam: { type: 'host-local', dataDir: 'x', ranges: [[{ subnet: '10.5.0.0/24' }]] },
    });
    const f = fixture('rollback', 'mv-dyn,broken', [broken]);
    const add = await f.run('ADD');
    expect(add.exitCode).toBe(1);
    expect(add.json.msg).toMatch(/^pod default\/p1: network default\/broken \(net2\): plugin type="macvlan"/);
    expectClean(f); // macvlan's own DEL fails without its master, but its ADD failed first: nothing to keep
    expect((await f.run('DEL')).exitCode).toBe(0); // the DEL a runtime sends after a failed ADD
    expectClean(f);
  });

  it('a default-route gateway outside every attached subnet fails ADD and attaches nothing', async () => {
    const f = fixture('badgw', JSON.stringify([{ name: 'mv-dyn', 'default-route': ['10.1.2.3'] }]));
    const add = await f.run('ADD');
    expect(add.json).toMatchObject({ code: 7 });
    expect(add.json.msg).toContain('default-route gateway 10.1.2.3 is outside every attached subnet');
    expectClean(f);
  });
});

describe('local store: default-route', () => {
  it('moves the pod default route to the requested gateway and reports it in the status', async () => {
    const f = fixture('gw', JSON.stringify([{ name: 'mv-dyn', 'default-route': ['192.168.77.1'] }]));
    expect((await f.run('ADD')).exitCode).toBe(0);
    const routes = execFileSync('ip', ['-n', f.pod, '-4', 'route', 'show', 'default'], { encoding: 'utf8' }).trim();
    expect(routes).toBe('default via 192.168.77.1 dev net1');
    const status = JSON.parse(readFileSync(f.statusFile, 'utf8'));
    expect(status[0].gateway).toBeUndefined();
    expect(status[1]).toMatchObject({ interface: 'net1', gateway: ['192.168.77.1'] });
    expect((await f.run('DEL')).exitCode).toBe(0);
    expectClean(f);
  });
});
