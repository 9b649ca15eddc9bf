import { CniError } from '../../../src/cni/errors.js';
import { listVersion, toConfList } from '../../../src/cni/conflist.js';

const W = 'delegates[1]';

describe('toConfList: a single config becomes a one-plugin list (libcni ConfListFromConf)', () => {
  it('wraps a .conf, keeping its name and version and the plugin config whole', () => {
    const conf = { cniVersion: '0.4.0', name: 'br', type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' } };
    expect(toConfList(conf, W)).toEqual({ name: 'br', cniVersion: '0.4.0', plugins: [conf] });
  });

  it('leaves cniVersion out when the config has none', () => {
    const list = toConfList({ name: 'br', type: 'bridge' }, W);
    expect(list).toEqual({ name: 'br', plugins: [{ name: 'br', type: 'bridge' }] });
    expect(listVersion(list)).toBe('');
  });

  it('passes a conflist through, with its top-level keys', () => {
    const conf = {
      cniVersion: '1.0.0',
      name: 'chain',
      disableCheck: true,
      plugins: [{ type: 'bridge' }, { type: 'tuning' }],
    };
    expect(toConfList(conf, W)).toEqual(conf);
    expect(listVersion(toConfList(conf, W))).toBe('1.0.0');
  });
});

describe('toConfList: invalid configs are code 7, naming where they came from', () => {
  it.each([
    ['not an object', 'bridge', 'delegates[1]: the network config must be a JSON object'],
    ['an array', [], 'delegates[1]: the network config must be a JSON object'],
    ['no name', { type: 'bridge' }, 'delegates[1]: the network config has no "name"'],
    ['an empty name', { name: '', type: 'bridge' }, 'delegates[1]: the network config has no "name"'],
    [
      'a name libcni refuses',
      { name: 'my net', type: 'bridge' },
      'delegates[1]: network name "my net" must start with a letter or digit',
    ],
    [
      'a numeric cniVersion',
      { name: 'n', cniVersion: 1, type: 'bridge' },
      'delegates[1]: "cniVersion" must be a string',
    ],
    ['neither type nor plugins', { name: 'n' }, 'delegates[1]: the network config has neither "type" nor "plugins"'],
    ['an empty type', { name: 'n', type: '' }, 'delegates[1]: plugin config has no "type"'],
    [
      'a type with a path',
      { name: 'n', type: '../../bin/sh' },
      'delegates[1]: plugin type "../../bin/sh" must be a plain binary name',
    ],
    [
      'an absolute type',
      { name: 'n', type: '/bin/sh' },
      'delegates[1]: plugin type "/bin/sh" must be a plain binary name',
    ],
    ['a type with ".."', { name: 'n', type: 'a..b' }, 'delegates[1]: plugin type "a..b" must be a plain binary name'],
    [
      'a type with a backslash',
      { name: 'n', type: 'a\\b' },
      'delegates[1]: plugin type "a\\b" must be a plain binary name',
    ],
    ['plugins not a list', { name: 'n', plugins: {} }, 'delegates[1]: "plugins" must be a list'],
    ['an empty plugins list', { name: 'n', plugins: [] }, 'delegates[1]: the conflist "n" has no plugins'],
    [
      'a plugin that is not an object',
      { name: 'n', plugins: [{ type: 'a' }, 'b'] },
      'delegates[1]: plugins[1] is not an object',
    ],
    [
      'a plugin without type',
      { name: 'n', plugins: [{ type: 'a' }, { mtu: 1 }] },
      'delegates[1]: plugins[1]: plugin config has no "type"',
    ],
    [
      'a plugin type with a path',
      { name: 'n', plugins: [{ type: 'x/y' }] },
      'delegates[1]: plugins[0]: plugin type "x/y" must be a plain binary name',
    ],
  ])('%s', (_name, conf, message) => {
    let err: unknown;
    try {
      toConfList(conf, W);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(7);
    expect((err as CniError).message.startsWith(message)).toBe(true);
  });
});
