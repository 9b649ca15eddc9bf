// `braid install` into temp dirs: a primary config present, absent then appearing, changed, renamed away
// by a rival; then the installed config and executable attach a pod with real plugins.
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridge } from '../support/delegates.js';
import { eventually } from '../support/wait.js';
import { BRAID_BIN, cniEnv, leases, NetnsLab, podLinks, REPO, runBraid, TempDir } from '../support/netns.js';

const lab = new NetnsLab();
const tmp = new TempDir();
const running: ResultPromise[] = [];
afterAll(async () => {
  for (const p of running) p.kill('SIGTERM');
  await Promise.allSettled(running);
  lab.cleanup();
  tmp.remove();
});

const BINARY = join(REPO, 'dist/braid');

function dirs(name: string) {
  const root = tmp.sub(name);
  const binDir = join(root, 'bin');
  const confDir = join(root, 'net.d');
  mkdirSync(confDir, { recursive: true });
  return { root, binDir, confDir, conf: join(confDir, '00-braid.conflist') };
}

const install = (d: ReturnType<typeof dirs>, ...extra: string[]) =>
  execa(
    BRAID_BIN,
    ['install', '--bin-dir', d.binDir, '--conf-dir', d.confDir, '--source', BINARY, '--log-level', 'warn', ...extra],
    { reject: false },
  );

const readConf = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

const primary = (version: string, caps = { portMappings: true }) => ({
  cniVersion: version,
  name: 'k8s-pod-network',
  plugins: [
    { type: 'bridge', bridge: 'x' },
    { type: 'portmap', capabilities: caps },
  ],
});

describe('braid install', () => {
  it('with a primary present: copies the executable and writes the config from it', async () => {
    const d = dirs('present');
    writeFileSync(join(d.confDir, '10-net.conflist'), JSON.stringify(primary('0.4.0')));
    writeFileSync(
      join(d.confDir, '20-other.conf'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'other', type: 'ptp' }),
    );
    const out = await install(d, '--auto');
    expect(out.exitCode).toBe(0);
    expect(readFileSync(join(d.binDir, 'braid')).equals(readFileSync(BINARY))).toBe(true);
    expect(readConf(d.conf)).toEqual({
      cniVersion: '0.4.0',
      name: 'braid',
      plugins: [
        {
          type: 'braid',
          capabilities: { portMappings: true, 'io.kubernetes.cri.pod-annotations': true },
          clusterNetwork: join(d.confDir, '10-net.conflist'),
        },
      ],
    });
  });

  it('without --source: the compiled binary installs itself, bin/braid (Node) installs dist/braid', async () => {
    const d = dirs('nosource');
    writeFileSync(join(d.confDir, '10-net.conflist'), JSON.stringify(primary('1.0.0')));
    const out = await execa(
      BRAID_BIN,
      ['install', '--bin-dir', d.binDir, '--conf-dir', d.confDir, '--auto', '--log-level', 'warn'],
      { reject: false },
    );
    expect(out.exitCode).toBe(0);
    expect(readFileSync(join(d.binDir, 'braid')).equals(readFileSync(BINARY))).toBe(true);
  });

  it('on Node with no compiled executable beside it and no --source: fails and says what to pass', async () => {
    const d = dirs('nobinary');
    // A copy of dist/ without the binary, inside the repo so that node_modules still resolves.
    const copy = join(REPO, 'dist-test', `nobinary-${process.pid}`);
    await execa('cp', ['-r', join(REPO, 'dist'), copy]);
    try {
      rmSync(join(copy, 'braid'));
      const out = await execa(
        process.execPath,
        [join(copy, 'main.js'), 'install', '--bin-dir', d.binDir, '--conf-dir', d.confDir],
        { reject: false },
      );
      expect(out.exitCode).toBe(1);
      expect(out.stderr).toMatch(
        /no compiled executable at .*braid: build it with `npm run build`, or pass --source FILE/,
      );
      expect(existsSync(join(d.binDir, 'braid'))).toBe(false);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('a primary whose version braid does not speak gets 1.0.0', async () => {
    const d = dirs('oldversion');
    writeFileSync(join(d.confDir, '10-net.conf'), JSON.stringify({ cniVersion: '0.2.0', name: 'old', type: 'bridge' }));
    expect((await install(d, '--auto')).exitCode).toBe(0);
    expect(readConf(d.conf).cniVersion).toBe('1.0.0');
  });

  it('with no primary yet: waits, writes nothing meanwhile, then writes the whole config', async () => {
    const d = dirs('absent');
    const proc = install(d, '--auto');
    running.push(proc);
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(d.conf)).toBe(false);
    writeFileSync(join(d.confDir, '10-net.conflist'), ''); // a primary being written: not a config yet
    await new Promise((r) => setTimeout(r, 1200));
    expect(existsSync(d.conf)).toBe(false);
    writeFileSync(join(d.confDir, '10-net.conflist'), JSON.stringify(primary('1.0.0')));
    expect((await proc).exitCode).toBe(0);
    expect(readConf(d.conf).plugins[0].clusterNetwork).toBe(join(d.confDir, '10-net.conflist'));
  });

  it('--watch regenerates on a changed primary and restores a config a rival renamed away', async () => {
    const d = dirs('watch');
    writeFileSync(join(d.confDir, '10-net.conflist'), JSON.stringify(primary('0.4.0')));
    const proc = install(d, '--auto', '--watch');
    running.push(proc);
    await eventually(async () => existsSync(d.conf), 'the first config');
    writeFileSync(
      join(d.confDir, '10-net.conflist'),
      JSON.stringify(primary('1.0.0', { portMappings: true, bandwidth: true } as never)),
    );
    await eventually(async () => readConf(d.conf).cniVersion === '1.0.0', 'the regenerated config');
    expect(readConf(d.conf).plugins[0].capabilities).toEqual({
      portMappings: true,
      bandwidth: true,
      'io.kubernetes.cri.pod-annotations': true,
    });
    renameSync(d.conf, `${d.conf}.cilium_bak`); // multus-cni#972
    await eventually(async () => existsSync(d.conf), 'the restored config');
    proc.kill('SIGTERM');
    expect((await proc).exitCode).toBe(0);
  });

  it('--cleanup removes what it installed', async () => {
    const d = dirs('cleanup');
    writeFileSync(join(d.confDir, '10-net.conflist'), JSON.stringify(primary('1.0.0')));
    expect((await install(d, '--auto')).exitCode).toBe(0);
    expect((await install(d, '--cleanup')).exitCode).toBe(0);
    expect(existsSync(d.conf)).toBe(false);
    expect(existsSync(join(d.binDir, 'braid'))).toBe(false);
    expect(existsSync(join(d.confDir, '10-net.conflist'))).toBe(true);
  });

  it('the installed config and executable attach a pod end to end with real plugins', async () => {
    const d = dirs('e2e');
    writeFileSync(
      join(d.confDir, '10-bridge.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'br-net',
        plugins: [{ ...bridge('1.0.0', d.root), cniVersion: undefined, name: undefined }],
      }),
    );
    writeFileSync(
      join(d.root, 'settings.json'),
      JSON.stringify({ cacheDir: join(d.root, 'cache'), binDir: '/usr/lib/cni' }),
    );
    expect((await install(d, '--auto', '--settings', join(d.root, 'settings.json'))).exitCode).toBe(0);
    // What a libcni runtime hands the installed plugin: its entry with name and cniVersion injected.
    const list = readConf(d.conf);
    const stdin = { ...list.plugins[0], name: list.name, cniVersion: list.cniVersion };
    const node = lab.node();
    const pod = lab.pod();
    const env = (command: string) =>
      cniEnv({
        command,
        containerId: 'inst1',
        netns: pod,
        ifname: 'eth0',
        args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
      });
    const bin = join(d.binDir, 'braid');
    const add = await runBraid({ node, stdin, env: env('ADD'), bin });
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    expect(podLinks(pod).find((l) => l.ifname === 'eth0')?.ipv4).toEqual(['10.88.10.2/24']);
    expect((await runBraid({ node, stdin, env: env('DEL'), bin })).exitCode).toBe(0);
    expect(leases(join(d.root, 'ipam'), 'br-net')).toEqual([]);
  });
});
