// `braid explain --kubeconfig`: the plan a pod of a live cluster (the API-server stand-in) gets, made by the same
// planner and printed in the same format as from a local store, with what its network-status says and every
// network ADD would fail on (isolation, missing NADs with "did you mean").
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BRAID_BIN, TempDir } from '../support/netns.js';
import {
  GOOD_NADS,
  NETWORKS,
  PODS,
  startOperatorCluster,
  UPF_STATUS,
  type OperatorCluster,
} from '../support/operator-cluster.js';

const tmp = new TempDir();
let cluster: OperatorCluster;
let kubeconfig: string;
let nodeConfig: string;

const MIXED = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'mixed',
    namespace: 'telco',
    uid: 'uid-telco-mixed',
    annotations: { [NETWORKS]: 'other/shared, sginal, data@data0' },
  },
  spec: { containers: [] },
};

beforeAll(async () => {
  cluster = await startOperatorCluster({ withBad: false });
  await cluster.api.control.seed(MIXED);
  kubeconfig = cluster.kubeconfig('default', tmp.sub('kc'));
  nodeConfig = join(tmp.sub('node'), '00-braid.conflist');
  writeFileSync(
    nodeConfig,
    JSON.stringify({
      cniVersion: '1.1.0',
      name: 'braid-net',
      plugins: [
        {
          type: 'braid',
          namespaceIsolation: true,
          cacheDir: tmp.sub('cache'),
          delegates: [{ cniVersion: '1.0.0', name: 'cbr0', type: 'bridge', bridge: 'cni0' }],
        },
      ],
    }),
  );
});

afterAll(async () => {
  await cluster?.stop();
  tmp.remove();
});

const explain = (...args: string[]) => execa(BRAID_BIN, ['explain', ...args], { reject: false });

describe('braid explain --kubeconfig', () => {
  it('the same plan, in the same format, as from a local store of the same manifests; plus the network-status', async () => {
    const store = tmp.sub('store');
    writeFileSync(
      join(store, 'all.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...GOOD_NADS, ...PODS] }),
    );
    const common = ['--namespace', 'telco', '--pod', 'upf-0', '--config', nodeConfig];
    const [live, local] = await Promise.all([
      explain('--kubeconfig', kubeconfig, ...common),
      explain('--local-store', store, ...common),
    ]);
    expect([live.exitCode, live.stderr]).toEqual([0, '']);
    expect(local.exitCode).toBe(0);
    const { networkStatus, ...plan } = JSON.parse(live.stdout);
    expect(plan).toEqual(JSON.parse(local.stdout));
    expect(networkStatus).toEqual(UPF_STATUS);
    expect(plan.attachments[0]).toEqual({
      name: 'cbr0',
      interface: 'eth0',
      default: true,
      config: { cniVersion: '1.0.0', name: 'cbr0', type: 'bridge', bridge: 'cni0' },
      cniArgs: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=telco;K8S_POD_NAME=upf-0;K8S_POD_UID=uid-telco-upf-0',
    });
  });

  it('every network ADD would fail on: isolation and a missing NAD with "did you mean"; exit 1', async () => {
    const out = await explain(
      '--kubeconfig',
      kubeconfig,
      '-n',
      'telco',
      '--pod',
      'mixed',
      '--config',
      nodeConfig,
      '-o',
      'json',
    );
    expect(out.exitCode).toBe(1);
    const plan = JSON.parse(out.stdout);
    expect(plan.errors).toEqual([
      expect.stringMatching(
        /^pod telco\/mixed: network other\/shared: namespaceIsolation allows pods in "telco" to use networks only from "telco"/,
      ),
      'pod telco/mixed: network telco/sginal: NetworkAttachmentDefinition not found; did you mean "signal"?',
    ]);
    expect(
      plan.attachments.map((a: { name: string; interface: string; unavailable?: string }) => [
        a.name,
        a.interface,
        a.unavailable,
      ]),
    ).toEqual([
      ['cbr0', 'eth0', undefined],
      ['other/shared', 'net1', undefined],
      ['telco/sginal', 'net2', 'NetworkAttachmentDefinition telco/sginal is missing'],
      ['telco/data', 'data0', undefined],
    ]);
    expect(plan.networkStatus).toBeUndefined();

    const text = await explain(
      '--kubeconfig',
      kubeconfig,
      '-n',
      'telco',
      '--pod',
      'mixed',
      '--config',
      nodeConfig,
      '--output',
      'text',
    );
    expect(text.exitCode).toBe(1);
    expect(text.stdout.trimEnd().split('\n').slice(-2)).toEqual(plan.errors.map((e: string) => `error: ${e}`));
  });

  it("the namespace is the context's when not given; without --config the primary network is named as not known here", async () => {
    const ctx = cluster.kubeconfig('telco', tmp.sub('kc-telco'));
    const out = await explain('--kubeconfig', ctx, '--pod', 'upf-0', '-o', 'yaml');
    expect(out.exitCode).toBe(0);
    expect(parseYaml(out.stdout).attachments[0]).toEqual({
      name: 'cbr0',
      interface: 'eth0',
      default: true,
      note: "a config file on the node: give --config with the node's 00-braid.conflist to show it",
    });
  });

  it('needs exactly one of --local-store, --kubeconfig and --socket', async () => {
    for (const args of [
      ['--pod', 'x'],
      ['--pod', 'x', '--local-store', tmp.sub('s2'), '--kubeconfig', kubeconfig],
    ]) {
      const out = await explain(...args);
      expect([out.exitCode, out.stderr]).toEqual([
        1,
        'braid explain: give one of --local-store, --kubeconfig and --socket',
      ]);
    }
  });
});
