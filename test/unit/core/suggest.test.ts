// closest / editDistance: "did you mean …?" for a key or name a person typed.
import { closest, editDistance } from '../../../src/core/suggest.js';

describe('editDistance: insertions, deletions, substitutions and adjacent transpositions', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['interface', 'interface', 0],
    ['interfce', 'interface', 1], // deletion
    ['interfacee', 'interface', 1], // insertion
    ['interfase', 'interface', 1], // substitution
    ['interfcae', 'interface', 1], // transposition
    ['nmae', 'name', 1],
    ['intrfce', 'interface', 2],
    ['ab', 'ba', 1],
    ['ca', 'abc', 3], // optimal string alignment: a transposed pair is not edited again
    ['kitten', 'sitting', 3],
  ])('%j → %j: %d', (a, b, want) => {
    expect(editDistance(a, b)).toBe(want);
    expect(editDistance(b, a)).toBe(want);
  });
});

describe('closest: the known spelling nearest a word', () => {
  const KEYS = ['name', 'namespace', 'interface', 'interfaceRequest', 'ips', 'mac', 'deviceID', 'portMappings'];
  it.each([
    ['interfce', KEYS, 1, 'interface'],
    ['INTERFCE', KEYS, 1, 'interface'], // case-insensitive
    ['deviceid2', KEYS, 1, 'deviceID'], // returned as the candidate spells it
    ['portmapping', KEYS, 1, 'portMappings'],
    ['ip', KEYS, 1, 'ips'],
    ['interface', KEYS, 1, 'interface'], // an exact match, whatever its case, is nearest
    ['Interface', KEYS, 1, 'interface'],
    ['intrfce', KEYS, 1, undefined], // two edits
    ['intrfce', KEYS, 2, 'interface'],
    ['futureKey', KEYS, 1, undefined],
    ['x', [], 1, undefined],
    ['max', ['mac', 'map'], 1, 'mac'], // a tie: the first candidate
    ['macc', ['mac', 'macvlan'], 3, 'mac'], // the nearest, not the first within reach
    ['anything', ['anything-else'], 0, undefined],
  ])('%j in %j (at most %d edits) → %j', (word, candidates, maxEdits, want) => {
    expect(closest(word, candidates, maxEdits)).toBe(want);
  });

  it('allows one edit by default', () => {
    expect(closest('nmae', ['name'])).toBe('name');
    expect(closest('nmea', ['name'])).toBeUndefined();
  });
});
