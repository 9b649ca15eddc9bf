// One HTTP/1.1 POST over a unix socket, by hand on node:net: the executable's way to the daemon. node:http costs
// the compiled executable more to load than the whole rest of a forwarded call, and the daemon's answer is one
// small body: a status line, a few headers, then Content-Length bytes, chunks (node:http's server chunks a
// reply sent with writeHead + end), or everything up to the close.
import { connect } from 'node:net';

export interface UnixPostResponse {
  status: number;
  body: Buffer;
}

/**
 * Why a POST failed. 'unreachable': no HTTP answer began (`code` is the errno, ECONNRESET when the peer closed
 * first, EPROTO when what came back is not HTTP). 'timeout': the socket was idle for the whole bound.
 * 'bad-body': the status line came (`status`) but the body is cut short or badly chunked.
 */
export class UnixPostError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'bad-body',
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UnixPostError';
  }
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** A response head larger than this is not the daemon's. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (hex size, maybe extensions) longer than this is not one. */
const MAX_SIZE_LINE_BYTES = 1024;

/**
 * POSTs `body` to `path` and resolves with the status and the raw body, whatever the status. `timeoutMs` bounds
 * each silence, as node:http's `timeout` did: a daemon still sending is not cut off.
 */
export function unixPost(socketPath: string, path: string, contentType: string, body: string, timeoutMs: number): Promise<UnixPostResponse> {
  const payload = Buffer.from(body, 'utf8');
  // Host is required of HTTP/1.1 (node:http's server answers 400 without it). Connection: close lets a reply
  // without a length end at the close. One buffer, so head and body usually leave in one send.
  const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const parser = responseParser();
    let settled = false;
    const socket = connect({ path: socketPath });
    const finish = (err: UnixPostError | undefined, res?: UnixPostResponse) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const failNow = (err: unknown) => finish(err instanceof UnixPostError ? err : new UnixPostError('unreachable', 'EPROTO', String(err)));
    socket.setTimeout(timeoutMs, () => finish(new UnixPostError('timeout', 'ETIMEDOUT', `no answer from ${socketPath} for ${timeoutMs} ms`)));
    // Not end(): node:http's server drops a request whose client half-closes before the reply is written.
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
    socket.on('data', (chunk: Buffer) => {
      try {
        const res = parser.push(chunk);
        if (res) finish(undefined, res);
      } catch (err) {
        failNow(err);
      }
    });
    const onEnd = () => {
      if (settled) return;
      try {
        finish(undefined, parser.end());
      } catch (err) {
        failNow(err);
      }
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd); // a close with neither 'end' nor 'error' before it is judged like an end
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const status = parser.status();
      if (status === undefined) finish(new UnixPostError('unreachable', err.code ?? err.message, err.message));
      else finish(new UnixPostError('bad-body', err.code ?? 'EPROTO', `the reply broke off: ${err.message}`, status));
    });
  });
}

/**
 * The response, fed as it arrives: push() returns it once whole, end() at the close returns it or throws
 * if it is incomplete. Interim 1xx heads are skipped.
 */
export function responseParser() {
  let buf: Buffer = Buffer.alloc(0);
  let status: number | undefined;
  let framing: 'chunked' | 'length' | 'close' = 'close';
  let remaining = 0; // bytes of the body (length) or of the current chunk (chunked) still to come
  let inChunk = false;
  const parts: Buffer[] = [];
  const done = (): UnixPostResponse => ({ status: status!, body: Buffer.concat(parts) });
  const bad = (msg: string) => new UnixPostError('bad-body', 'EPROTO', msg, status);

  /** Consumes a whole head from buf if there is one; false while more bytes are needed. */
  const readHead = (): boolean => {
    const end = buf.indexOf(HEAD_END);
    if (end < 0) {
      if (buf.length > MAX_HEAD_BYTES) throw new UnixPostError('unreachable', 'EPROTO', 'not an HTTP response: no end of head');
      return false;
    }
    const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
    buf = buf.subarray(end + HEAD_END.length);
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) throw new UnixPostError('unreachable', 'EPROTO', `not an HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const code = Number(m[1]);
    if (code >= 100 && code < 200 && code !== 101) return true; // 100 Continue and the like: the real head follows
    status = code;
    let length: string | undefined;
    let chunked = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === 'transfer-encoding') chunked = value.split(',').some((v) => v.trim() === 'chunked');
      else if (name === 'content-length') length = value;
    }
    // Chunked wins over a Content-Length (RFC 9112 6.3); with neither, the body runs to the close.
    if (chunked) framing = 'chunked';
    else if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw bad(`bad Content-Length ${JSON.stringify(length)}`);
      framing = 'length';
      remaining = Number(length);
    }
    return true;
  };

  /** Consumes what it can of the body; true once it is whole. */
  const readBody = (): boolean => {
    if (framing === 'close') {
      if (buf.length) parts.push(buf);
      buf = Buffer.alloc(0);
      return false;
    }
    if (framing === 'length') {
      const take = buf.subarray(0, remaining);
      if (take.length) parts.push(take);
      remaining -= take.length;
      buf = buf.subarray(take.length);
      return remaining === 0;
    }
    for (;;) {
      if (!inChunk) {
        const eol = buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > MAX_SIZE_LINE_BYTES) throw bad('bad chunk: no end of the size line');
          return false;
        }
        const line = buf.subarray(0, eol).toString('latin1');
        const m = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
        if (!m) throw bad(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
        buf = buf.subarray(eol + CRLF.length);
        remaining = parseInt(m[1]!, 16);
        // The last chunk: the body is whole; trailers, if any, are not wanted and the socket is closed.
        if (remaining === 0) return true;
        inChunk = true;
      }
      // The chunk's data, then its CRLF (which may come in a later read than the data).
      const take = buf.subarray(0, remaining);
      if (take.length) parts.push(take);
      remaining -= take.length;
      buf = buf.subarray(take.length);
      if (remaining > 0 || buf.length < CRLF.length) return false;
      if (!buf.subarray(0, CRLF.length).equals(CRLF)) throw bad('bad chunk: no CRLF after its data');
      buf = buf.subarray(CRLF.length);
      inChunk = false;
    }
  };

  return {
    status: () => status,
    push(chunk: Buffer): UnixPostResponse | undefined {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (status === undefined) if (!readHead()) return undefined;
      return readBody() ? done() : undefined;
    },
    end(): UnixPostResponse {
      if (status === undefined) throw new UnixPostError('unreachable', 'ECONNRESET', 'the socket closed before any answer');
      if (framing === 'close') {
        readBody();
        return done();
      }
      throw bad(framing === 'length' ? `the body ended ${remaining} bytes short` : 'the chunked body ended before its last chunk');
    },
  };
}
