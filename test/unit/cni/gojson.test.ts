import { goMarshal } from '../../../src/cni/gojson.js';

// What Go's json.Marshal of a map[string]interface{} writes: keys sorted bytewise at every depth,
// HTML characters and U+2028/U+2029 escaped, everything else as JSON.stringify.
describe('goMarshal', () => {
  it.each([
    [
      'flat keys sorted',
      { type: 'bridge', name: 'n', cniVersion: '1.0.0' },
      '{"cniVersion":"1.0.0","name":"n","type":"bridge"}',
    ],
    ['upper case before lower case (byte order)', { b: 1, B: 2, a: 3 }, '{"B":2,"a":3,"b":1}'],
    [
      'nested objects sorted, arrays keep their order',
      { z: [{ y: 1, x: 2 }, 3, 'a'], a: { d: null, c: true } },
      '{"a":{"c":true,"d":null},"z":[{"x":2,"y":1},3,"a"]}',
    ],
    ['<, > and & escaped', { s: '<a href="x">&</a>' }, '{"s":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"}'],
    ['escapes in keys too', { 'a&b': 1 }, '{"a\\u0026b":1}'],
    ['U+2028 and U+2029 escaped', { s: 'a\u2028b\u2029c' }, '{"s":"a\\u2028b\\u2029c"}'],
    ['other non-ASCII kept as is', { s: 'ünï → ✓' }, '{"s":"ünï → ✓"}'],
    ['scalars', [1, 1.5, -0.25, true, false, null, ''], '[1,1.5,-0.25,true,false,null,""]'],
    ['an empty object and array', { b: [], a: {} }, '{"a":{},"b":[]}'],
  ])('%s', (_name, value, want) => {
    expect(goMarshal(value)).toBe(want);
    expect(JSON.parse(goMarshal(value))).toEqual(value); // same value, only the bytes differ
  });
});
