// The daemon's CNI socket: parseDaemonRequest on what arrives, and the server's answers to bad requests.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError } from '../../../src/cni/errors.js';
import { listenOnSocket, parseDaemonRequest } from '../../../src/daemon/socket-server.js';
import { socketRequest } from '../../support/daemon.js';

describe('parseDaemonRequest', () => {
  it.each([
    ['{"env":{},"stdin":""}', { env: {}, stdin: '' }],
    [
      '{"env":{"CNI_COMMAND":"ADD","CNI_IFNAME":"eth0"},"stdin":"{\\"type\\":\\"braid\\"}","extra":1}',
      { env: { CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' }, stdin: '{"type":"braid"}' },
    ],
  ])('accepts %s', (text, want) => {
    expect(parseDaemonRequest(text)).toEqual(want);
  });

  it.each([
    ['an empty body', '', /the body is not JSON/],
    ['text', 'ADD please', /the body is not JSON/],
    ['truncated JSON', '{"env":{', /the body is not JSON/],
    ['null', 'null', /expected \{"env"/],
    ['a number', '42', /expected \{"env"/],
    ['a string', '"ADD"', /expected \{"env"/],
    ['an array', '[{"env":{},"stdin":""}]', /expected \{"env"/],
    ['no env', '{"stdin":""}', /expected \{"env"/],
    ['no stdin', '{"env":{}}', /expected \{"env"/],
    ['env as an array', '{"env":["CNI_COMMAND=ADD"],"stdin":""}', /expected \{"env"/],
    ['env null', '{"env":null,"stdin":""}', /expected \{"env"/],
    ['a number in env', '{"env":{"CNI_COMMAND":1},"stdin":""}', /expected \{"env"/],
    ['null in env', '{"env":{"CNI_COMMAND":null},"stdin":""}', /expected \{"env"/],
    ['stdin as an object', '{"env":{},"stdin":{"type":"braid"}}', /expected \{"env"/],
    ['stdin null', '{"env":{},"stdin":null}', /expected \{"env"/],
  ])('rejects %s with code 6', (_, text, msg) => {
    let err: unknown;
    try {
      parseDaemonRequest(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(6);
    expect((err as CniError).message).toMatch(/^not a CNI request: /);
    expect((err as CniError).message).toMatch(msg);
  });
});

describe('listenOnSocket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-socket-'));
  const socket = join(dir, 'run', 'braid.sock');
  const handled: string[] = [];
  let server: Server;

  beforeAll(async () => {
    server = await listenOnSocket(
      socket,
      async (req) => {
        handled.push(req.env.CNI_COMMAND ?? '');
        if (req.env.CNI_COMMAND === 'CRASH') throw new Error('handler bug');
        return { exitCode: 0, stdout: `{"done":"${req.env.CNI_COMMAND}"}` };
      },
      () => true,
    );
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: string) => socketRequest(socket, 'POST', '/cni', body);
  const cniError = (text: string) =>
    JSON.parse((JSON.parse(text) as { stdout: string }).stdout) as { code: number; msg: string };

  it('creates the socket with mode 0600', () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['a body that is not JSON', () => post('garbage'), 400, 6],
    ['a body that is not {env, stdin}', () => post('{"env":{}}'), 400, 6],
    ['an unknown path', () => socketRequest(socket, 'POST', '/other', '{}'), 404, 7],
    ['GET /cni', () => socketRequest(socket, 'GET', '/cni'), 404, 7],
    ['a handler that throws', () => post('{"env":{"CNI_COMMAND":"CRASH"},"stdin":""}'), 500, 999],
  ])('answers %s with a CNI error and keeps serving', async (_, send, status, code) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(cniError(res.text).code).toBe(code);
    const ok = await post('{"env":{"CNI_COMMAND":"ADD"},"stdin":""}');
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { exitCode: 0, stdout: '{"done":"ADD"}' }]);
  });

  it('refuses a body over 1 MiB without handling it, and keeps serving', async () => {
    const res = await post(JSON.stringify({ env: { CNI_COMMAND: 'HUGE' }, stdin: 'x'.repeat(1 << 20) })).catch(
      (e: NodeJS.ErrnoException) => String(e.code),
    );
    // The server answers 400 and drops the connection; the client sees the answer or the reset, whichever comes first.
    if (typeof res === 'string') expect(['ECONNRESET', 'EPIPE']).toContain(res);
    else expect([res.status, cniError(res.text).code]).toEqual([400, 7]);
    expect(handled).not.toContain('HUGE');
    expect((await post('{"env":{"CNI_COMMAND":"ADD"},"stdin":""}')).status).toBe(200);
  });

  it('serves GET /healthz', async () => {
    expect(await socketRequest(socket, 'GET', '/healthz')).toEqual({ status: 200, text: 'ok' });
  });
});
