import { atLeast, compareVersions, isSupportedVersion, versionReport } from '../../../src/cni/version.js';

describe('compareVersions', () => {
  it.each([
    ['1.0.0', '1.0.0', 0],
    ['0.4.0', '1.0.0', -1],
    ['1.1.0', '1.0.0', 1],
    ['0.10.0', '0.9.0', 1], // numeric, not lexical
    ['0.3.1', '0.3.0', 1],
    ['1.0', '1.0.0', 0], // missing parts count as 0
    ['1.0.0-rc1', '1.0.0', 0], // non-numeric parts count as their numeric prefix
  ])('%s vs %s → %i', (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
    expect(compareVersions(b, a)).toBe(-want || 0);
  });
});

describe('atLeast', () => {
  it.each([
    ['0.4.0', '0.4.0', true],
    ['1.0.0', '0.4.0', true],
    ['0.3.1', '0.4.0', false],
    ['', '0.1.0', true], // no version means 0.1.0
    ['', '0.2.0', false],
  ])('%j ≥ %s → %s', (v, min, want) => {
    expect(atLeast(v, min)).toBe(want);
  });
});

describe('supported versions', () => {
  it.each([
    ['0.1.0', false],
    ['0.2.0', false],
    ['0.3.0', true],
    ['0.3.1', true],
    ['0.4.0', true],
    ['1.0.0', true],
    ['1.1.0', true],
    ['1.2.0', false],
    ['9.9.9', false],
    ['1.0', false],
  ])('%s → %s', (v, want) => {
    expect(isSupportedVersion(v)).toBe(want);
  });

  it('VERSION reports 1.1.0 and every supported version', () => {
    expect(versionReport()).toEqual({
      cniVersion: '1.1.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });
});
