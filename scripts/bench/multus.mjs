// Multus thin (MULTUS_BIN) as a further scenario: its kubeconfig reaches the same stand-in through pb-proxy.mjs
// (the stand-in speaks JSON, Multus writes protobuf), its delegates are the same: the default network inline,
// the macvlans from the pod's NADs.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKubeconfig } from './configs.mjs';
import { jsonLine } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function startMultus(ctx) {
  const bin = ctx.opts.multusBin;
  const v = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  const version =
    `${v.stdout}${v.stderr}`
      .trim()
      .split('\n')[0]
      .replace(/^multus:\s*/, '')
      .slice(0, 120) || 'version unknown';
  const caFile = join(ctx.dir, 'standin-ca.pem');
  writeFileSync(caFile, ctx.api.ca);
  const proxy = spawn(process.execPath, [join(here, 'pb-proxy.mjs'), ctx.api.url, caFile, ctx.api.controlUrl], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_PROXY_TOKEN: ctx.api.token },
  });
  const { url } = await jsonLine(proxy, (l) => l.event === 'listening', 15_000);
  return {
    bin,
    version,
    kubeconfig: writeKubeconfig(join(ctx.dir, 'kubeconfig-multus'), { server: url, token: ctx.api.token }),
    note: 'its kubeconfig reaches the stand-in through scripts/bench/pb-proxy.mjs (plain HTTP on loopback, which adds the token; protobuf writes re-sent as JSON)',
    async stop() {
      if (proxy.exitCode !== null) return;
      const exited = new Promise((r) => proxy.once('exit', r));
      proxy.kill('SIGTERM');
      await exited;
    },
  };
}
