// The local store's YAML reader against an alias bomb ("billion laughs"): refused at once, as a CNI error (code 7)
// naming the file and the line of the document, while a few honest aliases are read as before (issue 12 item 10).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readObjects } from '../../../src/cli/manifest-files.js';
import { CniError } from '../../../src/cni/errors.js';
import {
  failureText,
  manifestFiles,
  manifestsUnder,
  MAX_ALIAS_COUNT,
  readManifestFile,
  readManifests,
} from '../../../src/local/manifests.js';

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

// The one reader (issue: two readers, one for the local store and one for `braid validate`): what each file holds
// with its lines and failures; the local store stops at the first failure, validate reports each and reads on.
describe('readManifestFile and manifestFiles: the reader the local store and braid validate share', () => {
  const FILES = {
    'a.yaml': 'kind: Pod\nmetadata: {name: a}\n---\n# a comment\n\nkind: Pod\nmetadata: {name: b}\n---\n',
    'b.json': JSON.stringify({ kind: 'List', items: [{ kind: 'Pod', metadata: { name: 'c' } }, 'not an object'] }),
    'c.yml': `kind: Pod\nmetadata: {name: d}\n---\nkind: Pod\nmetadata:\n  name: [unclosed\n---\n${aliasBomb(4)}---\nkind: Pod\nmetadata: {name: e}\n`,
  };
  const write = () => {
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'x.yaml'), 'kind: Pod\n');
    mkdirSync(join(dir, 'status'));
    writeFileSync(join(dir, 'status', 'x.json'), '{}');
    writeFileSync(join(dir, 'README.md'), '# not a manifest\n');
  };
  const names = (list: Array<{ object: Record<string, unknown> }>) =>
    list.map((m) => (m.object.metadata as { name: string }).name);

  it('every object with the line its document starts on; List items flattened; a bad document fails alone', () => {
    write();
    expect(readManifestFile(join(dir, 'a.yaml')).objects.map((m) => [m.object.kind, m.line])).toEqual([
      ['Pod', 1],
      ['Pod', 6],
    ]);
    expect(names(readManifestFile(join(dir, 'b.json')).objects)).toEqual(['c']);
    const c = readManifestFile(join(dir, 'c.yml'));
    expect(c.objects.map((m) => [(m.object.metadata as { name: string }).name, m.line])).toEqual([
      ['d', 1],
      ['e', 13],
    ]);
    expect(c.failures).toEqual([
      { file: join(dir, 'c.yml'), line: 7, kind: 'syntax', message: expect.stringMatching(/^Flow sequence/) },
      { file: join(dir, 'c.yml'), line: 8, kind: 'aliases', message: expect.stringMatching(/alias/i) },
    ]);
  });

  it('a file that cannot be read is a failure of its own, without a line', () => {
    mkdirSync(join(dir, 'x.yaml'));
    expect(readManifestFile(join(dir, 'x.yaml'))).toEqual({
      objects: [],
      failures: [{ file: join(dir, 'x.yaml'), kind: 'read', message: expect.stringMatching(/EISDIR/) }],
    });
  });

  it('the files of a directory in name order, dot directories and the skipped one left out; a file is itself', () => {
    write();
    const files = ['a.yaml', 'b.json', 'c.yml'].map((f) => join(dir, f));
    expect(manifestsUnder(dir, join(dir, 'status'))).toEqual(files);
    expect(manifestFiles(dir)).toEqual([...files, join(dir, 'status', 'x.json')]);
    expect(manifestFiles(join(dir, 'README.md'))).toEqual([join(dir, 'README.md')]);
  });

  it('the local store and braid validate read the same objects at the same lines', () => {
    write();
    rmSync(join(dir, 'c.yml'));
    const store = read();
    const validate = manifestFiles(dir)
      .filter((f) => !f.includes('/status/'))
      .flatMap((f) => readObjects(f).objects);
    expect(store).toEqual(validate);
    expect(store.map((m) => [relative(dir, m.file), m.line, (m.object.metadata as { name: string }).name])).toEqual([
      ['a.yaml', 1, 'a'],
      ['a.yaml', 6, 'b'],
      ['b.json', 1, 'c'],
    ]);
  });

  it('the local store stops at the first failure, naming its file and line; validate reports each', () => {
    write();
    expect(thrown().message).toBe(
      'local store: c.yml line 7: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(readObjects(join(dir, 'c.yml')).failures).toEqual([
      { file: join(dir, 'c.yml'), line: 7, message: expect.stringMatching(/^Flow sequence/) },
      {
        file: join(dir, 'c.yml'),
        line: 8,
        message: expect.stringMatching(/^the YAML document cannot be read: .*alias/i),
      },
    ]);
  });

  it('each kind of failure in the words the local store gives after the file and line', () => {
    const f = { file: 'f.yaml', line: 3 };
    expect(failureText({ ...f, kind: 'read', message: 'EIO: i/o error' })).toBe('cannot be read: EIO: i/o error');
    expect(failureText({ ...f, kind: 'syntax', message: 'Unexpected scalar' })).toBe('Unexpected scalar');
    expect(failureText({ ...f, kind: 'build', message: 'Unresolved alias' })).toBe(
      'the YAML document starting on this line cannot be read: Unresolved alias',
    );
    expect(failureText({ ...f, kind: 'aliases', message: 'Excessive alias count' })).toBe(
      `the YAML document starting on this line expands its aliases more than ${MAX_ALIAS_COUNT} times (an alias bomb?)`,
    );
  });
});
