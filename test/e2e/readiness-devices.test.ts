// readinessIndicatorFile (ADD waits, bounded; DEL never waits) and device-plugin networks (the kubelet's
// allocation injected as deviceID, the device-info file reported in network-status).
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nadYaml, podYaml, writeStore } from '../support/local-store.js';
import { runBraid, TempDir } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

const tmp = new TempDir();
afterAll(() => tmp.remove());

function setup(name: string, extra: Record<string, unknown> = {}) {
  const dir = tmp.sub(name);
  const plugins = new TestPlugins(dir, ['main', 'vf']);
  const config = {
    cniVersion: '1.1.0',
    name: 'braid',
    type: 'braid',
    cacheDir: join(dir, 'cache'),
    binDir: plugins.bin,
    delegates: [{ cniVersion: '1.0.0', name: 'main-net', type: 'main' }],
    ...extra,
  };
  const run = (command: string, args = 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1;K8S_POD_UID=uid-1') =>
    runBraid({
      stdin: config,
      env: {
        ...plugins.env,
        CNI_COMMAND: command,
        CNI_CONTAINERID: 'r1',
        CNI_NETNS: '/var/run/netns/none',
        CNI_IFNAME: 'eth0',
        CNI_PATH: plugins.bin,
        CNI_ARGS: args,
      },
    });
  return { dir, plugins, run };
}

describe('readinessIndicatorFile', () => {
  it('ADD waits for it, bounded, then fails with code 11 saying the default network is not ready', async () => {
    const f = setup('notready', { readinessIndicatorFile: '/nonexistent/braid-ready', readinessTimeoutSeconds: 0.5 });
    const t0 = Date.now();
    const add = await f.run('ADD');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(add.json).toMatchObject({ code: 11 });
    expect(add.json.msg).toContain(
      'the default network is not ready: /nonexistent/braid-ready did not appear within 0.5s',
    );
    expect(f.plugins.order()).toEqual([]);
  });

  it('ADD goes ahead once the file appears', async () => {
    const ready = join(tmp.sub('appears-flag'), 'ready');
    const f = setup('appears', { readinessIndicatorFile: ready, readinessTimeoutSeconds: 10 });
    setTimeout(() => writeFileSync(ready, ''), 700);
    const add = await f.run('ADD');
    expect(add.exitCode).toBe(0);
    expect(f.plugins.order()).toEqual(['main ADD']);
  });

  it('DEL never waits', async () => {
    const f = setup('del', { readinessIndicatorFile: '/nonexistent/braid-ready', readinessTimeoutSeconds: 30 });
    const t0 = Date.now();
    expect((await f.run('DEL')).exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000); // far below the 30 s bound: DEL did not wait for the file
    expect(f.plugins.order()).toEqual(['main DEL']);
  });
});

describe('device-plugin networks', () => {
  it('inject the allocated device ID and report the device-info file in network-status', async () => {
    const base = setup('devices');
    const devinfo = join(base.dir, 'devinfo');
    mkdirSync(devinfo);
    const checkpoint = join(base.dir, 'kubelet_internal_checkpoint');
    writeFileSync(
      checkpoint,
      JSON.stringify({
        Data: {
          PodDeviceEntries: [
            {
              PodUID: 'uid-1',
              ContainerName: 'c',
              ResourceName: 'example.com/vf',
              DeviceIDs: { '-1': ['0000:03:00.2'] },
            },
          ],
        },
      }),
    );
    const info = { type: 'pci', version: '1.1.0', pci: { 'pci-address': '0000:03:00.2' } };
    writeFileSync(join(devinfo, 'example.com-vf-0000:03:00.2-device.json'), JSON.stringify(info));
    const store = writeStore(join(base.dir, 'store'), {
      'nad.yaml': nadYaml(
        'default',
        'vf-net',
        { cniVersion: '1.0.0', type: 'vf', capabilities: { deviceID: true } },
        { 'k8s.v1.cni.cncf.io/resourceName': 'example.com/vf' },
      ),
      'pod.yaml': podYaml('default', 'p1', { 'k8s.v1.cni.cncf.io/networks': 'vf-net' }),
    });
    const f = setup('devices2', { localStore: store, deviceCheckpointFile: checkpoint, deviceInfoDir: devinfo });
    const add = await f.run('ADD');
    expect(add.exitCode).toBe(0);
    const vf = JSON.parse(f.plugins.calls().find((c) => c.plugin === 'vf')!.stdin);
    expect(vf).toMatchObject({
      deviceID: '0000:03:00.2',
      pciBusID: '0000:03:00.2',
      runtimeConfig: { deviceID: '0000:03:00.2' },
    });
    const status = JSON.parse(readFileSync(join(store, 'status', 'default', 'p1.json'), 'utf8'));
    expect(status[1]).toMatchObject({ name: 'default/vf-net', interface: 'net1', 'device-info': info });
  });
});
