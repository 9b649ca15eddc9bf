// The daemon's HTTP/1.1 answer, read as it arrives: the parser that both socket transports of unix-post.ts feed.
// The answer is one small body: a status line, a few headers, then Content-Length bytes, chunks (node:http's
// server chunks a reply sent with writeHead + end), or everything up to the close.

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
 * The status code of an HTTP/1.0 or 1.1 status line, or undefined if it is not one. By hand, as are the other
 * checks here: the compiled executable's first regular expression costs it ~0.5 ms.
 */
function statusOf(line: string): number | undefined {
  if (!line.startsWith('HTTP/1.') || (line[7] !== '0' && line[7] !== '1') || line[8] !== ' ') return undefined;
  if (!isDigits(line, 9, 12) || (line.length > 12 && line[12] !== ' ')) return undefined;
  return Number(line.slice(9, 12));
}

/** Whether `s` from `start` to `end` is decimal digits, and not empty. */
function isDigits(s: string, start: number, end: number): boolean {
  if (end <= start || end > s.length) return false;
  for (let i = start; i < end; i++) if (s.charCodeAt(i) < 48 || s.charCodeAt(i) > 57) return false;
  return true;
}

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** A chunk-size line's size: hex digits, maybe blanks, maybe `;` and extensions (no CR or LF); else undefined. */
function chunkSizeOf(line: string): number | undefined {
  let i = 0;
  while (i < line.length && isHex(line.charCodeAt(i))) i++;
  if (i === 0) return undefined;
  const digits = line.slice(0, i);
  while (line[i] === ' ' || line[i] === '\t') i++;
  if (i < line.length && (line[i] !== ';' || line.includes('\r', i) || line.includes('\n', i))) return undefined;
  return parseInt(digits, 16);
}

type Framing = { kind: 'chunked' } | { kind: 'length'; length: string } | { kind: 'close' };

/** How the body is delimited: chunked wins over a Content-Length (RFC 9112 6.3); with neither, it runs to the close. */
function framingOf(headerLines: string[]): Framing {
  let length: string | undefined;
  let chunked = false;
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'transfer-encoding') chunked = value.split(',').some((v) => v.trim() === 'chunked');
    else if (name === 'content-length') length = value;
  }
  if (chunked) return { kind: 'chunked' };
  return length === undefined ? { kind: 'close' } : { kind: 'length', length };
}

/**
 * The response, fed as it arrives: push() returns it once whole, end() at the close returns it or throws
 * if it is incomplete. Interim 1xx heads are skipped.
 */
class ResponseParser {
  private buf: Buffer = Buffer.alloc(0);
  private code: number | undefined;
  private framing: Framing['kind'] = 'close';
  /** Bytes of the body (length) or of the current chunk (chunked) still to come. */
  private remaining = 0;
  private inChunk = false;
  private readonly parts: Buffer[] = [];

  status(): number | undefined {
    return this.code;
  }

  push(chunk: Buffer): UnixPostResponse | undefined {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.code === undefined) if (!this.readHead()) return undefined;
    return this.readBody() ? this.done() : undefined;
  }

  end(): UnixPostResponse {
    if (this.code === undefined)
      throw new UnixPostError('unreachable', 'ECONNRESET', 'the socket closed before any answer');
    if (this.framing === 'close') {
      this.readBody();
      return this.done();
    }
    throw this.bad(
      this.framing === 'length'
        ? `the body ended ${this.remaining} bytes short`
        : 'the chunked body ended before its last chunk',
    );
  }

  private done(): UnixPostResponse {
    return { status: this.code!, body: Buffer.concat(this.parts) };
  }

  private bad(msg: string): UnixPostError {
    return new UnixPostError('bad-body', 'EPROTO', msg, this.code);
  }

  /** Consumes a whole head from buf if there is one; false while more bytes are needed. */
  private readHead(): boolean {
    const end = this.buf.indexOf(HEAD_END);
    if (end < 0) {
      if (this.buf.length > MAX_HEAD_BYTES)
        throw new UnixPostError('unreachable', 'EPROTO', 'not an HTTP response: no end of head');
      return false;
    }
    const [statusLine = '', ...headerLines] = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    this.buf = this.buf.subarray(end + HEAD_END.length);
    const code = statusOf(statusLine);
    if (code === undefined)
      throw new UnixPostError(
        'unreachable',
        'EPROTO',
        `not an HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}`,
      );
    if (code >= 100 && code < 200 && code !== 101) return true; // 100 Continue and the like: the real head follows
    this.code = code;
    const framing = framingOf(headerLines);
    if (framing.kind === 'length') {
      if (!isDigits(framing.length, 0, framing.length.length))
        throw this.bad(`bad Content-Length ${JSON.stringify(framing.length)}`);
      this.remaining = Number(framing.length);
    }
    this.framing = framing.kind;
    return true;
  }

  /** Consumes what it can of the body; true once it is whole. */
  private readBody(): boolean {
    switch (this.framing) {
      case 'close':
        if (this.buf.length) this.parts.push(this.buf);
        this.buf = Buffer.alloc(0);
        return false;
      case 'length':
        this.take();
        return this.remaining === 0;
      case 'chunked':
        return this.readChunks();
    }
  }

  /** Moves up to `remaining` bytes of buf into the body. */
  private take(): void {
    const take = this.buf.subarray(0, this.remaining);
    if (take.length) this.parts.push(take);
    this.remaining -= take.length;
    this.buf = this.buf.subarray(take.length);
  }

  private readChunks(): boolean {
    for (;;) {
      if (!this.inChunk) {
        const size = this.readSizeLine();
        if (size === undefined) return false;
        // The last chunk: the body is whole; trailers, if any, are not wanted and the socket is closed.
        if (size === 0) return true;
        this.remaining = size;
        this.inChunk = true;
      }
      // The chunk's data, then its CRLF (which may come in a later read than the data).
      this.take();
      if (this.remaining > 0 || this.buf.length < CRLF.length) return false;
      if (!this.buf.subarray(0, CRLF.length).equals(CRLF)) throw this.bad('bad chunk: no CRLF after its data');
      this.buf = this.buf.subarray(CRLF.length);
      this.inChunk = false;
    }
  }

  /** The next chunk's size, its line consumed; undefined while the line is incomplete. */
  private readSizeLine(): number | undefined {
    const eol = this.buf.indexOf(CRLF);
    if (eol < 0) {
      if (this.buf.length > MAX_SIZE_LINE_BYTES) throw this.bad('bad chunk: no end of the size line');
      return undefined;
    }
    const line = this.buf.subarray(0, eol).toString('latin1');
    const size = chunkSizeOf(line);
    if (size === undefined) throw this.bad(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
    this.buf = this.buf.subarray(eol + CRLF.length);
    return size;
  }
}

export type { ResponseParser };

export const responseParser = (): ResponseParser => new ResponseParser();
