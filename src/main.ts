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
  let stdin = '';
  try {
    stdin = readFileSync(0, 'utf8');
  } catch {
    // no stdin (VERSION may come without one)
  }
  const io = { env: process.env, stdin, stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
  if (process.env.CNI_COMMAND === 'VERSION') {
    // Runtimes ask VERSION before every ADD and DEL (podman does): answer without loading the engine.
    const { runSkel } = await import('./cni/skel.js');
    process.exitCode = await runSkel(io, async () => undefined);
    return;
  }
  const inProcess = async () => (await import('./app/cni-main.js')).cniMain(io);
  const socket = daemonSocketOf(stdin);
  if (socket) {
    const { forwardToDaemon } = await import('./app/shim.js');
    process.exitCode = await forwardToDaemon(io, socket, inProcess);
  } else {
    process.exitCode = await inProcess();
  }
}

/** Daemon mode is decided before anything else loads: the executable then stays a thin forwarder. */
function daemonSocketOf(stdin: string): string | undefined {
  try {
    const v = (JSON.parse(stdin) as { daemonSocket?: unknown }).daemonSocket;
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

void main();
