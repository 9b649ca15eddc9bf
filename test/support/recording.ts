// Recording plugins: the scriptable test plugin linked under the names of real plugins, in a temp bin dir.
import { mkdirSync, readFileSync, symlinkSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const TEST_PLUGIN = resolve('test/support/plugins/test-plugin');

export interface Call {
  plugin: string;
  command: string;
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
  path: string;
  stdin: string;
}

/** Links the test plugin as each name in `dir/bin`; calls are logged to `dir/calls.jsonl`. */
export function recordingPlugins(dir: string, names: string[]): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const n of names) if (!existsSync(join(bin, n))) symlinkSync(TEST_PLUGIN, join(bin, n));
  return bin;
}

export function readCalls(dir: string): Call[] {
  const file = join(dir, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
}

/** Scripts the answer of plugin `name` to `command`. */
export function answer(dir: string, name: string, command: string, reply: Record<string, unknown>): void {
  writeFileSync(join(dir, `${name}.${command}.json`), JSON.stringify(reply));
}
