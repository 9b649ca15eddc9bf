// A delegate that cannot be recorded before it starts (issue 12 item 9): it is killed before it has its stdin, and the
// ADD fails with the recording's own error, so a cacheDir that is a file says so (code 5, with its advice) rather
// than coming out as an internal "could not be run". The real PlanStore records, into a cacheDir with a file in the way.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import type { DelegateProcess } from '../../../src/engine/ports.js';
import { ProcessPluginExec } from '../../../src/invoke/process-exec.js';
import { runPlugin } from '../../../src/invoke/spawn-plugin.js';
import { FilePlanStore } from '../../../src/store/plan-store.js';

let dir: string;
let bin: string;
let cacheDir: string;
let acted: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-spawn-'));
  bin = join(dir, 'bin');
  cacheDir = join(dir, 'cache');
  acted = join(dir, 'acted');
  mkdirSync(bin);
  mkdirSync(cacheDir);
  writeFileSync(join(cacheDir, 'running'), ''); // the records' directory cannot be made
  // acts (leaves a file) only once it has read its config, as a CNI plugin does
  writeFileSync(join(bin, 'touchy'), `#!/bin/sh\ncat >/dev/null\ntouch ${acted}\necho '{}'\n`);
  chmodSync(join(bin, 'touchy'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const store = () => new FilePlanStore(cacheDir);
const record = (p: DelegateProcess) => {
  const s = store();
  s.recordRunning('c1', 'eth0', p);
  return () => s.forgetRunning('c1', 'eth0', p);
};

describe('a delegate that cannot be recorded before it starts', () => {
  it("runPlugin keeps the recording's error whole, and the child never acts", async () => {
    const out = await runPlugin(join(bin, 'touchy'), [], { stdin: '{}', env: {}, timeoutMs: 5000, onSpawn: record });
    expect(out.exitCode).toBeUndefined();
    expect(out.message).toMatch(/^it could not be recorded before it started: /);
    expect(out.error).toBeInstanceOf(CniError);
    expect((out.error as CniError).code).toBe(ErrorCode.IoFailure);
    expect(out.message).toContain((out.error as CniError).message);
    expect(existsSync(acted)).toBe(false);
  });

  it('ProcessPluginExec fails with its code and advice, not an internal error', async () => {
    const exec = new ProcessPluginExec({ searchPath: [bin], env: { PATH: process.env.PATH }, timeoutMs: 5000 });
    const err = (await exec
      .exec({ type: 'touchy', command: 'ADD', stdin: '{}', cniEnv: { CNI_CONTAINERID: 'c1' }, onSpawn: record })
      .catch((e: unknown) => e)) as CniError;
    expect(err).toBeInstanceOf(CniError);
    expect(err.code).toBe(ErrorCode.IoFailure);
    expect(err.message).toContain('plugin "touchy" (ADD) could not be run: it could not be recorded before it started');
    expect(err.message).toContain(`${join(cacheDir, 'running')} is a file, not a directory`);
    expect(err.details).toContain(`move or remove ${join(cacheDir, 'running')}`);
    expect(existsSync(acted)).toBe(false);
  });

  it('an error of another kind is still an internal one', async () => {
    const exec = new ProcessPluginExec({ searchPath: [bin], env: {}, timeoutMs: 5000 });
    const onSpawn = () => {
      throw new Error('no room');
    };
    const err = (await exec
      .exec({ type: 'touchy', command: 'ADD', stdin: '{}', cniEnv: {}, onSpawn })
      .catch((e: unknown) => e)) as CniError;
    expect(err.code).toBe(ErrorCode.Internal);
    expect(err.message).toBe(
      'plugin "touchy" (ADD) could not be run: it could not be recorded before it started: no room',
    );
    expect(existsSync(acted)).toBe(false);
  });
});
