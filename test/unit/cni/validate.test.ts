import {
  containerIdProblem,
  interfaceNameProblem,
  MAX_CONTAINER_ID,
  networkNameProblem,
} from '../../../src/cni/validate.js';

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

describe('containerIdProblem: length', () => {
  it.each([
    ['64 hex digits, as every runtime sends', 'f'.repeat(64), undefined],
    [`${MAX_CONTAINER_ID} characters`, 'a'.repeat(MAX_CONTAINER_ID), undefined],
    [
      'one more',
      'a'.repeat(MAX_CONTAINER_ID + 1),
      `is ${MAX_CONTAINER_ID + 1} characters long; at most ${MAX_CONTAINER_ID} are accepted`,
    ],
    ['300 characters', 'x'.repeat(300), `is 300 characters long; at most ${MAX_CONTAINER_ID} are accepted`],
  ])('%s', (_, id, problem) => {
    expect(containerIdProblem(id)).toBe(problem);
  });
});

describe('interfaceNameProblem', () => {
  it.each([
    ['eth0', undefined],
    ['net1', undefined],
    ['a'.repeat(15), undefined],
    ['veth-1.2_x@y', undefined],
    ['', 'is empty'],
    ['a'.repeat(16), "is 16 bytes long, more than the kernel's limit of 15"],
    // libcni counts bytes (Go's len): 15 "é" are 30 (fuzz find request-ids-unchecked)
    ['é'.repeat(7), undefined],
    ['é'.repeat(8), "is 16 bytes long, more than the kernel's limit of 15"],
    ['é'.repeat(15), "is 30 bytes long, more than the kernel's limit of 15"],
    ['a\u0000b', 'may not contain NUL or another control character'],
    ['a\u0007b', 'may not contain NUL or another control character'],
    ['a\u007fb', 'may not contain NUL or another control character'],
    ['a\u0085b', 'may not contain "/", ":" or whitespace'],
    ['a\u00a0b', 'may not contain "/", ":" or whitespace'],
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
