// `braid <command>`: commander, one module per command.
import { Command } from 'commander';
import { registerDaemon } from './daemon.js';
import { registerExplain } from './explain.js';
import { registerInstall } from './install.js';
import { registerValidate } from './validate.js';
import { BRAID_VERSION } from './version.js';

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('braid').description('braid: a Kubernetes multi-network CNI meta-plugin').exitOverride();
  program
    .command('version')
    .description('print the braid version and the CNI versions it speaks')
    .action(() => {
      process.stdout.write(`braid ${BRAID_VERSION} (CNI 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)\n`);
    });
  registerExplain(program);
  registerDaemon(program);
  registerInstall(program);
  registerValidate(program);
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return typeof code === 'number' ? code : 1;
  }
}
