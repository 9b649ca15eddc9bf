// `npm run soak`'s outer process: checks, the temp dir, a copy of the build (the work tree may be rebuilt while a
// soak runs), the node netns, then the soak process (inner.mjs) inside the node with one `ip netns exec`. Whatever
// happens (a failure, Ctrl-C), it ends that process and removes every namespace, leftover hang and the temp dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missing, snapshot } from '../bench/artifacts.mjs';
import { FaultPlugin } from './fault-plugin.mjs';
import { deleteNetns, makeNode, newPrefix, ours, sweepStale } from './netns.mjs';
import { parseOptions, USAGE } from './options.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

function preflight(argv) {
  let opts;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    return { code: 2, message: `${err.message}\n${USAGE}` };
  }
  if (opts.help) return { code: 0, message: USAGE };
  if (process.getuid?.() !== 0) return { code: 2, message: 'soak: needs root (network namespaces)' };
  const absent = missing(root);
  if (absent.length)
    return { code: 2, message: `soak: ${absent.join(', ')} missing: run \`npm run build && npm run build:support\`` };
  return { opts };
}

/** The command line that repeats this run's schedule. */
const rerunOf = (opts) =>
  `node scripts/soak.mjs --seed ${opts.seed} --cycles ${opts.cycles} --concurrency ${opts.concurrency} --warmup ${opts.warmup}` +
  (opts.faultScale !== 1 ? ` --fault-scale ${opts.faultScale}` : '');

export async function main(argv = process.argv.slice(2)) {
  const pre = preflight(argv);
  if (pre.message !== undefined) {
    (pre.code ? console.error : console.log)(pre.message);
    return pre.code;
  }
  const { opts } = pre;
  if (opts.json) opts.json = resolve(opts.json);
  if (opts.executable) opts.executable = resolve(opts.executable);
  sweepStale();
  const dir = mkdtempSync(join(tmpdir(), 'braid-soak-'));
  const prefix = newPrefix();
  const tag = prefix.replace(/\W/g, '');
  let inner;
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    if (inner?.pid && inner.exitCode === null && inner.signalCode === null) {
      try {
        process.kill(-inner.pid, 'SIGKILL'); // its group: the daemon, the stand-in, braid calls in flight
      } catch {
        // gone already
      }
    }
    new FaultPlugin(dir, tag).killAll();
    for (const name of ours(prefix)) deleteNetns(name);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    console.error(`soak: ${sig}, cleaning up`);
    if (!inner?.pid) {
      cleanup();
      process.exit(130);
    }
    process.kill(inner.pid, 'SIGTERM'); // it ends what it started, then exits; the group is killed after 10 s
    setTimeout(() => {
      cleanup();
      process.exit(130);
    }, 10_000).unref();
    inner.once('exit', () => {
      cleanup();
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const node = makeNode(prefix);
    const builds = snapshot(root, dir);
    if (opts.executable) builds.braid = opts.executable;
    const plan = { dir, prefix, node, tag, opts, builds, rerun: rerunOf(opts) };
    inner = spawn('ip', ['netns', 'exec', node, process.execPath, join(here, 'inner.mjs')], {
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
      env: { ...process.env, SOAK_PLAN: JSON.stringify(plan) },
    });
    return await new Promise((res) => {
      inner.once('error', (err) => {
        console.error(`soak: ${err.message}`);
        res(1);
      });
      inner.once('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
    });
  } finally {
    cleanup();
  }
}
