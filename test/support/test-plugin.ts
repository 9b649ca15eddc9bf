// The scriptable test plugin (test/support/plugins/test-plugin), installed under any names in a bin dir.
// It logs every call to <dir>/calls.jsonl and answers from <dir>/<name>.<COMMAND>.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './netns.js';

export const TEST_PLUGIN = join(REPO, 'test/support/plugins/test-plugin');

export interface PluginCallLog {
  plugin: string;
  command: string;
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
  path: string;
  /** The exact bytes the plugin read. */
  stdin: string;
}

export interface Answer {
  exitCode?: number;
  result?: unknown;
  stdout?: string;
  stderr?: string;
  sleep?: number;
  /** Wait until this many calls with a barrier are running at once (up to 5 s), else fail with code 11. */
  barrier?: number;
}

export class TestPlugins {
  /** Holds the symlinks: use it as braid's binDir or in CNI_PATH. */
  readonly bin: string;

  constructor(
    readonly dir: string,
    names: string[],
  ) {
    this.bin = join(dir, 'bin');
    mkdirSync(this.bin, { recursive: true });
    for (const n of names) if (!existsSync(join(this.bin, n))) symlinkSync(TEST_PLUGIN, join(this.bin, n));
  }

  /** The environment variable that points the plugin at this dir. */
  get env(): Record<string, string> {
    return { BRAID_TEST_PLUGIN_DIR: this.dir };
  }

  answer(name: string, command: string, a: Answer): void {
    writeFileSync(join(this.dir, `${name}.${command}.json`), JSON.stringify(a));
  }

  calls(): PluginCallLog[] {
    const file = join(this.dir, 'calls.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as PluginCallLog);
  }

  /** "plugin COMMAND" per call, VERSION calls left out. */
  order(): string[] {
    return this.calls()
      .filter((c) => c.command !== 'VERSION')
      .map((c) => `${c.plugin} ${c.command}`);
  }

  resetCalls(): void {
    rmSync(join(this.dir, 'calls.jsonl'), { force: true });
    for (const f of readdirSync(this.dir)) if (f.startsWith('barrier.')) rmSync(join(this.dir, f), { force: true });
  }
}
