// The spawn helper's wire (ADR 0021): lines however the pipe cuts them, and only well-formed events acted on; a pid of
// 0 or 1 would make the daemon's kill(-pid) hit its own group or every process it can reach.
import { frame, lineSplitter, parseEvent } from '../../../src/invoke/spawner-wire.js';

const split = (chunks: string[]) => {
  const lines: string[] = [];
  const push = lineSplitter((l) => lines.push(l));
  for (const c of chunks) push(c);
  return lines;
};

describe('lineSplitter', () => {
  it.each<[string, string[], string[]]>([
    ['one line', ['a\n'], ['a']],
    ['two lines in one chunk', ['a\nb\n'], ['a', 'b']],
    ['a line cut in three', ['ab', 'cd', 'e\nf\n'], ['abcde', 'f']],
    ['the newline alone', ['abc', '\n'], ['abc']],
    ['empty lines skipped', ['\n\na\n\n'], ['a']],
    ['an unfinished line is held', ['a\nb'], ['a']],
  ])('%s', (_name, chunks, want) => {
    expect(split(chunks)).toEqual(want);
  });

  it('a long line in many pieces comes out whole', () => {
    const piece = 'x'.repeat(65536);
    const chunks = [...Array.from({ length: 200 }, () => piece), '\n'];
    const lines = split(chunks);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBe(65536 * 200);
  });

  it('frame and split are inverse, newlines inside strings included', () => {
    const ev = { ev: 'done' as const, id: 3, exitCode: 0, stdout: 'a\nb\r\n', stderr: '' };
    expect(split([frame(ev)]).map((l) => parseEvent(l))).toEqual([ev]);
  });
});

describe('parseEvent', () => {
  it.each<[string, string, boolean]>([
    ['spawned', '{"ev":"spawned","id":1,"pid":4242,"startTime":99}', true],
    ['spawned without a start time', '{"ev":"spawned","id":1,"pid":4242}', true],
    ["spawned with pid 0 (kill(-0): the daemon's own group)", '{"ev":"spawned","id":1,"pid":0}', false],
    ['spawned with pid 1 (kill(-1): everything)', '{"ev":"spawned","id":1,"pid":1}', false],
    ['spawned with a negative pid', '{"ev":"spawned","id":1,"pid":-5}', false],
    ['spawned with a pid that is text', '{"ev":"spawned","id":1,"pid":"42"}', false],
    ['spawned with a fractional start time', '{"ev":"spawned","id":1,"pid":42,"startTime":1.5}', false],
    ['failed', '{"ev":"failed","id":2,"message":"ENOENT","code":"ENOENT"}', true],
    ['failed without a message', '{"ev":"failed","id":2}', false],
    ['exit', '{"ev":"exit","id":2}', true],
    ['done', '{"ev":"done","id":2,"exitCode":0,"stdout":"","stderr":""}', true],
    ['done by a signal', '{"ev":"done","id":2,"signal":"SIGKILL","stdout":"","stderr":""}', true],
    ['done without stdout', '{"ev":"done","id":2,"stderr":""}', false],
    ['id 0', '{"ev":"exit","id":0}', false],
    ['no id', '{"ev":"exit"}', false],
    ['an unknown event', '{"ev":"boom","id":1}', false],
    ['__proto__ as the event', '{"ev":"__proto__","id":1}', false],
    ['null', 'null', false],
    ['an array', '[1,2]', false],
    ['a number', '42', false],
    ['not JSON', 'Segmentation fault', false],
  ])('%s', (_name, line, ok) => {
    expect(parseEvent(line) !== undefined).toBe(ok);
  });
});
