// The executable's hand-written HTTP client to the daemon (unix-post.ts) and callDaemon / forwardToDaemon on it,
// against real unix-socket servers: node:http's (the daemon's own listenOnSocket among them) and raw node:net
// servers that answer in pieces, badly, or not at all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError } from '../../../src/cni/errors.js';
import { printError as skelPrintError, type ProcessIo } from '../../../src/cni/skel.js';
import { callDaemon, DaemonUnreachable, forwardToDaemon } from '../../../src/app/shim.js';
import { responseParser, unixPost, UnixPostError } from '../../../src/wire/unix-post.js';
import type { DaemonRequest } from '../../../src/wire/protocol.js';
import { rawHttpServer, type RawServer, type ReceivedRequest } from '../../support/raw-http-server.js';
import { listenOnSocket } from '../../../src/daemon/socket-server.js';

const dir = mkdtempSync(join(tmpdir(), 'braid-unix-post-'));
let n = 0;
const socketPath = () => join(dir, `s${n++}.sock`);
const closers: (() => Promise<void>)[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw server (test/support/raw-http-server.ts), closed after all. */
async function rawServer(answer: (s: Socket, req: ReceivedRequest) => unknown): Promise<RawServer> {
  const server = await rawHttpServer(socketPath(), answer);
  closers.push(() => server.close());
  return server;
}

/** Writes the pieces one by one, a pause between, so the client sees them in separate reads. */
async function trickle(s: Socket, pieces: (string | Buffer)[], pauseMs = 5): Promise<void> {
  for (const p of pieces) {
    s.write(p);
    await sleep(pauseMs);
  }
}

async function httpServer(handler: Parameters<typeof createHttpServer>[1]): Promise<string> {
  const path = socketPath();
  const server: HttpServer = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return path;
}

const request: DaemonRequest = {
  env: { CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0', NOTE: 'naïve ☃' },
  stdin: '{"cniVersion":"1.0.0","name":"braid"}',
};
const reply = { exitCode: 0, stdout: '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]}' };
const replyText = JSON.stringify(reply);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('unixPost against node:http servers', () => {
  it('sends a well-formed POST and reads the chunked reply of writeHead + end (what the daemon sends)', async () => {
    let seen: { method?: string; url?: string; headers?: Record<string, unknown>; body?: string } = {};
    const path = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        // Later, as the daemon answers after its work: a client that half-closed would have lost this reply.
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(replyText);
        }, 30);
      });
    });
    const body = JSON.stringify(request);
    const res = await unixPost(path, { path: '/cni', contentType: 'application/json', body: body, timeoutMs: 5000 });
    expect(res.status).toBe(200);
    expect(res.body.toString('utf8')).toBe(replyText);
    expect(seen).toMatchObject({ method: 'POST', url: '/cni', body });
    expect(seen.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
      host: 'localhost',
    });
  });

  it('reads a Content-Length reply and large bodies both ways (many reads, multi-byte characters)', async () => {
    const big = { exitCode: 0, stdout: `{"x":"${'é☃'.repeat(300_000)}"}` };
    let bodyLength = 0;
    const path = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodyLength = Buffer.concat(chunks).length;
        const text = JSON.stringify(big);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    const sent = { env: { CNI_COMMAND: 'ADD' }, stdin: 'ü'.repeat(200_000) };
    expect(await callDaemon(path, sent, 5000)).toEqual(big);
    expect(bodyLength).toBe(Buffer.byteLength(JSON.stringify(sent)));
  });

  it('gives any status to the caller, and callDaemon takes a reply from a non-200 status as a reply', async () => {
    const error = { exitCode: 1, stdout: '{"code":7,"msg":"no such endpoint"}' };
    const path = await httpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(error));
      });
    });
    expect(
      (await unixPost(path, { path: '/cni', contentType: 'application/json', body: '{}', timeoutMs: 5000 })).status,
    ).toBe(404);
    expect(await callDaemon(path, request, 5000)).toEqual(error);
  });

  it("talks to the daemon's own socket server: replies and its CNI errors for bad requests", async () => {
    const path = socketPath();
    const server = await listenOnSocket(
      path,
      async (req) => ({ exitCode: 0, stdout: JSON.stringify({ got: req.env.CNI_COMMAND, stdin: req.stdin }) }),
      () => true,
    );
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    expect(await callDaemon(path, request, 5000)).toEqual({
      exitCode: 0,
      stdout: JSON.stringify({ got: 'ADD', stdin: request.stdin }),
    });
    const garbage = await unixPost(path, {
      path: '/cni',
      contentType: 'application/json',
      body: 'not json',
      timeoutMs: 5000,
    });
    expect(garbage.status).toBe(400);
    expect(JSON.parse(JSON.parse(garbage.body.toString()).stdout)).toMatchObject({ code: 6 });
  });
});

describe('unixPost against raw servers', () => {
  const head200 = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';

  it('reassembles a chunked reply split everywhere: in the head, in size lines, in data, between data and CRLF', async () => {
    const a = replyText.slice(0, 20);
    const b = replyText.slice(20);
    const wire = `${head200}${a.length.toString(16)}\r\n${a}\r\n${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n`;
    // Byte by byte: every boundary the parser has is crossed between two reads.
    const { path } = await rawServer((s) =>
      trickle(
        s,
        [...wire].map((c) => c),
        1,
      ),
    );
    const res = await unixPost(path, { path: '/cni', contentType: 'application/json', body: '{}', timeoutMs: 5000 });
    expect(res).toEqual({ status: 200, body: Buffer.from(replyText) });
  });

  it('takes chunk extensions, upper-case hex, trailers, a 100 Continue first, and resolves at the last chunk without waiting for the close', async () => {
    const body = 'x'.repeat(300);
    const { path } = await rawServer(async (s) => {
      await trickle(s, [
        'HTTP/1.1 100 Continue\r\n\r\n',
        head200.replace('chunked', 'gzip, chunked'),
        `12C;name=value\r\n${body}\r\n`,
        '0\r\nX-Trailer: 1\r\n\r\n',
      ]);
      // The socket stays open: the client must not need the close to know the body is whole.
    });
    const res = await unixPost(path, { path: '/cni', contentType: 'application/json', body: '{}', timeoutMs: 5000 });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(body);
  });

  it('reads a Content-Length body arriving in pieces, and a body without length up to the close', async () => {
    const { path: withLength } = await rawServer((s) =>
      trickle(s, [
        `HTTP/1.1 200 OK\r\nContent-Length: ${replyText.length}\r\n\r\n`,
        replyText.slice(0, 10),
        replyText.slice(10),
      ]),
    );
    expect(await callDaemon(withLength, request, 5000)).toEqual(reply);
    const { path: toClose } = await rawServer(async (s) => {
      await trickle(s, ['HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n', replyText.slice(0, 10), replyText.slice(10)]);
      s.end();
    });
    expect(await callDaemon(toClose, request, 5000)).toEqual(reply);
  });

  it('sends the request as node:http did: one POST, exact length, utf-8 body', async () => {
    const { path, received } = await rawServer((s) =>
      s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${replyText.length}\r\n\r\n${replyText}`),
    );
    await callDaemon(path, request, 5000);
    expect(received).toHaveLength(1);
    const [line, ...headers] = received[0]!.head.split('\r\n');
    expect(line).toBe('POST /cni HTTP/1.1');
    expect(headers).toEqual(
      expect.arrayContaining([
        'Host: localhost',
        'Content-Type: application/json',
        'Connection: close',
        `Content-Length: ${Buffer.byteLength(JSON.stringify(request))}`,
      ]),
    );
    expect(JSON.parse(received[0]!.body.toString('utf8'))).toEqual(request);
  });

  it('a bad body is code 999 naming the socket and the HTTP status', async () => {
    const cases = [
      ['not JSON', `HTTP/1.1 502 Bad Gateway\r\nContent-Length: 9\r\n\r\nnot json!`, 502],
      ['JSON that is no reply', `HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"hello"`, 200],
      ['null', `HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull`, 200],
      ['a reply without stdout', `HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{"exitCode":0}`, 200],
      ['a body cut short', `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"exitCode":0,`, 200],
      ['chunks cut short', `${head200}5\r\n{"exi`, 200],
      ['a bad chunk size', `${head200}zz\r\n{}\r\n0\r\n\r\n`, 200],
      ['chunk data without its CRLF', `${head200}2\r\n{}XX0\r\n\r\n`, 200],
      ['a bad Content-Length', `HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n{}`, 200],
    ] as const;
    for (const [what, wire, status] of cases) {
      const { path } = await rawServer((s) => s.end(wire));
      const err = await rejection(callDaemon(path, request, 5000));
      expect([what, err]).toEqual([what, expect.any(CniError)]);
      expect([what, (err as CniError).code]).toEqual([what, 999]);
      expect([what, err.message]).toEqual([
        what,
        `the braid daemon at ${path} answered something that is not a reply (HTTP ${status})`,
      ]);
    }
  });

  it('no HTTP answer at all is "unreachable": not HTTP, or closed without a word', async () => {
    const { path: notHttp } = await rawServer((s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
    const e1 = await rejection(callDaemon(notHttp, request, 5000));
    expect(e1).toBeInstanceOf(DaemonUnreachable);
    expect(e1.message).toBe('EPROTO');
    const { path: hangUp } = await rawServer((s) => s.end());
    const e2 = await rejection(callDaemon(hangUp, request, 5000));
    expect(e2).toBeInstanceOf(DaemonUnreachable);
    expect(e2.message).toMatch(/^(ECONNRESET|EPIPE)$/);
    const err = await rejection(
      unixPost(hangUp, { path: '/cni', contentType: 'application/json', body: '{}', timeoutMs: 5000 }),
    );
    expect(err).toMatchObject({ kind: 'unreachable' });
  });

  it('a daemon that never answers: code 11 "did not answer in time" after the idle bound', async () => {
    const { path } = await rawServer(() => {});
    const t0 = performance.now();
    const err = await rejection(callDaemon(path, request, 150));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(11);
    expect(err.message).toBe(`the braid daemon at ${path} did not answer in time`);
    // Also one that stops in the middle of its reply.
    const { path: stalls } = await rawServer((s) => s.write(`${head200}5\r\n{"exi`));
    expect(
      await rejection(unixPost(stalls, { path: '/cni', contentType: 'application/json', body: '{}', timeoutMs: 150 })),
    ).toMatchObject({ kind: 'timeout' });
  });

  it("the bound is on silence, as node:http's timeout was: a reply still coming in is not cut off", async () => {
    // A piece every 50 ms for 600 ms, under a 400 ms bound: wide margins either way on a loaded machine.
    const pieces = Array.from({ length: 11 }, () => `1\r\n \r\n`);
    const { path } = await rawServer(async (s) => {
      await trickle(s, [head200, ...pieces, `${replyText.length.toString(16)}\r\n${replyText}\r\n0\r\n\r\n`], 50);
    });
    const t0 = performance.now();
    const res = await unixPost(path, { path: '/cni', contentType: 'application/json', body: '{}', timeoutMs: 400 });
    expect(performance.now() - t0).toBeGreaterThan(400); // longer than the bound in all
    expect(res.body.toString()).toBe(`${' '.repeat(11)}${replyText}`);
  });

  it('connection errors are DaemonUnreachable with the errno: no socket, not a socket, nobody listening', async () => {
    expect(await rejection(callDaemon(join(dir, 'absent.sock'), request, 5000))).toStrictEqual(
      new DaemonUnreachable('ENOENT'),
    );
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    expect(await rejection(callDaemon(file, request, 5000))).toStrictEqual(new DaemonUnreachable('ECONNREFUSED'));
    // A stale socket: the file of a daemon that was killed (no close, so the file stays).
    const stale = socketPath();
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(statSync(stale).isSocket()).toBe(true);
    expect(await rejection(callDaemon(stale, request, 5000))).toStrictEqual(new DaemonUnreachable('ECONNREFUSED'));
  });
});

describe('responseParser', () => {
  it('throws on a head that never ends and on a size line that never ends', () => {
    const p = responseParser();
    expect(() => p.push(Buffer.alloc(70_000, 'a'))).toThrow(UnixPostError);
    const q = responseParser();
    q.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    expect(() => q.push(Buffer.alloc(2000, '1'))).toThrow(/size line/);
  });

  /** What one whole response reads as: its status and body, or the UnixPostError's kind and message. */
  const read = (wire: string) => {
    try {
      const res = responseParser().push(Buffer.from(wire, 'latin1'));
      return res && { status: res.status, body: res.body.toString('latin1') };
    } catch (err) {
      if (!(err instanceof UnixPostError)) throw err;
      return { kind: err.kind, message: err.message };
    }
  };

  // Read by hand, as /^HTTP\/1\.[01] (\d{3})(?: |$)/ and /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/ read them before.
  const NOT_HTTP = 'not HTTP';
  it.each([
    ['HTTP/1.1 200 OK', 200],
    ['HTTP/1.0 404', 404],
    ['HTTP/1.1 999 ', 999],
    ['HTTP/1.1 200OK', NOT_HTTP],
    ['HTTP/1.1 2000 OK', NOT_HTTP],
    ['HTTP/1.1 20 OK', NOT_HTTP],
    ['HTTP/1.2 200 OK', NOT_HTTP],
    ['HTTP/1.1  200 OK', NOT_HTTP],
    ['HTTP/1.1 2a0 OK', NOT_HTTP],
    ['http/1.1 200 OK', NOT_HTTP],
    [' HTTP/1.1 200 OK', NOT_HTTP],
  ])('status line %j: %s', (line, status) => {
    const out = read(`${line}\r\nContent-Length: 2\r\n\r\nok`);
    if (status === NOT_HTTP) expect(out).toMatchObject({ kind: 'unreachable', message: /^not an HTTP response/ });
    else expect(out).toEqual({ status, body: 'ok' });
  });

  const BAD = 'bad chunk size';
  it.each([
    ['2', 'ok'],
    ['02 \t ;a=b;c', 'ok'],
    ['2;', 'ok'],
    [' 2', BAD],
    ['2 x', BAD],
    ['2;a\rb', BAD],
    ['0x2', BAD],
    ['', BAD],
    ['-2', BAD],
  ])('chunk size line %j: %j', (line, body) => {
    const out = read(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${line}\r\nok\r\n0\r\n\r\n`);
    if (body === BAD) expect(out).toMatchObject({ kind: 'bad-body', message: /^bad chunk size/ });
    else expect(out).toEqual({ status: 200, body });
  });

  it('a Content-Length is decimal digits and nothing else', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 02\r\n\r\nok')).toEqual({ status: 200, body: 'ok' });
    for (const length of ['+2', '2.0', '0x2', '2 2', '-1'])
      expect(read(`HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\nok`)).toMatchObject({
        kind: 'bad-body',
        message: /^bad Content-Length/,
      });
  });
});

describe('forwardToDaemon', () => {
  const run = async (socket: string, command: string, stdin = '{"cniVersion":"0.4.0","name":"braid"}') => {
    let out = '';
    let inProcess = 0;
    const io: ProcessIo = {
      env: { CNI_COMMAND: command, CNI_IFNAME: 'eth0' },
      stdin,
      stdout: (t) => (out += t),
      stderr: () => {},
    };
    const code = await forwardToDaemon(io, socket, async () => {
      inProcess++;
      return 0;
    });
    return { code, out, inProcess, io };
  };

  it("prints the daemon's stdout and exits with its code", async () => {
    const path = await httpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ exitCode: 3, stdout: 'the result' })));
    });
    expect(await run(path, 'ADD')).toMatchObject({ code: 3, out: 'the result', inProcess: 0 });
  });

  it("daemon down: ADD is code 11, STATUS 50, DEL runs in-process; the error JSON is skel's to the byte", async () => {
    const absent = join(dir, 'down.sock');
    const add = await run(absent, 'ADD');
    expect(add.code).toBe(1);
    expect(JSON.parse(add.out)).toEqual({
      cniVersion: '0.4.0',
      code: 11,
      msg: `the braid daemon is down: cannot reach ${absent} (ENOENT)`,
      details: 'check the braid DaemonSet pod on this node; the runtime will retry',
    });
    expect(JSON.parse((await run(absent, 'STATUS')).out)).toMatchObject({ code: 50 });
    expect(await run(absent, 'DEL')).toMatchObject({ code: 0, out: '', inProcess: 1 });
    for (const stdin of ['{"cniVersion":"0.4.0"}', '{"cniVersion":"9.9.9"}', 'not json', '{"cniVersion":7}']) {
      const ours = await run(absent, 'ADD', stdin);
      let skel = '';
      skelPrintError(
        { ...ours.io, stdout: (t) => (skel += t) },
        new CniError(
          11,
          `the braid daemon is down: cannot reach ${absent} (ENOENT)`,
          'check the braid DaemonSet pod on this node; the runtime will retry',
        ),
      );
      expect(ours.out).toBe(skel);
    }
  });

  it('a bad reply is printed as code 999 and not taken for a daemon that is down (no in-process DEL)', async () => {
    const { path } = await rawServer((s) => s.end('HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\noops'));
    const del = await run(path, 'DEL');
    expect(del).toMatchObject({ code: 1, inProcess: 0 });
    expect(JSON.parse(del.out)).toEqual({
      cniVersion: '0.4.0',
      code: 999,
      msg: `the braid daemon at ${path} answered something that is not a reply (HTTP 500)`,
    });
  });
});
