// NAD → delegate conflist (NPWG §3.4) and a selection applied to it (§4.1.2).
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import type { JsonObject, NetConfList } from '../../../src/cni/types.js';
import { applySelection, confFromNad } from '../../../src/core/delegate.js';
import type { ConfFiles, Nad } from '../../../src/core/sources.js';
import type { SelectionElement } from '../../../src/core/selection-fields.js';

const nad = (config: string, name = 'macvlan-a'): Nad => ({ namespace: 'ns', name, config, annotations: {} });

/** confDir by network name; records the names asked for. */
function confDir(byName: Record<string, JsonObject> = {}): ConfFiles & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    findByName: (name) => {
      asked.push(name);
      return byName[name];
    },
    readPath: () => undefined,
  };
}

function thrown(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('confFromNad', () => {
  it.each([
    [
      'a single config gets wrapped, keeping its cniVersion',
      '{"cniVersion":"0.3.1","name":"mv","type":"macvlan","master":"eth1"}',
      {
        cniVersion: '0.3.1',
        name: 'mv',
        plugins: [{ cniVersion: '0.3.1', name: 'mv', type: 'macvlan', master: 'eth1' }],
      },
    ],
    [
      'a single config without name takes the NAD name',
      '{"cniVersion":"1.0.0","type":"macvlan"}',
      {
        cniVersion: '1.0.0',
        name: 'macvlan-a',
        plugins: [{ cniVersion: '1.0.0', name: 'macvlan-a', type: 'macvlan' }],
      },
    ],
    [
      'an empty name counts as missing',
      '{"name":"","type":"macvlan"}',
      { name: 'macvlan-a', plugins: [{ name: 'macvlan-a', type: 'macvlan' }] },
    ],
    [
      'a conflist keeps its plugins in order and its own name',
      '{"cniVersion":"1.1.0","name":"br","plugins":[{"type":"bridge"},{"type":"tuning","mtu":9000}]}',
      { cniVersion: '1.1.0', name: 'br', plugins: [{ type: 'bridge' }, { type: 'tuning', mtu: 9000 }] },
    ],
    [
      'a conflist without name takes the NAD name',
      '{"cniVersion":"1.0.0","plugins":[{"type":"bridge"}]}',
      { cniVersion: '1.0.0', name: 'macvlan-a', plugins: [{ type: 'bridge' }] },
    ],
    // A delegate keeps its own cniVersion, even a legacy or non-spec one (product.md).
    [
      'a non-spec cniVersion is kept',
      '{"cniVersion":"0.6.0","type":"contiv"}',
      { cniVersion: '0.6.0', name: 'macvlan-a', plugins: [{ cniVersion: '0.6.0', name: 'macvlan-a', type: 'contiv' }] },
    ],
  ])('%s', (_, config, want) => {
    const files = confDir();
    expect(confFromNad(nad(config), files)).toEqual(want);
    expect(files.asked).toEqual([]);
  });

  it.each([[''], ['  \n ']])('an empty spec.config (%j) is the confDir file with the NAD name', (config) => {
    const files = confDir({ 'macvlan-a': { cniVersion: '0.4.0', name: 'macvlan-a', plugins: [{ type: 'macvlan' }] } });
    expect(confFromNad(nad(config), files)).toEqual({
      cniVersion: '0.4.0',
      name: 'macvlan-a',
      plugins: [{ type: 'macvlan' }],
    });
    expect(files.asked).toEqual(['macvlan-a']);
  });

  it.each([
    ['not JSON', '{"type":"macvlan",', 'spec.config is not valid JSON'],
    ['YAML', 'type: macvlan', 'spec.config is not valid JSON'],
    ['a JSON list', '[{"type":"macvlan"}]', 'must be a JSON object'],
    ['a JSON string', '"macvlan"', 'must be a JSON object'],
    ['a conflist without plugins', '{"name":"x","plugins":[]}', 'has no plugins'],
    ['plugins that are not a list', '{"name":"x","plugins":{"type":"bridge"}}', '"plugins" must be a list'],
    ['a plugin that is not an object', '{"name":"x","plugins":["bridge"]}', 'plugins[0] is not an object'],
    ['a plugin without type', '{"name":"x","plugins":[{"type":"bridge"},{"mtu":1}]}', 'plugins[1]'],
    ['neither type nor plugins', '{"name":"x","master":"eth0"}', 'neither "type" nor "plugins"'],
    ['a conflist plugin type with a path', '{"name":"x","plugins":[{"type":"../sh"}]}', 'plain binary name'],
    ['an invalid network name', '{"name":"bad name","type":"macvlan"}', 'network name "bad name"'],
    ['a cniVersion that is not a string', '{"cniVersion":1,"type":"macvlan"}', '"cniVersion" must be a string'],
  ])('rejects %s, naming the NAD', (_, config, problem) => {
    const err = thrown(() => confFromNad(nad(config), confDir()));
    expect(err.code).toBe(ErrorCode.InvalidConfig);
    expect(err.message).toContain('NetworkAttachmentDefinition ns/macvlan-a');
    expect(err.message).toContain(problem);
  });

  it.each([
    ['a type with a path', '{"name":"x","type":"../../bin/sh"}'],
    ['an empty type', '{"name":"x","type":""}'],
  ])('rejects a single config with %s, naming the NAD', (_, config) => {
    expect(thrown(() => confFromNad(nad(config), confDir())).message).toContain(
      'NetworkAttachmentDefinition ns/macvlan-a',
    );
  });

  it('an empty spec.config without a matching file names the NAD and the file it looked for', () => {
    const err = thrown(() => confFromNad(nad(''), confDir({ other: { name: 'other', type: 'bridge' } })));
    expect(err.code).toBe(ErrorCode.InvalidConfig);
    expect(err.message).toBe(
      'NetworkAttachmentDefinition ns/macvlan-a: spec.config is empty and no config file named "macvlan-a" is in confDir',
    );
  });
});

describe('applySelection', () => {
  const list = (...plugins: JsonObject[]): NetConfList => ({
    cniVersion: '1.0.0',
    name: 'n',
    plugins: plugins.map((p) => ({ type: 'macvlan', ...p })),
  });
  const sel = (over: Partial<SelectionElement>): SelectionElement => ({ name: 'n', namespace: 'ns', ...over });
  const caps = (...names: string[]) => ({ capabilities: Object.fromEntries(names.map((n) => [n, true])) });

  it('without a selection changes nothing', () => {
    const conf = list({ args: { cni: { a: 1 } } });
    expect(applySelection(conf, undefined)).toEqual({ conf, capabilityArgs: {}, extraArgs: [] });
  });

  it('merges cni-args into args.cni of every plugin, the annotation winning, without touching the input', () => {
    const conf = list({ args: { cni: { vlan: 1, keep: 'nad' }, other: { x: 1 } } }, { type: 'tuning' });
    const before = structuredClone(conf);
    const d = applySelection(conf, sel({ 'cni-args': { vlan: 42, extra: true } }));
    expect(d.conf.plugins.map((p) => p.args)).toEqual([
      { cni: { vlan: 42, keep: 'nad', extra: true }, other: { x: 1 } },
      { cni: { vlan: 42, extra: true } },
    ]);
    expect(conf).toEqual(before);
  });

  it.each([
    [
      'ips, declared',
      sel({ ips: ['10.1.1.5/24', '10.1.1.6/24'] }),
      [caps('ips')],
      { ips: ['10.1.1.5/24', '10.1.1.6/24'] },
      [],
    ],
    [
      'ips, undeclared: legacy IP=',
      sel({ ips: ['10.1.1.5/24', '10.1.1.6/24'] }),
      [{}],
      {},
      [['IP', '10.1.1.5/24,10.1.1.6/24']],
    ],
    [
      'mac, declared by the second plugin',
      sel({ mac: '02:00:00:00:00:01' }),
      [{}, { type: 'tuning', ...caps('mac') }],
      { mac: '02:00:00:00:00:01' },
      [],
    ],
    ['mac, undeclared: legacy MAC=', sel({ mac: '02:00:00:00:00:01' }), [{}], {}, [['MAC', '02:00:00:00:00:01']]],
    [
      'mac, declared false: legacy MAC=',
      sel({ mac: '02:00:00:00:00:01' }),
      [{ capabilities: { mac: false } }],
      {},
      [['MAC', '02:00:00:00:00:01']],
    ],
    [
      'ips and mac, both undeclared',
      sel({ ips: ['10.1.1.5/24'], mac: '02:00:00:00:00:01' }),
      [{}],
      {},
      [
        ['IP', '10.1.1.5/24'],
        ['MAC', '02:00:00:00:00:01'],
      ],
    ],
    [
      'infiniband-guid → infinibandGUID',
      sel({ 'infiniband-guid': '02:00:00:00:00:00:00:01' }),
      [caps('infinibandGUID')],
      { infinibandGUID: '02:00:00:00:00:00:00:01' },
      [],
    ],
    ['infiniband-guid, undeclared: dropped', sel({ 'infiniband-guid': '02:00:00:00:00:00:00:01' }), [{}], {}, []],
    [
      'bandwidth',
      sel({ bandwidth: { ingressRate: 1 } }),
      [{}, { type: 'bandwidth', ...caps('bandwidth') }],
      { bandwidth: { ingressRate: 1 } },
      [],
    ],
    [
      'portMappings',
      sel({ portMappings: [{ hostPort: 80, containerPort: 8080 }] }),
      [caps('portMappings')],
      { portMappings: [{ hostPort: 80, containerPort: 8080 }] },
      [],
    ],
    ['portMappings, undeclared: dropped', sel({ portMappings: [{ hostPort: 80 }] }), [{}], {}, []],
    [
      'deviceID from the selection',
      sel({ deviceID: '0000:03:00.2' }),
      [caps('deviceID')],
      { deviceID: '0000:03:00.2' },
      [],
    ],
    [
      'name, namespace and interface are not capabilities',
      sel({ interface: 'data0' }),
      [caps('interface', 'name')],
      {},
      [],
    ],
  ])('%s', (_, selection, plugins, capabilityArgs, extraArgs) => {
    const d = applySelection(list(...plugins), selection);
    expect(d.capabilityArgs).toEqual(capabilityArgs);
    expect(d.extraArgs).toEqual(extraArgs);
  });

  it.each<[string, SelectionElement | undefined]>([
    ['no selection', undefined],
    ['a selection deviceID: the device plugin wins', sel({ deviceID: '0000:99:00.0' })],
  ])('injects the device plugin deviceID into every plugin and runtimeConfig (%s)', (_, selection) => {
    const d = applySelection(list(caps('deviceID'), { type: 'tuning' }), selection, '0000:03:00.1');
    expect(d.conf.plugins.map((p) => p.deviceID)).toEqual(['0000:03:00.1', '0000:03:00.1']);
    expect(d.capabilityArgs).toEqual({ deviceID: '0000:03:00.1' });
  });

  it('a selection deviceID alone is not written into the plugin configs', () => {
    const d = applySelection(list(caps('deviceID')), sel({ deviceID: '0000:03:00.2' }));
    expect(d.conf.plugins[0]).not.toHaveProperty('deviceID');
  });
});
