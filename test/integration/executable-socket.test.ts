// The executable's way to the daemon in bun, where it uses Bun.connect instead of node:net (src/wire/bun-socket.ts):
// jest runs in Node, so bun itself is run here against real unix-socket servers in this process. First unixPost
// alone (bun runs test/support/unix-post-driver.ts), outcome for outcome against the node:net transport on the same
// server; then the compiled executable (dist/braid, `npm run build`) and bin/braid as the runtime runs them.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unixPost, UnixPostError } from '../../src/wire/unix-post.js';
import { listenOnSocket } from '../../src/daemon/socket-server.js';
import type { DaemonRequest } from '../../src/wire/protocol.js';
import { cniEnv } from '../support/netns.js';
import { rawHttpServer } from '../support/raw-http-server.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUN = join(REPO, 'node_modules/.bin/bun');
const DRIVER = join(REPO, 'test/support/unix-post-driver.ts');
const dir = mkdtempSync(join(tmpdir(), 'braid-exe-socket-'));
let n = 0;
const socketPath = () => join(dir, `s${n++}.sock`);
const closers: (() => Promise<void>)[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw server (test/support/raw-http-server.ts) that answers from the request body; closed after all. */
async function rawServer(answer: (s: Socket, body: Buffer) => unknown): Promise<{ path: string; requests: Buffer[] }> {
  const requests: Buffer[] = [];
  const server = await rawHttpServer(socketPath(), (s, req) => {
    requests.push(req.body);
    return answer(s, req.body);
  });
  closers.push(() => server.close());
  return { path: server.path, requests };
}

async function trickle(s: Socket, pieces: string[], pauseMs: number): Promise<void> {
  for (const p of pieces) {
    if (s.destroyed) return;
    s.write(p);
    await sleep(pauseMs);
  }
}

interface Outcome {
  transport?: string;
  status?: number;
  body?: string;
  kind?: string;
  code?: string;
  message?: string;
  ms?: number;
}

/** unixPost in bun, through the driver. */
async function inBun(path: string, timeoutMs = 5000, requestBytes = 2): Promise<Outcome> {
  const r = await execa(BUN, [DRIVER, path, String(timeoutMs), String(requestBytes)], { reject: false });
  if (r.exitCode !== 0) throw new Error(`the driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome;
}

/** The same call here in Node (node:net), in the driver's shape. */
async function inNode(path: string, timeoutMs = 5000, requestBytes = 2): Promise<Outcome> {
  const body = JSON.stringify({ env: { CNI_COMMAND: 'ADD' }, stdin: 'ü'.repeat(Math.max(0, requestBytes - 2) / 2) });
  try {
    const res = await unixPost(path, {
      path: '/cni',
      contentType: 'application/json',
      body: body,
      timeoutMs: timeoutMs,
    });
    return { status: res.status, body: res.body.toString('utf8') };
  } catch (err) {
    if (!(err instanceof UnixPostError)) throw err;
    return { kind: err.kind, code: err.code, status: err.status };
  }
}

/** The outcome in bun, checked to be Node's (timing and messages aside). */
async function same(path: string, timeoutMs?: number, requestBytes?: number): Promise<Outcome> {
  const bun = await inBun(path, timeoutMs, requestBytes);
  expect(bun.transport).toBe('Bun.connect');
  const node = await inNode(path, timeoutMs, requestBytes);
  const compared = (o: Outcome) => ({ status: o.status, body: o.body, kind: o.kind, code: o.code });
  expect(compared(bun)).toEqual(compared(node));
  return bun;
}

const reply = { exitCode: 0, stdout: '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]}' };
const replyText = JSON.stringify(reply);
const chunkedHead = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';

describe('unixPost in bun (Bun.connect) gives what it gives in Node (node:net)', () => {
  it("the daemon's own socket server: a chunked reply", async () => {
    const path = socketPath();
    const server = await listenOnSocket(
      path,
      async (req) => ({ exitCode: 0, stdout: `got ${req.env.CNI_COMMAND} ${req.stdin.length}` }),
      () => true,
    );
    closers.push(() => new Promise((done) => server.close(() => done())));
    expect(await same(path)).toMatchObject({ status: 200, body: JSON.stringify({ exitCode: 0, stdout: 'got ADD 0' }) });
  });

  it('a chunked reply byte by byte, and one with extensions, a 100 Continue, trailers and the socket left open', async () => {
    const wire = `${chunkedHead}${replyText.length.toString(16)}\r\n${replyText}\r\n0\r\n\r\n`;
    const { path } = await rawServer((s) => trickle(s, [...wire], 1));
    expect(await same(path)).toMatchObject({ status: 200, body: replyText });
    const { path: fancy } = await rawServer((s) =>
      trickle(
        s,
        [
          'HTTP/1.1 100 Continue\r\n\r\n',
          chunkedHead,
          `${replyText.length.toString(16).toUpperCase()};a=b\r\n${replyText}\r\n`,
          '0\r\nX-T: 1\r\n\r\n',
        ],
        5,
      ),
    );
    expect(await same(fancy)).toMatchObject({ status: 200, body: replyText });
  });

  it('a Content-Length reply in pieces, and a body up to the close', async () => {
    const { path } = await rawServer((s) =>
      trickle(
        s,
        [
          `HTTP/1.1 201 Created\r\nContent-Length: ${replyText.length}\r\n\r\n`,
          replyText.slice(0, 9),
          replyText.slice(9),
        ],
        5,
      ),
    );
    expect(await same(path)).toMatchObject({ status: 201, body: replyText });
    const { path: toClose } = await rawServer(async (s) => {
      await trickle(s, ['HTTP/1.0 200 OK\r\n\r\n', replyText.slice(0, 9), replyText.slice(9)], 5);
      s.end();
    });
    expect(await same(toClose)).toMatchObject({ status: 200, body: replyText });
  });

  it('large bodies both ways: a request larger than the socket buffer goes out whole, a large reply comes in whole', async () => {
    const big = Buffer.from('é☃'.repeat(200_000));
    const { path, requests } = await rawServer((s) =>
      s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`), big])),
    );
    const out = await same(path, 5000, 900_000);
    expect(out.body).toBe(big.toString());
    expect(requests).toHaveLength(2);
    expect(requests[0]!.length).toBeGreaterThan(800_000);
    expect(requests[0]!.equals(requests[1]!)).toBe(true);
  });

  it('bad bodies are bad-body with the status; no HTTP at all, or a hang-up, is unreachable', async () => {
    for (const wire of [
      `HTTP/1.1 502 Bad\r\nContent-Length: 100\r\n\r\n{"exitCode":0,`,
      `${chunkedHead}5\r\n{"exi`,
      `${chunkedHead}zz\r\n{}\r\n0\r\n\r\n`,
    ]) {
      const { path } = await rawServer((s) => s.end(wire));
      expect((await same(path)).kind).toBe('bad-body');
    }
    const { path: notHttp } = await rawServer((s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
    expect(await same(notHttp)).toMatchObject({ kind: 'unreachable', code: 'EPROTO' });
    const { path: hangUp } = await rawServer((s) => s.end());
    expect(await inBun(hangUp)).toMatchObject({
      kind: 'unreachable',
      code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/),
    });
  });

  it('the bound is on silence: a daemon that never answers times out, one still sending is not cut off', async () => {
    const { path } = await rawServer(() => {});
    const out = await same(path, 150);
    expect(out).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
    expect(out.ms).toBeGreaterThanOrEqual(140);
    const pieces = Array.from({ length: 11 }, () => '1\r\n \r\n');
    const { path: slow } = await rawServer((s) =>
      trickle(s, [chunkedHead, ...pieces, `${replyText.length.toString(16)}\r\n${replyText}\r\n0\r\n\r\n`], 50),
    );
    const long = await inBun(slow, 400);
    expect(long).toMatchObject({ status: 200, body: `${' '.repeat(11)}${replyText}` });
    expect(long.ms).toBeGreaterThan(400);
  });

  it('connection errors carry the errno: no socket, not a socket, nobody listening', async () => {
    expect(await same(join(dir, 'absent.sock'))).toMatchObject({ kind: 'unreachable', code: 'ENOENT' });
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    expect(await same(file)).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED' });
    const stale = socketPath();
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(await same(stale)).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED' });
    // Bun.connect throws at once on what it refuses: still an unreachable daemon, not a crash.
    expect(await inBun('')).toMatchObject({ kind: 'unreachable', transport: 'Bun.connect' });
  });
});

const EXECUTABLES = [
  ['dist/braid (bun, compiled)', join(REPO, 'dist/braid')],
  ['bin/braid (Node)', join(REPO, 'bin/braid')],
] as const;

describe.each(EXECUTABLES)('%s as the runtime runs it, forwarding to a daemon', (_name, exe) => {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...cniEnv({ command: 'ADD', containerId: 'c1', netns: '/var/run/netns/x', ifname: 'eth0', path: '/opt/cni/bin' }),
  };
  const stdinFor = (socket: string) =>
    JSON.stringify({ cniVersion: '1.0.0', name: 'braid', type: 'braid', daemonSocket: socket });
  const run = (socket: string) => execa(exe, [], { input: stdinFor(socket), env, extendEnv: false, reject: false });
  const downError = (socket: string, code: string) => ({
    cniVersion: '1.0.0',
    code: 11,
    msg: `the braid daemon is down: cannot reach ${socket} (${code})`,
    details: 'check the braid DaemonSet pod on this node; the runtime will retry',
  });

  it("prints the daemon's stdout and exits with its code (chunked, the daemon's own server); the daemon got the env and stdin", async () => {
    const path = socketPath();
    const seen: DaemonRequest[] = [];
    const server = await listenOnSocket(
      path,
      async (req) => {
        seen.push(req);
        return { exitCode: 3, stdout: '{"the":"result"}' };
      },
      () => true,
    );
    closers.push(() => new Promise((done) => server.close(() => done())));
    const r = await run(path);
    expect([r.exitCode, r.stdout]).toEqual([3, '{"the":"result"}']);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.stdin).toBe(stdinFor(path));
    expect(seen[0]!.env).toMatchObject(env);
  });

  it('a request larger than the socket buffer reaches the daemon whole', async () => {
    const path = socketPath();
    const server = await listenOnSocket(
      path,
      async (req) => ({ exitCode: 0, stdout: String(req.stdin.length) }),
      () => true,
    );
    closers.push(() => new Promise((done) => server.close(() => done())));
    const input = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'braid',
      type: 'braid',
      daemonSocket: path,
      padding: 'p'.repeat(900_000),
    });
    expect(await execa(exe, [], { input, env, extendEnv: false, reject: false })).toMatchObject({
      exitCode: 0,
      stdout: String(input.length),
    });
  });

  it('a Content-Length reply and a body up to the close', async () => {
    const { path } = await rawServer((s) =>
      s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${replyText.length}\r\n\r\n${replyText}`),
    );
    expect(await run(path)).toMatchObject({ exitCode: 0, stdout: reply.stdout });
    const { path: toClose } = await rawServer((s) => s.end(`HTTP/1.0 200 OK\r\n\r\n${replyText}`));
    expect(await run(toClose)).toMatchObject({ exitCode: 0, stdout: reply.stdout });
  });

  it('garbage is a daemon that is down (code 11); a bad body is code 999; no socket is ENOENT', async () => {
    const { path } = await rawServer((s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
    const garbage = await run(path);
    expect(garbage.exitCode).toBe(1);
    expect(JSON.parse(garbage.stdout)).toEqual(downError(path, 'EPROTO'));
    const { path: cut } = await rawServer((s) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"exitCode":0,`));
    const bad = await run(cut);
    expect(bad.exitCode).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      code: 999,
      msg: `the braid daemon at ${cut} answered something that is not a reply (HTTP 200)`,
    });
    const absent = join(dir, 'absent.sock');
    expect(JSON.parse((await run(absent)).stdout)).toEqual(downError(absent, 'ENOENT'));
  });

  it('a daemon that never answers is waited for; when it hangs up, code 11', async () => {
    let hangUp = () => {};
    const { path, requests } = await rawServer((s) => (hangUp = () => s.destroy()));
    const child = run(path);
    let exited = false;
    void child.finally(() => (exited = true));
    while (requests.length === 0) await sleep(20);
    await sleep(700);
    expect(exited).toBe(false);
    hangUp();
    const r = await child;
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual(downError(path, 'ECONNRESET'));
  });
});
