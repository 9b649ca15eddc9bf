// `braid validate`: NAD manifests (files, directories) or a cluster's NADs (the API-server stand-in), checked by the
// checks ADD applies; every problem with its NAD, where it is and its field; exit status 1 when any NAD is invalid.
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nadYaml, podYaml } from '../support/local-store.js';
import { BRAID_BIN, REPO, TempDir } from '../support/netns.js';
import { BAD_NADS, startOperatorCluster, type OperatorCluster } from '../support/operator-cluster.js';

const tmp = new TempDir();
afterAll(() => tmp.remove());

const validate = (...args: string[]) => execa(BRAID_BIN, ['validate', ...args], { reject: false });
const json = (stdout: string) =>
  JSON.parse(stdout) as {
    valid: boolean;
    nads: Array<{
      namespace?: string;
      name: string;
      file?: string;
      line?: number;
      valid: boolean;
      problems: unknown[];
      warnings: unknown[];
    }>;
  };

describe('braid validate: manifests', () => {
  let dir: string;
  beforeAll(() => {
    dir = tmp.sub('manifests');
    mkdirSync(join(dir, 'sub', '.hidden'), { recursive: true });
    writeFileSync(
      join(dir, 'nads.yaml'),
      nadYaml('telco', 'data', { cniVersion: '1.0.0', type: 'macvlan', master: 'eth1' }) +
        '---\n' +
        nadYaml('telco', 'multi', { name: 'a b', cniVersion: 1, plugins: [{ type: 'bridge' }, { type: 'braid' }] }),
    );
    writeFileSync(
      join(dir, 'list.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'k8s.cni.cncf.io/v1',
            kind: 'NetworkAttachmentDefinition',
            metadata: { name: 'from-list' },
            spec: { config: '{"cniVersion":"1.0.0","type":"/usr/bin/x"}' },
          },
        ],
      }),
    );
    writeFileSync(join(dir, 'broken.yaml'), 'kind: NetworkAttachmentDefinition\nmetadata: {name: [\n');
    writeFileSync(join(dir, 'pod.yaml'), podYaml('telco', 'upf', {}));
    writeFileSync(
      join(dir, 'sub', 'typo.yml'),
      nadYaml('telco', 'typo', { type: 'macvlan', capabilities: { ip: true } }),
    );
    writeFileSync(join(dir, 'sub', '.hidden', 'x.yaml'), nadYaml('telco', 'hidden', '{'));
    writeFileSync(join(dir, 'README.txt'), 'not a manifest');
  });

  it('a directory: every NAD in every manifest, each problem with its file, line and field; exit 1', async () => {
    const out = await validate(dir, '-o', 'json');
    expect(out.exitCode).toBe(1);
    const report = json(out.stdout);
    expect(report.valid).toBe(false);
    expect(report.nads.map((n) => [n.name, n.file?.slice(dir.length + 1), n.line, n.valid])).toEqual([
      ['', 'broken.yaml', 3, false],
      ['from-list', 'list.json', 1, false],
      ['data', 'nads.yaml', 1, true],
      ['multi', 'nads.yaml', 9, false],
      ['typo', 'sub/typo.yml', 1, true],
    ]);
    const multi = report.nads.find((n) => n.name === 'multi')!;
    expect(multi.problems).toEqual([
      { field: 'spec.config.name', message: expect.stringMatching(/^network name "a b" must start with a letter/) },
      { field: 'spec.config.cniVersion', message: '"cniVersion" must be a string' },
      { field: 'spec.config.plugins[1].type', message: 'plugin type "braid" cannot be a delegate of braid' },
    ]);
    expect(report.nads[0]!.problems).toEqual([{ field: '(file)', message: expect.any(String) }]);
    expect(report.nads[1]!.problems).toEqual([
      { field: 'spec.config.type', message: 'plugin type "/usr/bin/x" must be a plain binary name, without a path' },
    ]);
    expect(report.nads.find((n) => n.name === 'typo')!.warnings).toEqual([
      { field: 'spec.config.capabilities.ip', message: 'braid fills no capability "ip"; did you mean "ips"?' },
    ]);
  });

  it('the table names the NAD, the file and line, the field', async () => {
    const out = await validate(join(dir, 'nads.yaml'));
    expect(out.exitCode).toBe(1);
    const rows = out.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAD\s+SOURCE\s+RESULT\s+FIELD\s+MESSAGE$/);
    expect(rows.slice(1, -1).map((r) => r.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['telco/data', `${dir}/nads.yaml:1`, 'ok', '-'],
      ['telco/multi', `${dir}/nads.yaml:9`, 'invalid', 'spec.config.name'],
      ['telco/multi', `${dir}/nads.yaml:9`, 'invalid', 'spec.config.cniVersion'],
      ['telco/multi', `${dir}/nads.yaml:9`, 'invalid', 'spec.config.plugins[1].type'],
    ]);
    expect(rows.at(-1)).toBe('2 checked, 1 invalid');
  });

  it('examples/: every NAD the docs show is valid', async () => {
    const out = await validate(join(REPO, 'examples'), '-o', 'json');
    expect([out.exitCode, out.stderr]).toEqual([0, '']);
    expect(json(out.stdout).nads.length).toBeGreaterThan(5);
  });

  it('exit 0 when every NAD is valid (warnings do not count)', async () => {
    const out = await validate(join(dir, 'sub'), '-o', 'yaml');
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/^valid: true$/m);
  });

  it('a path that does not exist is a problem of its own; files without NADs are an error', async () => {
    const missing = await validate(join(dir, 'nope.yaml'), '-o', 'json');
    expect(missing.exitCode).toBe(1);
    expect(json(missing.stdout).nads).toEqual([
      expect.objectContaining({
        name: '',
        valid: false,
        problems: [{ field: '(file)', message: expect.stringMatching(/ENOENT/) }],
      }),
    ]);
    const none = await validate(join(dir, 'pod.yaml'));
    expect([none.exitCode, none.stderr]).toEqual([
      1,
      'braid validate: no NetworkAttachmentDefinition in the files given',
    ]);
    const nothing = await validate();
    expect([nothing.exitCode, nothing.stderr]).toEqual([
      1,
      'braid validate: give manifest files or directories, or --kubeconfig to check a cluster',
    ]);
  });

  it('a YAML alias bomb fails its own document, reported with its file and line', async () => {
    const file = join(tmp.sub('bomb'), 'bomb.yaml');
    const level = (name: string, of: string) => `${name}: &${name} [${Array(9).fill(`*${of}`).join(',')}]\n`;
    writeFileSync(
      file,
      `${nadYaml('telco', 'fine', { type: 'macvlan' })}---\na: &a [x,x,x,x,x,x,x,x,x]\n` +
        level('b', 'a') +
        level('c', 'b') +
        level('d', 'c') +
        level('e', 'd'),
    );
    const out = await validate(file, '-o', 'json');
    expect(out.exitCode).toBe(1);
    expect(json(out.stdout).nads.map((n) => [n.name, n.line, n.valid, n.problems])).toEqual([
      [
        '',
        9,
        false,
        [{ field: '(file)', message: expect.stringMatching(/^the YAML document cannot be read: .*alias/) }],
      ],
      ['fine', 1, true, []],
    ]);
  });

  it('an empty spec.config names a file on the nodes: a warning, or checked in --conf-dir', async () => {
    const file = join(tmp.sub('empty'), 'nad.yaml');
    writeFileSync(file, nadYaml('telco', 'from-file', ''));
    const confDir = tmp.sub('confdir');
    const without = await validate(file, '-o', 'json');
    expect(without.exitCode).toBe(0);
    expect(json(without.stdout).nads[0]!.warnings).toEqual([
      { field: 'spec.config', message: expect.stringMatching(/^is empty: the nodes use the config file/) },
    ]);
    const notThere = await validate(file, '--conf-dir', confDir, '-o', 'json');
    expect(notThere.exitCode).toBe(1);
    expect(json(notThere.stdout).nads[0]!.problems).toEqual([
      { field: 'spec.config', message: `spec.config is empty and no config file named "from-file" is in confDir` },
    ]);
    writeFileSync(join(confDir, '10-x.conf'), '{"cniVersion":"1.0.0","name":"from-file","type":"bridge"}');
    expect((await validate(file, '--conf-dir', confDir)).exitCode).toBe(0);
  });
});

describe('braid validate: a cluster', () => {
  let cluster: OperatorCluster;
  let kubeconfig: string;
  beforeAll(async () => {
    cluster = await startOperatorCluster();
    kubeconfig = cluster.kubeconfig('telco', tmp.sub('kc'));
  });
  afterAll(async () => cluster?.stop());

  it("the namespace's NADs: every bad one with its field; exit 1", async () => {
    const out = await validate('--kubeconfig', kubeconfig, '-n', 'telco', '-o', 'json');
    expect(out.exitCode).toBe(1);
    const report = json(out.stdout);
    expect(report.nads.filter((n) => !n.valid).map((n) => [n.name, n.problems])).toEqual(
      BAD_NADS.map(([nad, field]) => [nad.metadata.name, [{ field, message: expect.any(String) }]]).sort((a, b) =>
        String(a[0]).localeCompare(String(b[0])),
      ),
    );
  });

  it('a namespace of good NADs, and NADs by name: exit 0', async () => {
    expect((await validate('--kubeconfig', kubeconfig, '-n', 'other')).exitCode).toBe(0);
    const named = await validate('--kubeconfig', kubeconfig, 'data', 'signal');
    expect([named.exitCode, named.stdout.trimEnd().split('\n').at(-1)]).toEqual([0, '2 checked, 0 invalid']);
  });

  it('-A: every namespace; names with -A are refused', async () => {
    const all = await validate('--kubeconfig', kubeconfig, '-A', '-o', 'json');
    expect(json(all.stdout).nads).toHaveLength(7);
    const both = await validate('--kubeconfig', kubeconfig, '-A', 'data');
    expect([both.exitCode, both.stderr]).toEqual([
      1,
      'braid validate: NADs cannot be named across all namespaces: drop -A, or the names',
    ]);
  });
});
