#!/usr/bin/env node
// Daemon memory with 10,000 NADs and 250 pods of its node cached, against the API-server stand-in on
// loopback, for three ways of running the daemon. `npm run bench` measures the deployed one as part of its run.
//   node scripts/bench-daemon-memory.mjs     (needs `npm run build && npm run build:support`; BENCH_NADS, BENCH_PODS,
//                                             BENCH_FLAGS="..." to change the deployed flags)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inRepo } from './bench/artifacts.mjs';
import { DEPLOYED_FLAGS } from './bench/daemon.mjs';
import { memoryLab, memoryLine } from './bench/memory.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const NADS = Number(process.env.BENCH_NADS ?? 10000);
const PODS = Number(process.env.BENCH_PODS ?? 250);
const dir = mkdtempSync(join(tmpdir(), 'braid-mem-'));
const flags = process.env.BENCH_FLAGS ? process.env.BENCH_FLAGS.split(' ') : DEPLOYED_FLAGS;

let lab;
try {
  lab = await memoryLab({ builds: inRepo(root), dir, nads: NADS, pods: PODS });
  console.log(`Daemon memory with ${NADS} NADs and ${PODS} pods on its node (RSS from /proc; node ${process.version})`);
  const variants = [
    [
      `dist/braid-daemon.mjs ${flags.join(' ')} (as deployed)`,
      (cfg) => [...flags, join(root, 'dist/braid-daemon.mjs'), '--config', cfg],
    ],
    ['dist/braid-daemon.mjs, no flags', (cfg) => [join(root, 'dist/braid-daemon.mjs'), '--config', cfg]],
    ['node bin/braid daemon (unbundled, dev)', (cfg) => [join(root, 'bin/braid'), 'daemon', '--config', cfg]],
  ];
  for (const [i, [label, argv]] of variants.entries())
    console.log(memoryLine(label, await lab.measure(`variant${i}`, argv)));
} finally {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
}
