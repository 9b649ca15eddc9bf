// bounds: what a pod or NAD author may put into a plan (issue 12, item 5): nesting and size, checked without recursion.
import { boundsProblem, MAX_DEPTH, safeJson, textProblem } from '../../../src/core/bounds.js';

/** `{"a":{"a":…}}` `levels` deep, built without recursion. */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

describe('boundsProblem', () => {
  it.each([
    ['a flat object', { a: 1, b: 'x' }, undefined],
    [`${MAX_DEPTH} levels`, nested(MAX_DEPTH), undefined],
    [`${MAX_DEPTH + 1} levels`, nested(MAX_DEPTH + 1), `is nested more than ${MAX_DEPTH} levels deep`],
    ['a list of lists 40 deep', JSON.parse('['.repeat(40) + ']'.repeat(40)), 'is nested more than 32 levels deep'],
    ['100,000 levels (no stack overflow)', nested(100_000), 'is nested more than 32 levels deep'],
    ['a 70 KB string', { s: 'x'.repeat(70_000) }, 'is 70008 bytes; at most 65536 are accepted'],
    ['a scalar', 'plain', undefined],
    [
      'Infinity (1e999)',
      JSON.parse('{"a":{"b":[0,1e999]}}'),
      'holds at "a.b[1]" a number too big for a double (JSON has no Infinity)',
    ],
    ['-Infinity alone', JSON.parse('-1e999'), 'is a number too big for a double (JSON has no Infinity)'],
    ['the largest double', JSON.parse('{"a":1.7976931348623157e308}'), undefined],
  ])('%s', (_, value, want) => {
    expect(boundsProblem(value)).toEqual(want);
  });
});

describe('textProblem', () => {
  it('accepts 256 KiB and refuses one byte more', () => {
    expect(textProblem('x'.repeat(256 * 1024))).toBeUndefined();
    expect(textProblem('x'.repeat(256 * 1024 + 1))).toBe('is 262145 bytes; at most 262144 are accepted');
  });
});

describe('safeJson', () => {
  it.each([
    ['a string', 'x', '"x"'],
    ['an object whose toString is not callable', { toString: 1 }, '{"toString":1}'],
    [
      'a list nested 6000 deep',
      JSON.parse('['.repeat(6000) + ']'.repeat(6000)),
      '(a value nested more than 32 levels deep)',
    ],
    ['undefined', undefined, 'undefined'],
    ['a BigInt', BigInt(1), '(a value that is not JSON)'],
  ])('%s', (_, value, want) => {
    expect(safeJson(value)).toBe(want);
  });
});
