// `braid <command>`: commander, one module per command.
import { Command } from 'commander';
import { registerDaemon } from './daemon.js';
import { registerExplain } from './explain.js';
import { registerInstall } from './install.js';
import { formatOutput, outputFormat } from './output.js';
import { registerValidate } from './validate.js';
import { BRAID_COMMIT_ID, BRAID_VERSION, versionLine } from './version.js';

const CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** `braid version [-o json|yaml|table]`: the version, the commit it was built from, the CNI versions it speaks. */
function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the braid version, its commit and the CNI versions it speaks')
    .option('-o, --output <format>', 'json, yaml or table', 'table')
    .action((opts: { output: string }) => {
      const data = { version: BRAID_VERSION, commit: BRAID_COMMIT_ID, cniVersions: CNI_VERSIONS };
      const table = () => `${versionLine()} (CNI ${CNI_VERSIONS.join(', ')})\n`;
      try {
        process.stdout.write(formatOutput(data, outputFormat(opts.output), table));
      } catch (err) {
        process.stderr.write(`braid version: ${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('braid')
    .description('braid: a Kubernetes multi-network CNI meta-plugin')
    .version(versionLine(), '--version', 'print the braid version and its commit')
    .exitOverride();
  registerVersion(program);
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
