// The CNI plugin's reading of stdin and its first answers (src/main.ts), in bun as the compiled executable reads
// them (a stream on bun's event loop): bun runs src/main.ts against a raw daemon in this process.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { DaemonRequest } from '../../src/wire/protocol.js';
import { cniEnv } from '../support/netns.js';
import { rawHttpServer, type RawServer } from '../support/raw-http-server.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUN = join(REPO, 'node_modules/.bin/bun');
const MAIN = join(REPO, 'src/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'braid-main-stdin-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  ...cniEnv({ command: 'ADD', containerId: 'c1', netns: '/var/run/netns/x', ifname: 'eth0', path: '/opt/cni/bin' }),
};

let daemon: RawServer;
beforeAll(async () => {
  daemon = await rawHttpServer(join(dir, 'braid.sock'), (s) => {
    const body = JSON.stringify({ exitCode: 0, stdout: '{"cniVersion":"1.0.0"}' });
    s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
});
afterAll(async () => {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

const conf = (extra = {}) =>
  JSON.stringify({ cniVersion: '1.0.0', name: 'braid', type: 'braid', daemonSocket: daemon.path, ...extra });

const text = async (stream: Readable) => {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
};

/**
 * bun running src/main.ts with `stdin` as its fd 0; `feed` writes to it if it is a pipe. `nonBlocking`: perl makes
 * fd 0 non-blocking first (libuv makes a child's stdio blocking), then execs bun.
 */
async function braid(
  stdin: number | 'pipe',
  feed?: (w: NodeJS.WritableStream) => Promise<void>,
  more: Record<string, string> = {},
  nonBlocking = false,
) {
  const setFlag = 'fcntl(STDIN, F_SETFL, fcntl(STDIN, F_GETFL, 0) | O_NONBLOCK) or die $!; exec @ARGV or die $!';
  const [cmd, ...args] = nonBlocking ? ['perl', '-MFcntl', '-e', setFlag, BUN, MAIN] : [BUN, MAIN];
  const child = spawn(cmd!, args, { env: { ...env, ...more }, stdio: [stdin, 'pipe', 'pipe'] });
  const out = text(child.stdout!);
  const err = text(child.stderr!);
  if (feed) await feed(child.stdin!);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, stdout: await out, stderr: await err };
}

/** What the daemon got in the last request. */
const lastRequest = () => JSON.parse(daemon.received.at(-1)!.body.toString('utf8')) as DaemonRequest;

describe('the plugin reads stdin (bun)', () => {
  it('forwards stdin verbatim, multi-byte characters whole, and prints the reply', async () => {
    const input = conf({ note: 'naïve ☃' });
    const r = await braid('pipe', async (w) => void w.end(input));
    expect(r).toMatchObject({ code: 0, stdout: '{"cniVersion":"1.0.0"}' });
    expect(lastRequest()).toMatchObject({ stdin: input, env: { CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' } });
  });

  it('keeps a BOM, as Node reads it: the config is then not JSON', async () => {
    const r = await braid('pipe', async (w) => void w.end(`\ufeff${conf()}`));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 6, msg: expect.stringMatching(/not valid JSON.*\ufeff/) });
  });

  it('waits for a writer that is late and writes in pieces', async () => {
    const whole = conf();
    const late = async (w: NodeJS.WritableStream) => {
      await sleep(200);
      w.write(whole.slice(0, 10));
      await sleep(100);
      w.end(whole.slice(10));
    };
    expect(await braid('pipe', late)).toMatchObject({ code: 0, stdout: '{"cniVersion":"1.0.0"}' });
    expect(lastRequest().stdin).toBe(whole);
  });

  it('waits on a non-blocking pipe (EAGAIN) rather than taking it for an empty one', async () => {
    // A fifo: a pipe the child reads from the start, written here when the test chooses.
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, 'w');
    const whole = conf();
    const running = braid(reader, undefined, {}, true);
    closeSync(reader);
    await sleep(300);
    writeSync(writer, whole.slice(0, 10));
    await sleep(100);
    writeSync(writer, whole.slice(10));
    closeSync(writer);
    expect(await running).toMatchObject({ code: 0, stdout: '{"cniVersion":"1.0.0"}' });
    expect(lastRequest().stdin).toBe(whole);
  });

  it('stdin that cannot be read is code 5 with the errno; none at all is empty stdin (code 6)', async () => {
    const fd = openSync(dir, 'r');
    try {
      const r = await braid(fd);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({
        cniVersion: '1.1.0',
        code: 5,
        msg: 'error reading the network configuration from stdin: EISDIR',
      });
    } finally {
      closeSync(fd);
    }
    const empty = await braid('pipe', async (w) => void w.end());
    expect(JSON.parse(empty.stdout)).toMatchObject({ code: 6, msg: expect.stringMatching(/^stdin is empty/) });
  });

  it('refuses to be its own delegate, but answers VERSION as a delegate too', async () => {
    const refused = await braid('pipe', async (w) => void w.end(conf()), { BRAID_DELEGATE: '1' });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({
      cniVersion: '1.1.0',
      code: 7,
      msg: 'braid cannot be a delegate of braid',
    });
    const version = await braid('pipe', async (w) => void w.end(conf()), {
      BRAID_DELEGATE: '1',
      CNI_COMMAND: 'VERSION',
    });
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout)).toMatchObject({ cniVersion: '1.1.0', supportedVersions: expect.any(Array) });
  });
});
