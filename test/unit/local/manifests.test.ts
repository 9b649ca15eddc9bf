// The local store's YAML reader against an alias bomb ("billion laughs"): refused at once, as a CNI error (code 7)
// naming the file and the line of the document, while a few honest aliases are read as before (issue 12 item 10).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError } from '../../../src/cni/errors.js';
import { MAX_ALIAS_COUNT, readManifests } from '../../../src/local/manifests.js';

/** `levels` levels of nine aliases each: 9^levels strings once expanded (9 levels: 387 million), in a few lines. */
function aliasBomb(levels = 9): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array<string>(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'braid-manifests-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = () => readManifests(dir, join(dir, 'status'));
function thrown(): CniError {
  try {
    read();
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('readManifests did not throw');
}

describe('readManifests and YAML aliases', () => {
  it('a billion laughs in the second document of a file: code 7 naming the file and the line', () => {
    writeFileSync(join(dir, 'ok.yaml'), 'kind: Pod\nmetadata: {name: a}\n');
    writeFileSync(join(dir, 'bomb.yaml'), `kind: Pod\nmetadata: {name: b}\n---\nkind: Pod\n${aliasBomb()}`);
    const err = thrown();
    expect(err.code).toBe(7);
    expect(err.message).toBe(
      `local store: bomb.yaml line 4: the YAML document starting on this line expands its aliases more than ${MAX_ALIAS_COUNT} times (an alias bomb?)`,
    );
  });

  it('a smaller one in a subdirectory: the path under the store is named', () => {
    mkdirSync(join(dir, 'team-a'));
    writeFileSync(join(dir, 'team-a', 'nads.yml'), aliasBomb(4));
    expect(thrown().message).toMatch(/^local store: team-a\/nads\.yml line 1: .*\(an alias bomb\?\)$/);
  });

  it('aliases used honestly (a shared config) are read as before', () => {
    writeFileSync(
      join(dir, 'shared.yaml'),
      [
        'kind: NetworkAttachmentDefinition',
        'metadata: {name: a, namespace: default, annotations: &ann {team: x}}',
        'spec: {config: &c "{}"}',
        'extra: [*ann, *c, *c]',
      ].join('\n'),
    );
    expect(read().map((m) => m.object)).toEqual([
      {
        kind: 'NetworkAttachmentDefinition',
        metadata: { name: 'a', namespace: 'default', annotations: { team: 'x' } },
        spec: { config: '{}' },
        extra: [{ team: 'x' }, '{}', '{}'],
      },
    ]);
  });
});
