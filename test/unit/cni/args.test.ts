import { delegateArgs, formatCniArgs, parseCniArgs } from '../../../src/cni/args.js';

describe('CNI_ARGS', () => {
  it.each([
    ['', []],
    ['A=1', [['A', '1']]],
    [
      'IgnoreUnknown=1;K8S_POD_NAME=p;X=a=b',
      [
        ['IgnoreUnknown', '1'],
        ['K8S_POD_NAME', 'p'],
        ['X', 'a=b'],
      ],
    ],
    [
      'A=1;;B=',
      [
        ['A', '1'],
        ['B', ''],
      ],
    ],
  ])('parses %j', (raw, want) => {
    expect(parseCniArgs(raw)).toEqual(want);
  });

  it('rejects a pair without "="', () => {
    expect(() => parseCniArgs('A=1;oops')).toThrow('"oops" is not KEY=VALUE');
  });

  it('puts IgnoreUnknown=1 in front for delegates unless the runtime sent it', () => {
    expect(formatCniArgs(delegateArgs([['K8S_POD_NAME', 'p']]))).toBe('IgnoreUnknown=1;K8S_POD_NAME=p');
    expect(
      formatCniArgs(
        delegateArgs([
          ['IgnoreUnknown', 'true'],
          ['A', 'b'],
        ]),
      ),
    ).toBe('IgnoreUnknown=true;A=b');
  });
});
