// `kubectl braid` (bin/kubectl-braid, or dist/kubectl-braid with BRAID_EXECUTABLE set and it built) against the
// API-server stand-in: the cluster found as kubectl finds it, pods × networks from network-status, live explain,
// validate, -o json|yaml|table.
import { execa } from 'execa';
import { mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TempDir } from '../support/netns.js';
import {
  BAD_NADS,
  KUBECTL_BRAID,
  SPOOF_OBJECTS,
  SPOOF_STATUS,
  startOperatorCluster,
  UPF_STATUS,
  type OperatorCluster,
} from '../support/operator-cluster.js';

const tmp = new TempDir();
let cluster: OperatorCluster;
let kubeconfig: string;

beforeAll(async () => {
  cluster = await startOperatorCluster();
  kubeconfig = cluster.kubeconfig('telco', tmp.sub('kc'));
});

afterAll(async () => {
  await cluster?.stop();
  tmp.remove();
});

/** kubectl braid with only the environment given (no KUBECONFIG or HOME of the machine's). */
const kubectlBraid = (args: string[], env: Record<string, string> = {}) =>
  execa(KUBECTL_BRAID, args, {
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '', HOME: tmp.sub('home-empty'), KUBECONFIG: kubeconfig, ...env },
  });

const lines = (text: string) => text.trimEnd().split('\n');

describe('kubectl braid pods', () => {
  it("a table of the context's namespace: a row per pod and network, pods without networks left out", async () => {
    const out = await kubectlBraid(['pods']);
    expect([out.exitCode, out.stderr]).toEqual([0, '']);
    expect(lines(out.stdout)).toEqual([
      'POD    INTERFACE  NETWORK              IPS               MAC                DEFAULT',
      'cfg-0  <none>     (no network-status)  <none>            <none>             <none>',
      'upf-0  eth0       cbr0                 10.244.1.7        0a:58:0a:f4:01:07  true',
      'upf-0  data0      telco/data           10.1.1.5,fd00::5  52:54:00:aa:bb:01  false',
      'upf-0  net2       telco/signal         10.2.0.9          52:54:00:aa:bb:02  false',
      'upf-1  <none>     (no network-status)  <none>            <none>             <none>',
    ]);
  });

  it('-A: every namespace, NAMESPACE first', async () => {
    const out = await kubectlBraid(['pods', '-A']);
    expect(out.exitCode).toBe(0);
    const rows = lines(out.stdout);
    expect(rows[0]).toMatch(/^NAMESPACE\s+POD\s+INTERFACE\s+NETWORK\s+IPS\s+MAC\s+DEFAULT$/);
    expect(rows[1]).toMatch(/^other\s+web\s+eth0\s+cbr0\s+10\.244\.2\.3\s+0a:58:0a:f4:02:03\s+true$/);
    expect(rows.filter((r) => r.startsWith('telco'))).toHaveLength(5);
    expect(out.stdout).not.toMatch(/plain/);
  });

  it('-n NS -o json: the networks of each pod', async () => {
    const out = await kubectlBraid(['pods', '-n', 'other', '-o', 'json']);
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      pods: [
        {
          namespace: 'other',
          name: 'web',
          networks: [
            { interface: 'eth0', network: 'cbr0', ips: ['10.244.2.3'], mac: '0a:58:0a:f4:02:03', default: true },
          ],
        },
      ],
    });
  });

  it('-o yaml holds what -o json holds', async () => {
    const [json, yaml] = await Promise.all([
      kubectlBraid(['pods', '-o', 'json']),
      kubectlBraid(['pods', '-o', 'yaml']),
    ]);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    const upf = JSON.parse(json.stdout).pods.find((p: { name: string }) => p.name === 'upf-0');
    expect(upf.networks.map((n: { network: string }) => n.network)).toEqual(UPF_STATUS.map((s) => s.name));
  });

  it('the kubeconfig as kubectl reads it: --context, --kubeconfig, ~/.kube/config', async () => {
    const other = await kubectlBraid(['--context', 'other-ctx', 'pods']);
    expect(lines(other.stdout).slice(1)).toEqual([expect.stringMatching(/^web\s+eth0\s+cbr0/)]);

    const flag = await kubectlBraid(['pods', '--kubeconfig', kubeconfig, '-n', 'other'], { KUBECONFIG: '' });
    expect(lines(flag.stdout).slice(1)).toEqual([expect.stringMatching(/^web\s+eth0/)]);

    const home = tmp.sub('home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    copyFileSync(kubeconfig, join(home, '.kube', 'config'));
    const fromHome = await kubectlBraid(['pods'], { KUBECONFIG: '', HOME: home });
    expect(fromHome.exitCode).toBe(0);
    expect(fromHome.stdout).toMatch(/^upf-0\s+data0\s+telco\/data/m);

    const none = await kubectlBraid(['pods'], { KUBECONFIG: '' });
    expect([none.exitCode, none.stderr]).toEqual([
      1,
      'kubectl braid pods: no kubeconfig: give --kubeconfig, set KUBECONFIG, or write ~/.kube/config',
    ]);
  });

  it('an empty namespace says so on stderr', async () => {
    const out = await kubectlBraid(['pods', '-n', 'empty']);
    expect([out.exitCode, out.stdout, out.stderr]).toEqual([0, '', 'No pods with networks found in namespace empty.']);
  });

  it('an unknown -o is refused with the formats it takes', async () => {
    const out = await kubectlBraid(['pods', '-o', 'wide']);
    expect([out.exitCode, out.stderr]).toEqual([
      1,
      'kubectl braid pods: unknown output format "wide": use one of json, yaml, table',
    ]);
  });
});

describe('kubectl braid explain', () => {
  it("a pod's plan and what its network-status says", async () => {
    const out = await kubectlBraid(['explain', 'upf-0']);
    expect([out.exitCode, out.stderr]).toEqual([0, '']);
    expect(lines(out.stdout)).toEqual([
      'INTERFACE  NETWORK       DEFAULT  PLUGINS        CNI    REQUESTS',
      'eth0       cbr0          yes      (on the node)',
      'data0      telco/data             macvlan        1.0.0',
      'net2       telco/signal           bridge+tuning  1.1.0',
      '',
      'network-status:',
      'INTERFACE  NETWORK       IPS               MAC                DEFAULT',
      'eth0       cbr0          10.244.1.7        0a:58:0a:f4:01:07  true',
      'data0      telco/data    10.1.1.5,fd00::5  52:54:00:aa:bb:01  false',
      'net2       telco/signal  10.2.0.9          52:54:00:aa:bb:02  false',
    ]);
  });

  it('-o json: the exact delegate configs and the network-status', async () => {
    const out = await kubectlBraid(['explain', 'upf-0', '-o', 'json']);
    expect(out.exitCode).toBe(0);
    const plan = JSON.parse(out.stdout);
    expect(plan.networkStatus).toEqual(UPF_STATUS);
    expect(plan.attachments[0]).toEqual({
      name: 'cbr0',
      interface: 'eth0',
      default: true,
      note: "a config file on the node: give --config with the node's 00-braid.conflist to show it",
    });
    expect(plan.attachments[1]).toMatchObject({
      name: 'telco/data',
      interface: 'data0',
      config: { cniVersion: '1.0.0', name: 'data', type: 'macvlan', master: 'eth1' },
      cniArgs: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=telco;K8S_POD_NAME=upf-0;K8S_POD_UID=uid-telco-upf-0',
    });
    expect(plan.attachments[2].config.plugins.map((p: { type: string }) => p.type)).toEqual(['bridge', 'tuning']);
    expect(plan.warnings).toEqual([]);
    expect(plan.errors).toBeUndefined();
  });

  it('a NAD that does not exist: exit 1, the error ADD would give, and "did you mean"', async () => {
    const out = await kubectlBraid(['explain', 'upf-1', '-o', 'json']);
    expect(out.exitCode).toBe(1);
    const plan = JSON.parse(out.stdout);
    expect(plan.errors).toEqual([
      'pod telco/upf-1: network telco/dta: NetworkAttachmentDefinition not found; did you mean "data"?',
    ]);
    expect(plan.attachments[1]).toMatchObject({
      name: 'telco/dta',
      interface: 'net1',
      unavailable: 'NetworkAttachmentDefinition telco/dta is missing',
    });
    const table = await kubectlBraid(['explain', 'upf-1']);
    expect(table.exitCode).toBe(1);
    expect(table.stdout).toMatch(/^net1\s+telco\/dta\s+\(unavailable\)$/m);
    expect(lines(table.stdout).at(-1)).toBe(`error: ${plan.errors[0]}`);
  });

  it('an unknown selection key: exit 0 with the warning and its "did you mean"', async () => {
    const out = await kubectlBraid(['explain', 'cfg-0', '-o', 'yaml']);
    expect(out.exitCode).toBe(0);
    expect(parseYaml(out.stdout).warnings).toEqual([
      'network 1 ("data"): unknown key "interfce" ignored; did you mean "interface"?',
    ]);
  });

  it('a pod that does not exist: "did you mean" the nearest pod of the namespace', async () => {
    const out = await kubectlBraid(['explain', 'upf-9']);
    expect([out.exitCode, out.stdout, out.stderr]).toEqual([
      1,
      '',
      'kubectl braid explain: pod telco/upf-9 is not in the cluster; did you mean "upf-0"?',
    ]);
  });
});

describe('kubectl braid validate', () => {
  it('every NAD of the namespace: each problem with its NAD and field, exit 1', async () => {
    const out = await kubectlBraid(['validate', '-o', 'json']);
    expect(out.exitCode).toBe(1);
    const report = JSON.parse(out.stdout);
    expect(report.valid).toBe(false);
    const byName = new Map(report.nads.map((n: { name: string }) => [n.name, n]));
    for (const [nad, field] of BAD_NADS) {
      expect(byName.get(nad.metadata.name)).toMatchObject({
        namespace: 'telco',
        valid: false,
        problems: [{ field, message: expect.any(String) }],
      });
    }
    expect(byName.get('data')).toEqual({ namespace: 'telco', name: 'data', valid: true, problems: [], warnings: [] });
    expect(byName.get('bad-type')).toMatchObject({
      problems: [{ message: 'plugin type "../x" must be a plain binary name, without a path' }],
    });
    expect(report.nads).toHaveLength(6);
  });

  it('the table: a row per problem, then the count', async () => {
    const out = await kubectlBraid(['validate']);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toMatch(
      /^telco\/bad-type\s+cluster\s+invalid\s+spec\.config\.plugins\[1\]\.type\s+plugin type/m,
    );
    expect(out.stdout).toMatch(/^telco\/data\s+cluster\s+ok\s+-$/m);
    expect(lines(out.stdout).at(-1)).toBe('6 checked, 4 invalid');
  });

  it('NADs by name: exit 0 when they are all valid; a missing one gets "did you mean"', async () => {
    const good = await kubectlBraid(['validate', 'data', 'signal']);
    expect(good.exitCode).toBe(0);
    expect(lines(good.stdout).at(-1)).toBe('2 checked, 0 invalid');
    const typo = await kubectlBraid(['validate', 'sginal', '-o', 'json']);
    expect(typo.exitCode).toBe(1);
    expect(JSON.parse(typo.stdout).nads).toEqual([
      {
        namespace: 'telco',
        name: 'sginal',
        valid: false,
        problems: [
          {
            field: 'metadata.name',
            message: 'no NetworkAttachmentDefinition of that name in "telco"; did you mean "signal"?',
          },
        ],
        warnings: [],
      },
    ]);
  });

  it('-A: every namespace; -f: files instead of the cluster', async () => {
    const all = await kubectlBraid(['validate', '-A', '-o', 'json']);
    expect(
      JSON.parse(all.stdout).nads.map((n: { namespace: string; name: string }) => `${n.namespace}/${n.name}`),
    ).toContain('other/shared');
    const dir = tmp.sub('files');
    writeFileSync(
      join(dir, 'nad.yaml'),
      'apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: a, namespace: x}\nspec: {config: \'{"type":"braid"}\'}\n',
    );
    const files = await kubectlBraid(['validate', '-f', dir]);
    expect(files.exitCode).toBe(1);
    expect(files.stdout).toMatch(
      /^x\/a\s+\S+nad\.yaml:1\s+invalid\s+spec\.config\.type\s+plugin type "braid" cannot be a delegate of braid$/m,
    );
  });
});

describe('a pod that writes escape sequences into its own network-status', () => {
  /** Any C0 control but the newline ending a line, DEL, or C1: none may reach the terminal raw. */
  // eslint-disable-next-line no-control-regex
  const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  const ROW =
    'spoof-0  eth0\\u001b[1A\\u001b[2K  cbr0\\u001b[2J\\u001b[H  10.244.9.9\\r10.0.0.1  \\u009b8m0a:58:0a:f4:09:09\\u007f  true';

  beforeAll(() => cluster.api.control.seed(SPOOF_OBJECTS));

  it('pods: its row, every cell escaped; -A too', async () => {
    const out = await kubectlBraid(['pods', '-n', 'untrusted']);
    expect([out.exitCode, out.stderr]).toEqual([0, '']);
    expect(out.stdout).not.toMatch(RAW);
    expect(lines(out.stdout).slice(1)).toEqual([ROW]);
    const all = await kubectlBraid(['pods', '-A']);
    expect(all.stdout).not.toMatch(RAW);
    expect(lines(all.stdout).filter((l) => l.startsWith('untrusted'))).toEqual([`untrusted  ${ROW}`]);
  });

  it('explain: the plan, its network-status and the warning quoting the pod and its NAD, escaped', async () => {
    const out = await kubectlBraid(['explain', '-n', 'untrusted', 'spoof-0']);
    expect([out.exitCode, out.stderr]).toEqual([0, '']);
    expect(out.stdout).not.toMatch(RAW);
    expect(lines(out.stdout)).toEqual([
      'INTERFACE  NETWORK                DEFAULT  PLUGINS                      CNI    REQUESTS',
      'eth0       cbr0\\u001b[2J\\u001b[H  yes      (on the node)',
      'net1       untrusted/spoof-net             macvlan\\u001b]0;pwned\\u0007  1.0.0',
      '',
      'network-status:',
      'INTERFACE               NETWORK                IPS                   MAC                              DEFAULT',
      ROW.replace(/^spoof-0 {2}/, ''),
      '',
      expect.stringMatching(/^warning: network 1 \("spoof-net"\): unknown key "interfce\\u001b\[2J" ignored/),
    ]);
  });

  it('-o json and -o yaml: the network-status exactly, with no control character raw', async () => {
    for (const output of ['json', 'yaml']) {
      const parse = (text: string) => (output === 'json' ? JSON.parse(text) : parseYaml(text));
      const pods = await kubectlBraid(['pods', '-n', 'untrusted', '-o', output]);
      expect(pods.stdout).not.toMatch(RAW);
      const [n] = SPOOF_STATUS;
      expect(parse(pods.stdout).pods[0].networks).toEqual([
        { interface: n!.interface, network: n!.name, ips: n!.ips, mac: n!.mac, default: true },
      ]);
      const plan = await kubectlBraid(['explain', '-n', 'untrusted', 'spoof-0', '-o', output]);
      expect(plan.stdout).not.toMatch(RAW);
      expect(parse(plan.stdout).networkStatus).toEqual(SPOOF_STATUS);
    }
  });
});
