import { CniError } from '../../../src/cni/errors.js';
import { idsProblem, readRequest, type Env } from '../../../src/cni/request.js';

const FULL: Env = {
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/var/run/netns/p',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
};
const conf = (cniVersion: unknown = '1.1.0') => JSON.stringify({ cniVersion, name: 'braid', type: 'braid' });

function failure(env: Env, stdin = conf()): CniError {
  try {
    readRequest(env, stdin);
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('readRequest accepted the request');
}

describe('readRequest: required variables per command (SPEC.md "Parameters", skel)', () => {
  const table: Array<[string, string[]]> = [
    ['ADD', ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH']],
    ['CHECK', ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH']],
    ['DEL', ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH']],
    ['GC', ['CNI_PATH']],
    ['STATUS', []],
    ['VERSION', []],
  ];
  const cases = table.flatMap(([command, required]) =>
    Object.keys(FULL).map((name) => ({ command, name, required: required.includes(name) })),
  );

  it.each(cases)('$command without $name: required=$required', ({ command, name, required }) => {
    const env: Env = { ...FULL, CNI_COMMAND: command, [name]: undefined };
    if (required) {
      expect(failure(env)).toMatchObject({ code: 4, message: `required env variables [${name}] missing` });
    } else {
      expect(readRequest(env, conf()).command).toBe(command);
    }
  });

  it('lists every missing variable at once, and treats "" as missing', () => {
    expect(failure({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: '', CNI_PATH: '/p' })).toMatchObject({
      code: 4,
      message: 'required env variables [CNI_CONTAINERID CNI_NETNS CNI_IFNAME] missing',
    });
  });

  it.each([
    [undefined, 'required env variables [CNI_COMMAND] missing'],
    ['add', 'unknown CNI_COMMAND "add": expected one of ADD, DEL, CHECK, VERSION, STATUS, GC'],
  ])('CNI_COMMAND=%s is code 4', (command, message) => {
    expect(failure({ ...FULL, CNI_COMMAND: command })).toMatchObject({ code: 4, message });
  });

  it('VERSION needs neither variables nor stdin', () => {
    expect(readRequest({ CNI_COMMAND: 'VERSION' }, 'not json')).toMatchObject({
      command: 'VERSION',
      config: {},
      cniVersion: '',
    });
  });

  it('returns the typed request', () => {
    const req = readRequest({ ...FULL, CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=p' }, conf('0.4.0'));
    expect(req).toEqual({
      command: 'ADD',
      containerId: 'c1',
      netns: '/var/run/netns/p',
      ifname: 'eth0',
      args: [
        ['IgnoreUnknown', '1'],
        ['K8S_POD_NAME', 'p'],
      ],
      path: ['/opt/cni/bin', '/usr/lib/cni'],
      config: { cniVersion: '0.4.0', name: 'braid', type: 'braid' },
      cniVersion: '0.4.0',
    });
  });
});

describe('readRequest: identifiers validated as libcni does', () => {
  it.each([
    ['CNI_CONTAINERID', '-leading-dash', /must start with a letter or digit/],
    ['CNI_CONTAINERID', 'has space', /must start with a letter or digit/],
    ['CNI_CONTAINERID', 'a/b', /must start with a letter or digit/],
    ['CNI_IFNAME', 'eth0123456789abc', /is 16 bytes long, more than the kernel's limit of 15/],
    ['CNI_IFNAME', '..', /may not be "\." or "\.\."/],
    ['CNI_IFNAME', 'a/b', /may not contain/],
    ['CNI_IFNAME', 'a:b', /may not contain/],
    ['CNI_IFNAME', 'a\tb', /may not contain/],
    // fuzz find request-ids-unchecked: libcni counts bytes, and no name holds a NUL
    ['CNI_IFNAME', 'a\u0000b', /may not contain NUL or another control character/],
    ['CNI_IFNAME', 'é'.repeat(15), /is 30 bytes long, more than the kernel's limit of 15/],
    // fuzz find plan-remove-bad-name: an ID that makes no file name
    ['CNI_CONTAINERID', 'x'.repeat(300), /is 300 characters long; at most 128 are accepted/],
    ['CNI_ARGS', 'K8S_POD_NAME', /"K8S_POD_NAME" is not KEY=VALUE/],
  ])('%s=%j is code 4', (name, value, message) => {
    const err = failure({ ...FULL, CNI_COMMAND: 'ADD', [name]: value });
    expect(err.code).toBe(4);
    expect(err.message).toMatch(message);
    if (name !== 'CNI_ARGS') expect(err.message).toContain(`${name} "${value}"`);
  });

  it.each(['c1', 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', 'pod_1.x-y'])(
    'accepts container ID %s',
    (id) => {
      expect(readRequest({ ...FULL, CNI_COMMAND: 'ADD', CNI_CONTAINERID: id }, conf()).containerId).toBe(id);
    },
  );

  it.each([
    ['CNI_CONTAINERID', 'x'.repeat(300)],
    ['CNI_CONTAINERID', '-c1'],
    ['CNI_IFNAME', 'a\u0000b'],
    ['CNI_IFNAME', 'é'.repeat(15)],
  ])('DEL with %s=%j is read: delPod answers it as a no-op (docs/adr/0008)', (name, value) => {
    const req = readRequest({ ...FULL, CNI_COMMAND: 'DEL', [name]: value }, conf());
    expect(name === 'CNI_IFNAME' ? req.ifname : req.containerId).toBe(value);
    expect(idsProblem(req.containerId, req.ifname)).toContain(`${name} "${value}"`);
  });

  it('a DEL without a container ID is still code 4', () => {
    expect(failure({ ...FULL, CNI_COMMAND: 'DEL', CNI_CONTAINERID: '' }).code).toBe(4);
  });

  it('accepts a 15-character interface name', () => {
    expect(readRequest({ ...FULL, CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0123456789ab' }, conf()).ifname).toBe(
      'eth0123456789ab',
    );
  });
});

describe('readRequest: stdin and cniVersion', () => {
  it.each([
    ['empty', '', 6, /stdin is empty/],
    ['whitespace', ' \n', 6, /stdin is empty/],
    ['not JSON', '{"cniVersion":', 6, /not valid JSON/],
    ['a JSON array', '[]', 6, /must be a JSON object/],
    ['a JSON string', '"x"', 6, /must be a JSON object/],
    ['an unknown version', conf('9.9.9'), 1, /incompatible CNI versions/],
    ['a version that is not a string', conf(1), 1, /incompatible CNI versions/],
    ['0.2.0, older than braid speaks', conf('0.2.0'), 1, /incompatible CNI versions/],
    ['no version at all (0.1.0)', JSON.stringify({ name: 'braid', type: 'braid' }), 1, /incompatible CNI versions/],
    // fuzz find request-version-deep-value: quoted without recursion
    ['a version nested 6000 deep', `{"cniVersion":${'['.repeat(6000)}${']'.repeat(6000)}}`, 1, /incompatible CNI/],
    // bounded before anything recursive (the schema, the delegates' marshalling) reads it
    ['a config nested 65 deep', `{"cniVersion":"1.1.0","a":${'['.repeat(65)}${']'.repeat(65)}}`, 6, /nested more/],
    ['a config nested 6000 deep', `{"cniVersion":"1.1.0","a":${'['.repeat(6000)}${']'.repeat(6000)}}`, 6, /nested/],
    ['a number too big for a double', '{"cniVersion":"1.1.0","mtu":1e999}', 6, /"mtu" is a number too big/],
  ])('%s is code %i', (_name, stdin, code, message) => {
    const err = failure({ ...FULL, CNI_COMMAND: 'ADD' }, stdin);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it.each(['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('accepts cniVersion %s for ADD', (v) => {
    expect(readRequest({ ...FULL, CNI_COMMAND: 'ADD' }, conf(v)).cniVersion).toBe(v);
  });

  it.each([
    ['CHECK', '0.3.1', false],
    ['CHECK', '0.4.0', true],
    ['GC', '1.0.0', false],
    ['GC', '1.1.0', true],
    ['STATUS', '1.0.0', false],
    ['STATUS', '1.1.0', true],
    ['DEL', '0.3.0', true],
  ])('%s at %s allowed=%s (skel: "config version does not allow …")', (command, v, allowed) => {
    const env = { ...FULL, CNI_COMMAND: command };
    if (allowed) expect(readRequest(env, conf(v)).command).toBe(command);
    else expect(failure(env, conf(v))).toMatchObject({ code: 1, message: `config version does not allow ${command}` });
  });
});
