// The bench's outer process: checks, makes the throwaway namespaces, then runs the measuring process
// (inner.mjs) inside the node netns with one `ip netns exec` (one per call would add ~2 ms to every call, and
// three times as much to the floor's three calls). Whatever happens, it ends that process group and removes
// every namespace and the temp dir.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missing, snapshot } from './artifacts.mjs';
import { Lab } from './lab.mjs';
import { MAIN_KEYS } from './latency.mjs';
import { parseOptions, USAGE } from './options.mjs';
import { SCALE_MODES } from './scaling.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

export async function main(argv = process.argv.slice(2), env = process.env) {
  let opts;
  try {
    opts = parseOptions(argv, env);
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    console.error('bench: needs root (network namespaces)');
    return 2;
  }
  const absent = missing(root);
  if (absent.length) {
    console.error(
      `bench: ${absent.join(', ')} missing: run \`npm run build && npm run build:support\` (npm run bench does)`,
    );
    return 2;
  }
  if (opts.multusBin && !existsSync(opts.multusBin)) {
    console.error(`bench: MULTUS_BIN=${opts.multusBin} does not exist`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'braid-bench-'));
  const lab = new Lab();
  let inner;
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    if (inner?.pid) {
      try {
        process.kill(-inner.pid, 'SIGKILL'); // the group this process started (the daemon, the stand-in, plugins)
      } catch {
        // already gone
      }
    }
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    console.error(`bench: ${sig}, cleaning up`);
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const node = lab.node();
    const netns = {
      node,
      main: lab.pods('m', MAIN_KEYS.length),
      scale: lab.pods('s', SCALE_MODES.length),
      burst: lab.pods('b', opts.burstPods),
      burstFloor: lab.pods('f', opts.burstPods),
    };
    const plan = JSON.stringify({ root, dir, netns, opts, builds: snapshot(root, dir) });
    inner = spawn('ip', ['netns', 'exec', node, process.execPath, join(here, 'inner.mjs')], {
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
      env: { ...env, BENCH_PLAN: plan },
    });
    return await new Promise((res) => {
      inner.once('error', (err) => {
        console.error(`bench: ${err.message}`);
        res(1);
      });
      inner.once('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
    });
  } finally {
    cleanup();
  }
}
