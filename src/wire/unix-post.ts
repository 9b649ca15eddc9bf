// One HTTP/1.1 POST over a unix socket, by hand: the executable's way to the daemon. node:http costs the compiled
// executable more to load than the whole rest of a forwarded call. The socket is bun's own (Bun.connect) in the
// compiled executable and node:net elsewhere; both feed the same parser (http-response.ts) and end the same ways.
import { bunRuntime, dialBun } from './bun-socket.js';
import { responseParser, UnixPostError, type UnixPostResponse } from './http-response.js';
import type { Dial } from './transport.js';

export { responseParser, UnixPostError, type UnixPostResponse } from './http-response.js';

/**
 * node:net is loaded only where it is used: bun must not pay for it. bun-socket.ts loads nothing, and comes with
 * this module: one module fewer to load on the call's path.
 */
async function dialer(): Promise<Dial> {
  const bun = bunRuntime();
  if (bun) return (socketPath, request, peer) => dialBun(bun, socketPath, request, peer);
  return (await import('./node-socket.js')).dialNode;
}

/**
 * POSTs `body` to `path` and resolves with the status and the raw body, whatever the status. `timeoutMs` bounds
 * each silence, as node:http's `timeout` did: a daemon still sending is not cut off.
 */
export interface PostRequest {
  path: string;
  contentType: string;
  body: string;
  /** Of silence: any data arriving starts it again. */
  timeoutMs: number;
}

export async function unixPost(
  socketPath: string,
  { path, contentType, body, timeoutMs }: PostRequest,
): Promise<UnixPostResponse> {
  const payload = Buffer.from(body, 'utf8');
  // Host is required of HTTP/1.1 (node:http's server answers 400 without it). Connection: close lets a reply
  // without a length end at the close. One buffer, so head and body usually leave in one send.
  const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`;
  return exchange(await dialer(), socketPath, Buffer.concat([Buffer.from(head, 'latin1'), payload]), timeoutMs);
}

function exchange(dial: Dial, socketPath: string, request: Buffer, timeoutMs: number): Promise<UnixPostResponse> {
  return new Promise((resolve, reject) => {
    const parser = responseParser();
    let settled = false;
    let close = () => {}; // until dial returns
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (err: UnixPostError | undefined, res?: UnixPostResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close();
      if (err) reject(err);
      else resolve(res!);
    };
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(new UnixPostError('timeout', 'ETIMEDOUT', `no answer from ${socketPath} for ${timeoutMs} ms`)),
        timeoutMs,
      );
    };
    const parse = (step: () => UnixPostResponse | undefined) => {
      try {
        const res = step();
        if (res) finish(undefined, res);
      } catch (err) {
        finish(err instanceof UnixPostError ? err : new UnixPostError('unreachable', 'EPROTO', String(err)));
      }
    };
    idle();
    close = dial(socketPath, request, {
      data(chunk) {
        if (settled) return; // a new timer now would hold the process for the whole bound
        idle();
        parse(() => parser.push(chunk));
      },
      end() {
        if (!settled) parse(() => parser.end());
      },
      error(code, message) {
        const status = parser.status();
        if (status === undefined) finish(new UnixPostError('unreachable', code, message));
        else finish(new UnixPostError('bad-body', code, `the reply broke off: ${message}`, status));
      },
    });
    if (settled) close(); // finished while dialling
  });
}
