// One binary, two faces: with arguments it is the CLI; without, the CNI plugin the runtime execs.
import { readFileSync } from 'node:fs';

async function main(): Promise<void> {
  if (process.argv.length > 2) {
    const { runCli } = await import('./cli/index.js');
    process.exitCode = await runCli(process.argv);
    return;
  }
  if (!process.env.CNI_COMMAND) {
    process.stderr.write('braid: a multi-network CNI plugin. The container runtime runs it with CNI_COMMAND set; see `braid --help`.\n');
    process.exitCode = 1;
    return;
  }
  const { cniMain } = await import('./app/cni-main.js');
  let stdin = '';
  try {
    stdin = readFileSync(0, 'utf8');
  } catch {
    // no stdin (VERSION may come without one)
  }
  process.exitCode = await cniMain({
    env: process.env,
    stdin,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}

void main();
