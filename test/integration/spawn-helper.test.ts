// The daemon's spawn helper (ADR 0021) keeps runPlugin's contract: every case below runs through runPlugin and through
// a SpawnHelper driving the real compiled executable (`dist/braid spawn-helper`), and both must come out the same.
// Then what only the helper has: it dying mid-call, and a helper that cannot be started.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readStat } from '../../src/invoke/processes.js';
import { type PluginRunner, runPlugin, type RunOutcome } from '../../src/invoke/spawn-plugin.js';
import { SpawnHelper } from '../../src/invoke/spawner-client.js';

const EXECUTABLE = resolve('dist/braid');
let dir: string;
let helper: SpawnHelper;
const warnings: string[] = [];

const script = (name: string, body: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
};

const alive = (pid: number) => {
  const st = readStat(pid);
  return st !== undefined && st.state !== 'Z';
};

/** A SIGKILL is delivered, not waited for: give the process a moment to be gone. */
async function goneSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

beforeAll(() => {
  if (!existsSync(EXECUTABLE)) throw new Error(`${EXECUTABLE} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'braid-spawner-'));
  helper = new SpawnHelper(EXECUTABLE, (m) => warnings.push(m));
  helper.start();
});
afterAll(() => {
  helper.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Case = [name: string, run: (r: PluginRunner) => Promise<RunOutcome>, expected: Partial<RunOutcome>];

const cases: Case[] = [
  [
    'stdin in, stdout and stderr apart, the exit status',
    (r) =>
      r(script('echo', 'cat; echo "to stderr: $FOO" >&2; exit 3'), [], {
        stdin: '{"a":1}\n',
        env: { FOO: 'bar' },
        timeoutMs: 5000,
      }),
    { stdout: '{"a":1}\n', stderr: 'to stderr: bar\n', exitCode: 3, timedOut: false },
  ],
  [
    'arguments, and only the environment given',
    (r) => r(script('args', 'echo "$1 $2 ${HOME:-nohome}"'), ['x', 'y z'], { stdin: '', env: {}, timeoutMs: 5000 }),
    { stdout: 'x y z nohome\n', stderr: '', exitCode: 0, timedOut: false },
  ],
  [
    'a plugin that does not read its stdin',
    (r) => r(script('noread', 'echo done'), [], { stdin: 'x'.repeat(1 << 20), env: {}, timeoutMs: 5000 }),
    { stdout: 'done\n', exitCode: 0, timedOut: false },
  ],
  [
    'killed by a signal',
    (r) => r(script('selfkill', 'kill -TERM $$; sleep 5'), [], { stdin: '', env: {}, timeoutMs: 5000 }),
    { signal: 'SIGTERM', timedOut: false },
  ],
  [
    'not there',
    (r) => r(join(dir, 'missing'), [], { stdin: '', env: {}, timeoutMs: 5000 }),
    { code: 'ENOENT', timedOut: false },
  ],
  [
    'a hang, killed with its whole group at the timeout',
    (r) =>
      r(script('hang', `sleep 30 & echo $! > ${join(dir, 'hang-child')}; wait`), [], {
        stdin: '',
        env: {},
        timeoutMs: 500,
      }),
    { timedOut: true, signal: 'SIGKILL' },
  ],
];

describe.each([
  ['runPlugin', () => runPlugin],
  ['the spawn helper', () => helper.run],
])('%s', (_name, runner) => {
  it.each(cases)('%s', async (_case, run, expected) => {
    const out = await run(runner());
    expect(out).toMatchObject(expected);
    if (expected.code) expect(out.message).toBeTruthy();
  });

  it('a hang leaves no child of its own behind', async () => {
    await cases[5]![1](runner());
    const pid = Number(readFileSync(join(dir, 'hang-child'), 'utf8'));
    expect(await goneSoon(pid)).toBe(true);
  });

  it('records the process, as /proc names it, before it has its stdin', async () => {
    const acted = join(dir, `acted-${_name.length}`);
    const seen: Array<{ pid: number; startTime: number; acted: boolean; ours: number | undefined }> = [];
    const out = await runner()(script('rec', `v=$(cat); printf %s "$v" > ${acted}`), [], {
      stdin: 'config',
      env: {},
      timeoutMs: 5000,
      onSpawn: (p) => {
        seen.push({ pid: p.pid, startTime: p.startTime, acted: existsSync(acted), ours: readStat(p.pid)?.startTime });
        return () => undefined;
      },
    });
    expect(out.exitCode).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ acted: false, startTime: seen[0]!.ours });
    expect(readFileSync(acted, 'utf8')).toBe('config');
  });

  it('a process that cannot be recorded is killed unfed', async () => {
    const acted = join(dir, `unfed-${_name.length}`);
    const out = await runner()(script('unfed', `cat > /dev/null; touch ${acted}`), [], {
      stdin: 'config',
      env: {},
      timeoutMs: 5000,
      onSpawn: () => {
        throw new Error('no room');
      },
    });
    expect(out.message).toBe('it could not be recorded before it started: no room');
    expect(out.error?.message).toBe('no room');
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(acted)).toBe(false);
  });

  it('runs many at once, each with its own answer', async () => {
    const echo = script('many', 'cat');
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runner()(echo, [], { stdin: `n${i}`, env: {}, timeoutMs: 5000 })),
    );
    expect(outs.map((o) => o.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
  });
});

describe('only the helper', () => {
  it('dying mid-call fails that call, kills its group, and the next call gets a new helper', async () => {
    const first = helper.pid!;
    const started = join(dir, 'started');
    const call = helper.run(script('slow', `echo $$ > ${started}; sleep 30`), [], {
      stdin: '',
      env: {},
      timeoutMs: 10_000,
    });
    while (!existsSync(started) || !readFileSync(started, 'utf8')) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(readFileSync(started, 'utf8'));
    process.kill(first, 'SIGKILL');
    const out = await call;
    expect(out).toMatchObject({ message: 'the spawn helper exited while it ran', timedOut: false });
    expect(await goneSoon(pid)).toBe(true);
    expect(warnings.some((w) => w.startsWith('the spawn helper exited (SIGKILL)'))).toBe(true);
    const next = await helper.run(script('after', 'echo again'), [], { stdin: '', env: {}, timeoutMs: 5000 });
    expect(next.stdout).toBe('again\n');
    expect(helper.pid).not.toBe(first);
  });

  it('one that cannot be started leaves the daemon to start delegates itself, and says so', async () => {
    const said: string[] = [];
    const none = new SpawnHelper(join(dir, 'no-such-braid'), (m) => said.push(m));
    const out = await none.run(script('fallback', 'echo by the daemon'), [], { stdin: '', env: {}, timeoutMs: 5000 });
    expect(out.stdout).toBe('by the daemon\n');
    expect(said).toEqual([
      expect.stringMatching(/no-such-braid cannot be started \(ENOENT\): the daemon starts delegates itself$/),
    ]);
    const again = await none.run(script('fallback2', 'echo still'), [], { stdin: '', env: {}, timeoutMs: 5000 });
    expect(again.stdout).toBe('still\n');
    expect(said).toHaveLength(1);
  });
});
