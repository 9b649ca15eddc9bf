#!/usr/bin/env node
// Benchmarks: braid against the floor in the same run (the delegate plugins called directly), as ratios.
// Needs root (network namespaces). Prints medians over interleaved runs; never asserts on time.
//   npm run bench            (RUNS=30 by default; BENCH_RUNS to change)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'braid-bench-'));
const tag = `braidbench${process.pid % 10000}`;
const node = `${tag}-n`;
const pod = `${tag}-p`;
const sh = (...a) => spawnSync(a[0], a.slice(1), { encoding: 'utf8' });

function time(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
const fmt = (xs) => `${median(xs).toFixed(1)} ms (p90 ${p90(xs).toFixed(1)})`;

/** Runs each case once per round, interleaved, so machine noise hits all of them alike. */
function compare(title, cases, prepare) {
  const res = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < RUNS + 2; i++) {
    for (const [k, fn] of Object.entries(cases)) {
      prepare?.(k);
      const ms = fn();
      if (i >= 2) res[k].push(ms); // two warm-up rounds
    }
  }
  const [floorName] = Object.keys(cases);
  console.log(`\n${title}`);
  for (const [k, xs] of Object.entries(res)) {
    console.log(`  ${k.padEnd(44)} ${fmt(xs).padEnd(26)} ${k === floorName ? 'floor' : `${(median(xs) / median(res[floorName])).toFixed(2)}x`}`);
  }
  return res;
}

function cniEnv(command, id, ifname = 'eth0', extra = {}) {
  return [`CNI_COMMAND=${command}`, `CNI_CONTAINERID=${id}`, `CNI_NETNS=/var/run/netns/${pod}`, `CNI_IFNAME=${ifname}`, 'CNI_PATH=/usr/lib/cni',
    'CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench', ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)];
}
const inNode = (env, bin, input) => time('ip', ['netns', 'exec', node, 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...env, bin], { input });

try {
  sh('ip', 'netns', 'add', node);
  sh('ip', 'netns', 'add', pod);
  sh('ip', '-n', node, 'link', 'set', 'lo', 'up');
  for (const m of ['bm0', 'bm1']) {
    sh('ip', '-n', node, 'link', 'add', m, 'type', 'veth', 'peer', 'name', `${m}p`);
    sh('ip', '-n', node, 'link', 'set', m, 'up');
  }
  const ipam = (subnet) => ({ type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet }]] });
  const def = { cniVersion: '1.0.0', name: 'bdef', type: 'bridge', bridge: `${tag}b`, isGateway: true, ipMasq: false, ipam: { ...ipam('10.250.0.0/16'), routes: [{ dst: '0.0.0.0/0' }] } };
  const mv = (name, master, subnet) => ({ cniVersion: '1.0.0', name, type: 'macvlan', master, mode: 'bridge', ipam: ipam(subnet) });
  const nets = [def, mv('bmv0', 'bm0', '10.251.0.0/16'), mv('bmv1', 'bm1', '10.252.0.0/16')];
  const braidConf = JSON.stringify({ cniVersion: '1.0.0', name: 'braid', type: 'braid', cacheDir: join(dir, 'cache'), binDir: '/usr/lib/cni', logLevel: 'error', delegates: nets });
  const direct = (command, id) => () =>
    nets.reduce((sum, n, i) => sum + inNode(cniEnv(command, id, i === 0 ? 'eth0' : `net${i}`), `/usr/lib/cni/${n.type}`, JSON.stringify(n)), 0);
  const viaBraid = (bin, command, id) => () => inNode(cniEnv(command, id), bin, braidConf);

  compare('VERSION (process start-up)', {
    'bridge VERSION (Go plugin)': () => time('/usr/lib/cni/bridge', [], { env: { CNI_COMMAND: 'VERSION' }, input: '' }),
    'dist/braid VERSION (bun --compile)': () => time(join(root, 'dist/braid'), [], { env: { CNI_COMMAND: 'VERSION' }, input: '' }),
    'bin/braid VERSION (node)': () => time(join(root, 'bin/braid'), [], { env: { CNI_COMMAND: 'VERSION', PATH: process.env.PATH }, input: '' }),
  });

  let n = 0;
  const ids = {};
  compare(
    'ADD of a pod with 3 networks (bridge + 2 macvlan); DEL run outside the timing',
    {
      'delegates called directly': () => direct('ADD', (ids.direct = `d${n}`))(),
      'dist/braid ADD': () => viaBraid(join(root, 'dist/braid'), 'ADD', (ids.bun = `b${n}`))(),
      'bin/braid ADD (node)': () => viaBraid(join(root, 'bin/braid'), 'ADD', (ids.node = `n${n}`))(),
    },
    (k) => {
      n++;
      for (const [which, id] of Object.entries(ids)) {
        if (which === 'direct') direct('DEL', id)();
        else viaBraid(join(root, 'dist/braid'), 'DEL', id)();
      }
      for (const key of Object.keys(ids)) delete ids[key];
      void k;
    },
  );

  const rss = (bin, env, input) => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'ip', 'netns', 'exec', node, 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...env, bin], { input, encoding: 'utf8' });
    return Number(r.stderr.trim().split('\n').pop()) / 1024;
  };
  console.log('\nPeak RSS of one ADD (MiB, largest process in the tree)');
  const b = rss('/usr/lib/cni/bridge', cniEnv('ADD', 'r0'), JSON.stringify(def));
  inNode(cniEnv('DEL', 'r0'), '/usr/lib/cni/bridge', JSON.stringify(def));
  const z = rss(join(root, 'dist/braid'), cniEnv('ADD', 'r1'), braidConf);
  viaBraid(join(root, 'dist/braid'), 'DEL', 'r1')();
  console.log(`  bridge plugin alone ${b.toFixed(1)}   dist/braid with 3 networks ${z.toFixed(1)}   ratio ${(z / b).toFixed(2)}x`);
} finally {
  sh('ip', 'netns', 'del', pod);
  sh('ip', 'netns', 'del', node);
  rmSync(dir, { recursive: true, force: true });
}
