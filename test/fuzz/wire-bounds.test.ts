// Fuzzing the executable's reading of the daemon's HTTP answer (http-response.ts: whatever comes back, in whatever
// pieces, a response or a UnixPostError) and the bounds on what pod and NAD authors control (bounds.ts: any value,
// however deep, is measured without overflowing the stack).
import fc from 'fast-check';
import { boundsProblem, MAX_DEPTH, MAX_FIELD_BYTES, textProblem } from '../../src/core/bounds.js';
import { responseParser, UnixPostError, type UnixPostResponse } from '../../src/wire/http-response.js';
import { anyText, deep, heavy, materialize, nastyValue } from './arbitraries.js';
import { check, must, TIMEOUT } from './fuzz-config.js';

/** Feeds `pieces` to a fresh parser, then the close: the response, or the UnixPostError it ended with. */
function feed(pieces: Buffer[], close = true): UnixPostResponse | UnixPostError | undefined {
  const p = responseParser();
  try {
    for (const piece of pieces) {
      const done = p.push(piece);
      if (done) return done;
    }
    return close ? p.end() : undefined;
  } catch (err) {
    if (err instanceof UnixPostError) return err;
    throw err;
  }
}

/** `whole` cut at the given points. */
const cut = (whole: Buffer, at: number[]) => {
  const points = [...new Set(at.map((i) => i % (whole.length + 1)))].sort((a, b) => a - b);
  return [0, ...points].map((start, i) => whole.subarray(start, points[i] ?? whole.length));
};

const bodyText = fc.oneof(anyText, fc.constantFrom('', '{"exitCode":0,"stdout":""}'));

/** A response as node:http's server (or another) may send it: any framing, interim heads first. */
const response = fc
  .record({
    interim: fc.array(fc.constantFrom('HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 102 Processing\r\nX: y\r\n\r\n'), {
      maxLength: 2,
    }),
    status: fc.integer({ min: 200, max: 599 }),
    version: fc.constantFrom('1.1', '1.0'),
    framing: fc.constantFrom('length', 'chunked', 'close'),
    body: bodyText,
    chunkAt: fc.array(fc.nat(), { maxLength: 4 }),
    headers: fc.array(fc.constantFrom('Content-Type: application/json', 'Connection: close', 'X-A: b'), {
      maxLength: 2,
    }),
  })
  .map((r) => {
    const body = Buffer.from(r.body);
    const headers: string[] = [...r.headers];
    let payload = body;
    if (r.framing === 'length') headers.push(`Content-Length: ${body.length}`);
    if (r.framing === 'chunked') {
      headers.push('Transfer-Encoding: chunked');
      const chunks = cut(body, r.chunkAt).filter((c) => c.length > 0);
      payload = Buffer.concat([
        ...chunks.map((c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')])),
        Buffer.from('0\r\n\r\n'),
      ]);
    }
    const head = `${r.interim.join('')}HTTP/${r.version} ${r.status} X\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
    return { wire: Buffer.concat([Buffer.from(head, 'latin1'), payload]), status: r.status, body };
  });

describe("fuzz: the daemon's HTTP answer, as the executable reads it", () => {
  it(
    'any bytes, in any pieces: a response or a UnixPostError',
    () => {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        response.map((r) => r.wire),
        // a valid response with bytes flipped, dropped or added
        fc
          .tuple(
            response,
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 4 }),
          )
          .map(([r, edits]) => {
            const b = [...r.wire];
            for (const [at, v, insert] of edits) b.splice(at % (b.length + 1), insert ? 0 : 1, v);
            return Buffer.from(b);
          }),
      );
      check(
        fc.property(bytes, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (wire, at, close) => {
          const out = feed(cut(wire, at), close);
          if (out instanceof UnixPostError) {
            must(
              ['unreachable', 'bad-body'].includes(out.kind) && out.message !== '',
              'a UnixPostError without a kind',
            );
          } else if (out) {
            // any three digits (the executable reads the body, not the status)
            must(Number.isInteger(out.status) && out.status >= 0 && out.status <= 999, `status ${out.status}`);
            must(Buffer.isBuffer(out.body), 'a body that is not bytes');
          }
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'a valid response reads the same however it is cut',
    () => {
      check(
        fc.property(response, fc.array(fc.nat(), { maxLength: 8 }), (r, at) => {
          const out = feed(cut(r.wire, at));
          must(!(out instanceof UnixPostError) && out, () => `not read: ${String(out)}`);
          expect(out.status).toBe(r.status);
          expect(out.body.toString('utf8')).toBe(r.body.toString('utf8'));
        }),
      );
    },
    TIMEOUT,
  );
});

/** The nesting of a JSON value, counted the plain way (fine for the shallow values it is used on). */
const depthOf = (v: unknown): number =>
  v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;

describe('fuzz: bounds', () => {
  it(
    'any value, however deep or big: measured, never a crash',
    () => {
      check(
        fc.property(fc.oneof(nastyValue, heavy, fc.jsonValue({ maxDepth: 6 })), (v) => {
          const value = materialize(v);
          const problem = boundsProblem(value);
          must(problem === undefined || problem.startsWith('is '), `problem ${problem}`);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'shallow values: refused exactly when too deep or too big',
    () => {
      const shallow = fc.oneof(
        fc.jsonValue({ maxDepth: 5 }),
        fc.integer({ min: MAX_DEPTH - 2, max: MAX_DEPTH + 2 }).map((d) => materialize(deep(d, d % 2 ? 'a' : 'o'))),
        fc.integer({ min: MAX_FIELD_BYTES - 20, max: MAX_FIELD_BYTES + 20 }).map((n) => ({ s: 'x'.repeat(n) })),
      );
      check(
        fc.property(shallow, (value) => {
          const tooDeep = depthOf(value) > MAX_DEPTH;
          const tooBig = Buffer.byteLength(JSON.stringify(value) ?? '') > MAX_FIELD_BYTES;
          const problem = boundsProblem(value);
          expect(problem === undefined).toBe(!tooDeep && !tooBig);
          if (tooDeep) expect(problem).toMatch(/nested more than/);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'text: refused exactly when it has too many bytes',
    () => {
      check(
        fc.property(fc.string({ unit: 'binary', maxLength: 50 }), fc.integer({ min: 0, max: 120 }), (t, max) => {
          expect(textProblem(t, max) === undefined).toBe(Buffer.byteLength(t) <= max);
        }),
      );
    },
    TIMEOUT,
  );
});
