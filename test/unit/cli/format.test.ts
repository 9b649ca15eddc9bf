// The operator commands' pure parts: tables, -o, network-status read into rows, and the kubeconfig found as kubectl
// finds it.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigFiles, loadClusterConfig, connect } from '../../../src/cli/kubeconfig.js';
import { formatOutput, outputFormat } from '../../../src/cli/output.js';
import { networksTable, podNetworks, podsTable } from '../../../src/cli/pods.js';
import { formatTable } from '../../../src/cli/table.js';
import { validateTable } from '../../../src/cli/validate.js';

const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const pod = (name: string, annotations: Record<string, string>) => ({ namespace: 'ns', name, annotations });

describe('formatTable', () => {
  it.each<[string, string[], string[][], string, string]>([
    ['pads to the widest cell, two spaces apart', ['A', 'BB'], [['xxx', 'y']], '', 'A    BB\nxxx  y\n'],
    ['no trailing blanks', ['A', 'B'], [['x', '']], '', 'A  B\nx\n'],
    ['an empty cell shown as given', ['A', 'B'], [['', 'y']], '<none>', 'A       B\n<none>  y\n'],
    ['a header alone', ['A', 'B'], [], '', 'A  B\n'],
  ])('%s', (_, head, rows, empty, expected) => {
    expect(formatTable(head, rows, empty)).toBe(expected);
  });
});

describe('-o', () => {
  it.each([
    ['json', 'json'],
    ['yaml', 'yaml'],
    ['table', 'table'],
    ['text', 'table'],
  ])('%s is %s', (given, format) => expect(outputFormat(given)).toBe(format));

  it('refuses anything else, naming what it takes', () => {
    expect(() => outputFormat('wide')).toThrow('unknown output format "wide": use one of json, yaml, table');
  });

  it('prints the data as JSON or YAML, or the table', () => {
    const data = { a: [1, 'x'] };
    expect(formatOutput(data, 'json', () => 'T')).toBe('{\n  "a": [\n    1,\n    "x"\n  ]\n}\n');
    expect(formatOutput(data, 'yaml', () => 'T')).toBe('a:\n  - 1\n  - x\n');
    expect(formatOutput(data, 'table', () => 'T')).toBe('T');
  });
});

describe('podNetworks', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['neither annotation: not braid’s', {}, undefined],
    [
      'networks asked for, no status yet',
      { 'k8s.v1.cni.cncf.io/networks': 'a' },
      { namespace: 'ns', name: 'p', networks: [], problem: 'no network-status' },
    ],
    [
      'a status that is not JSON',
      { [STATUS]: '[{' },
      { namespace: 'ns', name: 'p', networks: [], problem: 'network-status is not JSON' },
    ],
    [
      'a status that is not a list',
      { [STATUS]: '{}' },
      { namespace: 'ns', name: 'p', networks: [], problem: 'network-status is not a list' },
    ],
    [
      'an entry without a name',
      { [STATUS]: '[{"interface":"eth0"}]' },
      { namespace: 'ns', name: 'p', networks: [], problem: 'network-status has an entry without a name' },
    ],
    [
      'entries read leniently: missing fields left out, ips only strings',
      { [STATUS]: '[{"name":"cbr0","interface":"eth0","ips":["10.0.0.2",5],"default":true},{"name":"ns/a"}]' },
      {
        namespace: 'ns',
        name: 'p',
        networks: [
          { interface: 'eth0', network: 'cbr0', ips: ['10.0.0.2'], default: true },
          { network: 'ns/a', ips: [], default: false },
        ],
      },
    ],
  ])('%s', (_, annotations, expected) => {
    expect(podNetworks(pod('p', annotations))).toEqual(expected);
  });
});

describe('pods tables', () => {
  const pods = [
    podNetworks(
      pod('upf', {
        [STATUS]: JSON.stringify([
          { name: 'cbr0', interface: 'eth0', ips: ['10.0.0.2', 'fd00::2'], mac: '0a:58:0a:00:00:02', default: true },
          { name: 'ns/data', interface: 'net1' },
        ]),
      }),
    )!,
    podNetworks(pod('new', { 'k8s.v1.cni.cncf.io/networks': 'data' }))!,
  ];

  it('one row per pod and network, <none> for what the status does not say', () => {
    expect(podsTable(pods, false)).toBe(
      [
        'POD  INTERFACE  NETWORK              IPS               MAC                DEFAULT',
        'upf  eth0       cbr0                 10.0.0.2,fd00::2  0a:58:0a:00:00:02  true',
        'upf  net1       ns/data              <none>            <none>             false',
        'new  <none>     (no network-status)  <none>            <none>             <none>',
        '',
      ].join('\n'),
    );
  });

  it('NAMESPACE first with -A', () => {
    expect(podsTable(pods, true).split('\n')[1]).toMatch(/^ns\s+upf\s+eth0\s/);
  });

  it("one pod's networks without the POD column", () => {
    expect(networksTable(pods[0]!).split('\n')[0]).toBe(
      'INTERFACE  NETWORK  IPS               MAC                DEFAULT',
    );
    expect(networksTable(pods[1]!)).toBe('(no network-status)\n');
  });
});

describe('validateTable', () => {
  it('a row per problem and warning, "ok" for a NAD without either, then the count', () => {
    const text = validateTable({
      valid: false,
      nads: [
        {
          namespace: 'ns',
          name: 'bad',
          file: 'nads.yaml',
          line: 12,
          valid: false,
          problems: [
            { field: 'spec.config.name', message: 'network name "a b" is bad' },
            { field: 'spec.config.plugins[0].type', message: 'plugin type "braid" cannot be a delegate of braid' },
          ],
          warnings: [{ field: 'spec.config.capabilities.ip', message: 'did you mean "ips"?' }],
        },
        { name: 'good', file: 'good.yaml', line: 1, valid: true, problems: [], warnings: [] },
        { namespace: 'ns', name: 'live', valid: true, problems: [], warnings: [] },
      ],
    });
    expect(text.split('\n')).toEqual([
      'NAD      SOURCE        RESULT   FIELD                        MESSAGE',
      'ns/bad   nads.yaml:12  invalid  spec.config.name             network name "a b" is bad',
      'ns/bad   nads.yaml:12  invalid  spec.config.plugins[0].type  plugin type "braid" cannot be a delegate of braid',
      'ns/bad   nads.yaml:12  warning  spec.config.capabilities.ip  did you mean "ips"?',
      'good     good.yaml:1   ok       -',
      'ns/live  cluster       ok       -',
      '3 checked, 1 invalid',
      '',
    ]);
  });
});

describe('the kubeconfig, as kubectl finds it', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'braid-kc-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, current: string | undefined, contexts: Array<[string, string, string?]>) => {
    const path = join(dir, name);
    const clusters = [...new Set(contexts.map(([, c]) => c))].map((c) => ({
      name: c,
      cluster: { server: `https://${c}.example:6443` },
    }));
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        ...(current ? { 'current-context': current } : {}),
        clusters,
        users: [{ name: 'u', user: { token: name } }],
        contexts: contexts.map(([n, c, ns]) => ({
          name: n,
          context: { cluster: c, user: 'u', ...(ns ? { namespace: ns } : {}) },
        })),
      }),
    );
    return path;
  };

  it('--kubeconfig, else $KUBECONFIG (missing files skipped), else ~/.kube/config', () => {
    const a = write('a', 'one', [['one', 'c1']]);
    expect(kubeconfigFiles({ kubeconfig: a }, { KUBECONFIG: '/x' })).toEqual([a]);
    expect(kubeconfigFiles({}, { KUBECONFIG: `/nonexistent:${a}` })).toEqual([a]);
    expect(kubeconfigFiles({}, { HOME: '/nonexistent' })).toEqual([]);
  });

  it('files merge with the first to set a name or the current context winning', () => {
    const a = write('m1', undefined, [['one', 'c1', 'ns-a']]);
    const b = write('m2', 'two', [
      ['one', 'c9'],
      ['two', 'c2'],
    ]);
    const c = write('m3', 'one', []);
    const kc = loadClusterConfig({}, { KUBECONFIG: [a, b, c].join(':') });
    expect(kc.getCurrentContext()).toBe('two');
    expect(kc.getContextObject('one')).toMatchObject({ cluster: 'c1', namespace: 'ns-a' });
    expect(kc.getCurrentCluster()?.server).toBe('https://c2.example:6443');
  });

  it('--context picks a context, and the namespace is -n, else the context’s, else default', () => {
    const f = write('ctx', 'one', [
      ['one', 'c1', 'ns-a'],
      ['two', 'c2'],
    ]);
    const env = { KUBECONFIG: f };
    expect(connect({}, env).namespace).toBe('ns-a');
    expect(connect({ namespace: 'x' }, env).namespace).toBe('x');
    expect(connect({ context: 'two' }, env).namespace).toBe('default');
    expect(() => connect({ context: 'three' }, env)).toThrow('context "three" is not in the kubeconfig');
  });

  it('no kubeconfig at all (and no service account) is an error saying what to do', () => {
    if (existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) return; // in a pod: its service account
    expect(() => loadClusterConfig({}, { HOME: '/nonexistent' })).toThrow(/give --kubeconfig, set KUBECONFIG/);
  });
});
