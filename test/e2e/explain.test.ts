// `braid explain`: the plan as JSON (or a table) with the exact delegate configs; nothing attached.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nadYaml, podYaml, writeStore } from '../support/local-store.js';
import { BRAID_BIN, TempDir } from '../support/netns.js';

const tmp = new TempDir();
afterAll(() => tmp.remove());

function setup(annotation: string) {
  const dir = tmp.sub(annotation.replace(/\W/g, '_'));
  const store = writeStore(join(dir, 'store'), {
    'nads.yaml': nadYaml('telco', 'data', {
      cniVersion: '0.4.0',
      type: 'macvlan',
      master: 'eth1',
      capabilities: { ips: true },
      ipam: { type: 'static' },
    }),
    'pod.yaml': podYaml('telco', 'upf', { 'k8s.v1.cni.cncf.io/networks': annotation }),
  });
  const config = join(dir, 'braid.json');
  writeFileSync(
    config,
    JSON.stringify({
      cniVersion: '1.1.0',
      name: 'braid',
      type: 'braid',
      cacheDir: join(dir, 'cache'),
      delegates: [{ cniVersion: '1.0.0', name: 'mgmt', type: 'bridge' }],
    }),
  );
  return (...extra: string[]) =>
    execa(
      BRAID_BIN,
      ['explain', '--local-store', store, '--namespace', 'telco', '--pod', 'upf', '--config', config, ...extra],
      { reject: false },
    );
}

describe('braid explain', () => {
  it('prints every attachment with its selection and the exact config the delegate receives', async () => {
    const out = await setup('[{"name":"data","interface":"data0","ips":["10.1.1.5/24"]}]')();
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      attachments: [
        {
          name: 'mgmt',
          interface: 'eth0',
          default: true,
          config: { cniVersion: '1.0.0', name: 'mgmt', type: 'bridge' },
          cniArgs:
            'IgnoreUnknown=1;K8S_POD_NAMESPACE=telco;K8S_POD_NAME=upf;K8S_POD_UID=00000000-0000-4000-8000-00000000000f',
        },
        {
          name: 'telco/data',
          interface: 'data0',
          default: false,
          selection: { name: 'data', namespace: 'telco', interface: 'data0', ips: ['10.1.1.5/24'] },
          delivery: { interface: 'the CNI_IFNAME of its delegate', ips: 'runtimeConfig.ips' },
          config: {
            cniVersion: '0.4.0',
            name: 'data',
            type: 'macvlan',
            master: 'eth1',
            capabilities: { ips: true },
            ipam: { type: 'static' },
            runtimeConfig: { ips: ['10.1.1.5/24'] },
          },
          cniArgs:
            'IgnoreUnknown=1;K8S_POD_NAMESPACE=telco;K8S_POD_NAME=upf;K8S_POD_UID=00000000-0000-4000-8000-00000000000f',
        },
      ],
      warnings: [],
    });
  });

  it('an unknown selection key is read past, and shown as the warning ADD would give', async () => {
    const run = setup('[{"name":"data","interfce":"data0","ips":["10.1.1.5/24"]}]');
    const json = await run();
    expect(json.exitCode).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan.attachments.map((a: { interface: string }) => a.interface)).toEqual(['eth0', 'net1']);
    expect(plan.warnings).toEqual(['network 1 ("data"): unknown key "interfce" ignored; did you mean "interface"?']);

    const text = await run('--output', 'text');
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/net1\s+telco\/data\s+macvlan/);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(
      'warning: network 1 ("data"): unknown key "interfce" ignored; did you mean "interface"?',
    );
  });

  it('prints a table with --output text', async () => {
    const out = await setup('data@data0')('--output', 'text');
    expect(out.exitCode).toBe(0);
    expect(out.stdout.split('\n')[0]).toMatch(/^INTERFACE\s+NETWORK\s+DEFAULT\s+PLUGINS/);
    expect(out.stdout).toMatch(/data0\s+telco\/data\s+macvlan\s+0\.4\.0/);
  });

  it('an invalid annotation exits non-zero with the message ADD would give', async () => {
    const out = await setup('data@bad/name/x')();
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^braid explain: pod telco\/upf: annotation k8s.v1.cni.cncf.io\/networks: network 1/);
  });
});
