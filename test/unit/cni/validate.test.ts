import { containerIdProblem, interfaceNameProblem, networkNameProblem } from '../../../src/cni/validate.js';

// libcni pkg/utils: ValidateContainerID, ValidateNetworkName, ValidateInterfaceName.
describe('containerIdProblem and networkNameProblem', () => {
  it.each([
    ['abc', undefined],
    ['0abc', undefined],
    ['a_b.c-d', undefined],
    ['', 'is empty'],
    ['_abc', 'must start'],
    ['.abc', 'must start'],
    ['-abc', 'must start'],
    ['a b', 'must start'],
    ['a/b', 'must start'],
    ['a:b', 'must start'],
    ['ünï', 'must start'],
  ])('%j → %s', (id, problem) => {
    for (const check of [containerIdProblem, networkNameProblem]) {
      if (problem === undefined) expect(check(id)).toBeUndefined();
      else expect(check(id)).toMatch(new RegExp(`^${problem}`));
    }
  });
});

describe('interfaceNameProblem', () => {
  it.each([
    ['eth0', undefined],
    ['net1', undefined],
    ['a'.repeat(15), undefined],
    ['veth-1.2_x@y', undefined],
    ['', 'is empty'],
    ['a'.repeat(16), "is 16 characters long, more than the kernel's limit of 15"],
    ['.', 'may not be "." or ".."'],
    ['..', 'may not be "." or ".."'],
    ['a/b', 'may not contain "/", ":" or whitespace'],
    ['a:b', 'may not contain "/", ":" or whitespace'],
    ['a b', 'may not contain "/", ":" or whitespace'],
    ['a\nb', 'may not contain "/", ":" or whitespace'],
  ])('%j → %s', (name, problem) => {
    expect(interfaceNameProblem(name)).toBe(problem);
  });
});
