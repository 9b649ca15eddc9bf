// classifyApiError: Kubernetes errors by HTTP status (ApiException's .code, Watch's .statusCode) or by
// connection error code, never by message text (docs/adr/0009).
import { ApiError, classifyApiError, type ApiErrorKind } from '../../../src/k8s/errors.js';

const statusCases: Array<[number, ApiErrorKind, boolean]> = [
  [404, 'notFound', false],
  [409, 'conflict', true],
  [410, 'gone', false],
  [429, 'tooManyRequests', true],
  [401, 'unauthorized', true],
  [403, 'forbidden', true], // a restarting API server's RBAC cache is cold: retried within a bound (errors.ts)
  [400, 'invalid', false],
  [422, 'invalid', false],
  [500, 'server', true],
  [502, 'server', true],
  [503, 'server', true],
  [504, 'server', true],
  [418, 'other', false],
];

describe('classifyApiError', () => {
  it.each(statusCases)('HTTP %i in .code (ApiException) is %s, retriable %s', (code, kind, retriable) => {
    const err = classifyApiError(Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: '' }));
    expect([err.kind, err.status, err.retriable]).toEqual([kind, code, retriable]);
  });

  it.each(statusCases)('HTTP %i in .statusCode (Watch) is %s, retriable %s', (statusCode, kind, retriable) => {
    const err = classifyApiError(Object.assign(new Error('Forbidden'), { statusCode }));
    expect([err.kind, err.status, err.retriable]).toEqual([kind, statusCode, retriable]);
  });

  it('goes by the status, not by a message that says otherwise', () => {
    expect(classifyApiError(Object.assign(new Error('not found: ECONNREFUSED'), { code: 409 })).kind).toBe('conflict');
    expect(classifyApiError(Object.assign(new Error('Conflict'), { statusCode: 404 })).kind).toBe('notFound');
  });

  it.each<[string, unknown, string]>([
    [
      'a Status object as a JSON string',
      JSON.stringify({ kind: 'Status', message: 'pods "p1" not found', code: 404 }),
      'pods "p1" not found',
    ],
    [
      'a Status object already parsed',
      { kind: 'Status', message: 'the object has been modified', code: 409 },
      'the object has been modified',
    ],
    ['text that is not JSON', 'upstream connect error', 'upstream connect error'],
    ['no body', undefined, 'HTTP-Code: 404'],
  ])('takes the message from %s', (_, body, message) => {
    expect(classifyApiError(Object.assign(new Error('HTTP-Code: 404'), { code: 404, body })).message).toBe(message);
  });

  it('keeps at most 200 characters of a body that is not JSON', () => {
    expect(classifyApiError({ code: 502, body: 'x'.repeat(5000) }).message).toHaveLength(200);
  });

  it.each<[string, unknown]>([
    [
      'ECONNREFUSED in .code',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
    ],
    ['ECONNRESET in .code', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['ETIMEDOUT in .code', Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })],
    ['EHOSTUNREACH in .code', Object.assign(new Error('no route'), { code: 'EHOSTUNREACH' })],
    [
      'ECONNREFUSED in .cause.code (fetch)',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
    ],
    ['a system FetchError', Object.assign(new Error('request to https://x failed'), { type: 'system' })],
    ['"socket hang up" without a code', new Error('socket hang up')],
  ])('%s is a retriable connection error', (_, raw) => {
    const err = classifyApiError(raw);
    expect([err.kind, err.status, err.retriable]).toEqual(['connection', undefined, true]);
    expect(err.message).toMatch(/^cannot reach the API server: /);
  });

  it.each<[string, unknown]>([
    ['a plain Error', new Error('something else')],
    ['a string', 'weird'],
    ['an unknown error code', Object.assign(new Error('EACCES'), { code: 'EACCES' })],
    ['a status code below 100', { code: 7, message: 'seven' }],
    ['undefined', undefined],
  ])('%s is "other" and not retriable', (_, raw) => {
    const err = classifyApiError(raw);
    expect([err.kind, err.retriable]).toEqual(['other', false]);
  });

  it('returns an ApiError unchanged', () => {
    const e = new ApiError('gone', 410, 'too old');
    expect(classifyApiError(e)).toBe(e);
  });
});
