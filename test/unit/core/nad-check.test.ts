// checkNad (`braid validate`): every problem of a NAD with its field, and a verdict that is always ADD's own
// (confFromNad's): a NAD is invalid exactly when ADD would refuse it.
import { confFromNad } from '../../../src/core/delegate.js';
import { checkNad } from '../../../src/core/nad-check.js';
import type { ConfFiles, Nad } from '../../../src/core/sources.js';

const nad = (config: unknown, name = 'net-a'): Nad => ({
  namespace: 'ns',
  name,
  config: typeof config === 'string' ? config : JSON.stringify(config),
  annotations: {},
});
const noFiles: ConfFiles = { findByName: () => undefined, readPath: () => undefined };
const fields = (n: Nad, files?: ConfFiles) => checkNad(n, files).problems.map((p) => p.field);

describe('checkNad', () => {
  it.each<[string, unknown, string[]]>([
    ['a single plugin', { cniVersion: '1.0.0', type: 'macvlan' }, []],
    ['a conflist', { cniVersion: '1.1.0', name: 'x', plugins: [{ type: 'bridge' }, { type: 'tuning' }] }, []],
    ['not JSON', '{"type":', ['spec.config']],
    ['JSON but not an object', '[1,2]', ['spec.config']],
    ['nested too deep', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, ['spec.config']],
    ['too big', { type: 'macvlan', pad: 'x'.repeat(300 * 1024) }, ['spec.config']],
    ['a bad network name', { name: 'a b', type: 'macvlan' }, ['spec.config.name']],
    ['a name that is not a string', { name: 7, type: 'macvlan' }, ['spec.config.name']],
    ['cniVersion a number', { cniVersion: 1, type: 'macvlan' }, ['spec.config.cniVersion']],
    ['no type and no plugins', { cniVersion: '1.0.0' }, ['spec.config']],
    ['a type with a path', { type: '/bin/sh' }, ['spec.config.type']],
    ['braid as its own delegate', { type: 'braid' }, ['spec.config.type']],
    ['plugins not a list', { name: 'x', plugins: {} }, ['spec.config.plugins']],
    ['an empty conflist', { name: 'x', plugins: [] }, ['spec.config.plugins']],
    [
      'every problem at once, each with its field',
      { name: 'a b', cniVersion: 2, plugins: [{ type: 'bridge' }, 'tuning', { type: '../x' }, {}] },
      [
        'spec.config.name',
        'spec.config.cniVersion',
        'spec.config.plugins[1]',
        'spec.config.plugins[2].type',
        'spec.config.plugins[3].type',
      ],
    ],
  ])('%s', (_, config, expected) => {
    const n = nad(config);
    expect(fields(n)).toEqual(expected);
    // The verdict is ADD's: invalid exactly when confFromNad refuses the NAD.
    let addRefuses = false;
    try {
      confFromNad(n, noFiles);
    } catch {
      addRefuses = true;
    }
    expect(addRefuses).toBe(expected.length > 0);
  });

  it('names the message ADD gives for the field', () => {
    expect(checkNad(nad({ name: 'x', plugins: [{ type: 'braid' }] })).problems).toEqual([
      { field: 'spec.config.plugins[0].type', message: 'plugin type "braid" cannot be a delegate of braid' },
    ]);
  });

  it('a config without a name takes the NAD name, so a bad NAD name is reported at metadata.name', () => {
    expect(fields(nad({ type: 'macvlan' }, 'Net_A'))).toEqual(['metadata.name']);
    expect(checkNad(nad({ type: 'macvlan' }, 'Net_A')).problems[0]!.message).toMatch(/a pod cannot name it/);
  });

  it('an empty spec.config is looked up in the confDir given, else is a warning', () => {
    expect(checkNad(nad('')).problems).toEqual([]);
    expect(checkNad(nad('')).warnings.map((w) => w.field)).toEqual(['spec.config']);
    expect(fields(nad(''), noFiles)).toEqual(['spec.config']);
    const dir: ConfFiles = {
      findByName: (n) => (n === 'net-a' ? { name: 'net-a', type: 'bridge' } : undefined),
      readPath: () => undefined,
    };
    expect(checkNad(nad(''), dir)).toEqual({ problems: [], warnings: [] });
  });

  it.each<[string, unknown, Array<[string, RegExp]>]>([
    [
      'a capability one edit from one braid fills',
      { type: 'macvlan', capabilities: { ip: true } },
      [['spec.config.capabilities.ip', /did you mean "ips"\?/]],
    ],
    [
      'a capability that is not a boolean',
      { type: 'macvlan', capabilities: { mac: 'yes' } },
      [['spec.config.capabilities.mac', /true or false/]],
    ],
    [
      'capabilities not an object',
      { name: 'x', plugins: [{ type: 'bridge', capabilities: [] }] },
      [['spec.config.plugins[0].capabilities', /not an object/]],
    ],
    ['a capability braid does not fill but is not near one', { type: 'portmap', capabilities: { io: true } }, []],
  ])('warns (valid all the same): %s', (_, config, expected) => {
    const { problems, warnings } = checkNad(nad(config));
    expect(problems).toEqual([]);
    expect(warnings.map((w) => [w.field, w.message])).toEqual(
      expected.map(([field, message]) => [field, expect.stringMatching(message)]),
    );
  });
});
