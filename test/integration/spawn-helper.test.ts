// The daemon's spawn helper (ADR 0021) keeps runPlugin's contract: every case below runs through runPlugin and through
// a SpawnHelper driving the real compiled executable (`dist/braid spawn-helper`), and both must come out the same.
// Then what only the helper has: it dying at each stage, not answering, answering nonsense, not starting at all.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The parent pid, /proc/<pid>/stat field 4. */
const ppidOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};

/** A SIGKILL is delivered, not waited for: give the process a moment to be gone. */
async function goneSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
  return !alive(pid);
}

async function fileSoon(path: string): Promise<string> {
  for (let i = 0; i < 250 && !(existsSync(path) && readFileSync(path, 'utf8')); i++) await sleep(20);
  return readFileSync(path, 'utf8');
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
const o = (stdin = '', timeoutMs = 5000) => ({ stdin, env: {}, timeoutMs });

const cases: Case[] = [
  [
    'stdin in, stdout and stderr apart, the exit status',
    (r) => r(script('echo', 'cat; echo "to stderr: $FOO" >&2; exit 3'), [], { ...o('{"a":1}\n'), env: { FOO: 'bar' } }),
    { stdout: '{"a":1}\n', stderr: 'to stderr: bar\n', exitCode: 3, timedOut: false },
  ],
  [
    'arguments, and only the environment given',
    (r) => r(script('args', 'echo "$1 $2 ${HOME:-nohome}"'), ['x', 'y z'], o()),
    { stdout: 'x y z nohome\n', stderr: '', exitCode: 0, timedOut: false },
  ],
  [
    'a plugin that does not read its stdin',
    (r) => r(script('noread', 'echo done'), [], o('x'.repeat(1 << 20))),
    { stdout: 'done\n', exitCode: 0, timedOut: false },
  ],
  [
    'output that starts with a byte order mark, and bytes that are not UTF-8',
    (r) => r(script('bom', "printf '\\357\\273\\277{}\\377'"), [], o()),
    { stdout: '\uFEFF{}\uFFFD', exitCode: 0, timedOut: false },
  ],
  [
    'killed by a signal',
    (r) => r(script('selfkill', 'kill -TERM $$; sleep 5'), [], o()),
    { signal: 'SIGTERM', timedOut: false },
  ],
  ['not there', (r) => r(join(dir, 'missing'), [], o()), { code: 'ENOENT', timedOut: false }],
];

describe.each([
  ['runPlugin', 'plain', () => runPlugin],
  ['the spawn helper', 'helper', () => helper.run],
])('%s', (_name, tag, runner) => {
  it.each(cases)('%s', async (_case, run, expected) => {
    const out = await run(runner());
    expect(out).toMatchObject(expected);
    if (expected.code) expect(out.message).toBeTruthy();
  });

  it('eight megabytes of output, whole', async () => {
    const out = await runner()(script('big', 'head -c 8388608 /dev/zero | tr "\\0" a'), [], o());
    expect(out.exitCode).toBe(0);
    expect(out.stdout.length).toBe(8 << 20);
  });

  it('a hang is killed with its whole group at the timeout', async () => {
    const mark = join(dir, `hang-child-${tag}`);
    const out = await runner()(script(`hang-${tag}`, `sleep 30 & echo $! > ${mark}; wait`), [], o('', 1500));
    expect(out).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    expect(await goneSoon(Number(await fileSoon(mark)))).toBe(true);
  });

  it('records the process, as /proc names it, before it has its stdin', async () => {
    const acted = join(dir, `acted-${tag}`);
    const seen: Array<{ pid: number; startTime: number; acted: boolean; ours?: number; parent: number }> = [];
    const out = await runner()(script(`rec-${tag}`, `v=$(cat); printf %s "$v" > ${acted}`), [], {
      ...o('config'),
      onSpawn: (p) => {
        // held here for a while: a stdin sent before the record was made would have been acted on by now
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        const ours = readStat(p.pid)?.startTime;
        seen.push({ pid: p.pid, startTime: p.startTime, acted: existsSync(acted), ours, parent: ppidOf(p.pid) });
        return () => undefined;
      },
    });
    expect(out.exitCode).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ acted: false, startTime: seen[0]!.ours });
    // started by the helper, not by a fallback in this process
    expect(seen[0]!.parent).toBe(tag === 'helper' ? helper.pid : process.pid);
    expect(readFileSync(acted, 'utf8')).toBe('config');
  });

  it('a process that cannot be recorded is killed unfed', async () => {
    const acted = join(dir, `unfed-acted-${tag}`);
    const started = join(dir, `unfed-pid-${tag}`);
    const out = await runner()(script(`unfed-${tag}`, `echo $$ > ${started}; cat > /dev/null; touch ${acted}`), [], {
      ...o('config'),
      onSpawn: () => {
        throw new Error('no room');
      },
    });
    expect(out.message).toBe('it could not be recorded before it started: no room');
    expect(out.error?.message).toBe('no room');
    // it may have been killed before its shell even ran; if it ran, it is gone, and it never acted
    await sleep(300);
    if (existsSync(started)) expect(await goneSoon(Number(readFileSync(started, 'utf8')))).toBe(true);
    expect(existsSync(acted)).toBe(false);
  });

  it('runs many at once, each with its own answer', async () => {
    const echo = script(`many-${tag}`, 'cat');
    const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => runner()(echo, [], o(`n${i}`))));
    expect(outs.map((x) => x.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
  });
});

describe('only the helper', () => {
  it('has said nothing so far: every call above went through it', () => {
    expect(warnings).toEqual([]);
  });

  it('dying mid-call fails that call, kills its group, and the next call gets a new helper', async () => {
    const first = helper.pid!;
    const started = join(dir, 'started');
    const call = helper.run(script('slow', `echo $$ > ${started}; sleep 30`), [], o('', 10_000));
    const pid = Number(await fileSoon(started));
    process.kill(first, 'SIGKILL');
    const out = await call;
    expect(out).toMatchObject({ message: 'the spawn helper exited while it ran', timedOut: false });
    expect(await goneSoon(pid)).toBe(true);
    expect(warnings).toEqual(['the spawn helper exited (SIGKILL)']);
    const next = await helper.run(script('after', 'echo again'), [], o());
    expect(next.stdout).toBe('again\n');
    expect(helper.pid).not.toBe(first);
  });

  it('one that cannot be started leaves the daemon to start delegates itself, and says so once', async () => {
    const said: string[] = [];
    const none = new SpawnHelper(join(dir, 'no-such-braid'), (m) => said.push(m));
    const out = await none.run(script('fallback', 'echo by the daemon'), [], o());
    expect(out.stdout).toBe('by the daemon\n');
    expect(said).toEqual([
      expect.stringMatching(/no-such-braid cannot be started \(ENOENT\): the daemon starts delegates itself$/),
    ]);
    const again = await none.run(script('fallback2', 'echo still'), [], o());
    expect(again.stdout).toBe('still\n');
    expect(said).toHaveLength(1);
  });

  it('one that dies before starting anything: the call is run by the daemon instead', async () => {
    const said: string[] = [];
    const dies = new SpawnHelper(script('dies', 'read line; exit 1'), (m) => said.push(m));
    const out = await dies.run(script('rerun', 'cat'), [], o('fed once'));
    expect(out).toMatchObject({ stdout: 'fed once', exitCode: 0 });
    expect(said).toEqual(['the spawn helper exited (status 1)']);
  });

  it('one that answers nothing: calls time out, it is replaced, and after three the daemon starts delegates itself', async () => {
    const said: string[] = [];
    const mute = new SpawnHelper(script('mute', 'exec sleep 30'), (m) => said.push(m));
    for (let i = 0; i < 3; i++)
      expect(await mute.run(script(`m${i}`, 'echo x'), [], o('', 300))).toMatchObject({ timedOut: true });
    const out = await mute.run(script('m-after', 'echo by the daemon'), [], o());
    expect(out.stdout).toBe('by the daemon\n');
    expect(said).toEqual([
      'the spawn helper did not answer in time and was killed',
      'the spawn helper did not answer in time and was killed',
      'the spawn helper did not answer in time and was killed: the daemon starts delegates itself from now on',
    ]);
  });

  it('answers that are not events are ignored and logged; a started process nobody asked for is killed', async () => {
    const stray = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const said: string[] = [];
    const odd = new SpawnHelper(
      script('odd', `echo null; echo '{"ev":"spawned","id":77,"pid":${stray.pid}}'; exec sleep 30`),
      (m) => said.push(m),
    );
    const out = await odd.run(script('odd-call', 'echo x'), [], o('', 500));
    expect(out.timedOut).toBe(true);
    expect(await goneSoon(stray.pid!)).toBe(true);
    expect(said[0]).toBe('spawn helper: an answer that is not one was ignored: null');
    odd.stop();
  });

  it('after stop() the daemon starts delegates itself, and the helper ends quietly', async () => {
    const said: string[] = [];
    const h = new SpawnHelper(EXECUTABLE, (m) => said.push(m));
    expect((await h.run(script('s1', 'echo one'), [], o())).stdout).toBe('one\n');
    const pid = h.pid!;
    h.stop();
    expect((await h.run(script('s2', 'echo two'), [], o())).stdout).toBe('two\n');
    expect(await goneSoon(pid)).toBe(true);
    expect(said).toEqual([]);
  });
});
