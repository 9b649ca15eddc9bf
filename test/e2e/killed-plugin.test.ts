// Issue 12 item 10: a delegate killed by a signal is reported to the runtime as killed by that signal, not as a plugin
// that "could not be run" (which sends an operator looking for a missing or broken binary). Through the executable.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cniEnv, runBraid, TempDir } from '../support/netns.js';

const tmp = new TempDir();
afterAll(() => tmp.remove());

const VERSION_ANSWER = '{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0","1.1.0"]}';

/** A plugin whose ADD and DEL end the way `body` says (after reading its stdin unless told not to). */
function plugin(bin: string, name: string, body: string): void {
  writeFileSync(
    join(bin, name),
    `#!/bin/sh\n[ "$CNI_COMMAND" = VERSION ] && { echo '${VERSION_ANSWER}'; exit 0; }\n${body}\n`,
  );
  chmodSync(join(bin, name), 0o755);
}

async function add(type: string) {
  const dir = tmp.sub(type);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  plugin(bin, 'segv', 'cat >/dev/null\necho "about to crash" >&2\nkill -SEGV $$');
  plugin(bin, 'killed', 'cat >/dev/null\nkill -KILL $$');
  plugin(bin, 'killed-early', 'kill -KILL $$'); // before it has read its stdin
  writeFileSync(join(bin, 'bad-interpreter'), '#!/nonexistent/sh\nexit 0\n');
  chmodSync(join(bin, 'bad-interpreter'), 0o755);
  const out = await runBraid({
    stdin: {
      cniVersion: '1.1.0',
      name: 'braid',
      type: 'braid',
      cacheDir: join(dir, 'cache'),
      binDir: bin,
      delegates: [{ cniVersion: '1.0.0', name: 'net', type }],
    },
    env: cniEnv({ command: 'ADD', containerId: 'c1', netns: '/var/run/netns/none', ifname: 'eth0', path: bin }),
  });
  expect(out.exitCode).toBe(1);
  return out.json as { code: number; msg: string; details?: string };
}

describe('a delegate killed by a signal', () => {
  it.each([
    ['segv', 'SIGSEGV', 'about to crash'],
    ['killed', 'SIGKILL', 'no output at all'],
    ['killed-early', 'SIGKILL', 'no output at all'],
  ])('%s: the runtime is told it was killed by %s', async (type, signal, details) => {
    const err = await add(type);
    expect(err.msg).toBe(
      `container c1: network net (eth0): plugin type="${type}" name="net" failed (add): plugin "${type}" (ADD) was killed by ${signal}`,
    );
    expect(err.msg).not.toContain('could not be run');
    expect(err.details).toBe(details);
    expect(err.code).toBe(999);
  });

  it('a plugin that cannot be started is still told apart: "could not be run"', async () => {
    const err = await add('bad-interpreter');
    expect(err.msg).toContain('plugin "bad-interpreter" (ADD) could not be run');
    expect(err.msg).not.toContain('killed by');
  });
});
