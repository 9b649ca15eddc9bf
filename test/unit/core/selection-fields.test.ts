// The selection-field table: every field's check, and where each requested field is delivered.
import { deliveryOf, FIELD_BY_KEY, SELECTION_FIELDS } from '../../../src/core/selection-fields.js';

const field = (key: string) => SELECTION_FIELDS.find((f) => f.key === key)!;

describe('selection fields', () => {
  it.each([
    ['interface', 'net1', undefined],
    ['interface', 'a\u0000b', '"a\u0000b" may not contain NUL or another control character'],
    ['interface', 7, '7 must be a string'],
    // a value that is not a string is shown as JSON, never through String() (fuzz find selection-non-string-value)
    ['interface', { toString: 1 }, '{"toString":1} must be a string'],
    ['mac', { toString: 1 }, '{"toString":1} is not a MAC address'],
    ['mac', ['a', ['b']], '["a",["b"]] is not a MAC address'],
    ['infiniband-guid', { toString: 1 }, '{"toString":1} is not an InfiniBand GUID'],
    ['ips', ['10.0.0.1/24', 'fd00::1'], undefined],
    ['ips', '10.0.0.1', 'must be a list of strings'],
    ['ips', ['10.0.0.1/33'], '"10.0.0.1/33" is not an IP address or CIDR'],
    ['mac', 'c2:b0:57:49:47:f1', undefined],
    ['mac', 'c2:b0:57', '"c2:b0:57" is not a MAC address'],
    ['default-route', ['10.0.0.1'], undefined],
    ['default-route', ['10.0.0.0/8'], '"10.0.0.0/8" is not an IP address'],
    ['cni-args', { a: 1 }, undefined],
    ['cni-args', [], 'must be a JSON object'],
    ['bandwidth', 'fast', 'must be a JSON object'],
    ['portMappings', [{ hostPort: 80 }], undefined],
    ['portMappings', [1], 'must be a list of objects'],
    ['infiniband-guid', '00:11:22:33:44:55:66:77', undefined],
    ['infiniband-guid', 'x', '"x" is not an InfiniBand GUID'],
    ['deviceID', '0000:03:00.1', undefined],
    ['deviceID', 3, 'must be a string'],
  ])('%s = %j → %s', (key, value, problem) => {
    expect(field(key).check(value)).toBe(problem);
  });

  it('maps every spelling, case-insensitively, to its field', () => {
    expect(FIELD_BY_KEY.get('interfacerequest')).toBe('interface');
    expect(FIELD_BY_KEY.get('portmappings')).toBe('portMappings');
    expect(FIELD_BY_KEY.get('deviceid')).toBe('deviceID');
    expect(FIELD_BY_KEY.get('name')).toBe('name');
    expect(FIELD_BY_KEY.get('interfce')).toBeUndefined();
  });

  it.each([
    ['a declared capability', { ips: ['10.0.0.5/24'] }, { ips: ['10.0.0.5/24'] }, [], { ips: 'runtimeConfig.ips' }],
    [
      'the legacy CNI_ARGS',
      { ips: ['10.0.0.5/24'], mac: 'c2:b0:57:49:47:f1' },
      {},
      [
        ['IP', '10.0.0.5/24'],
        ['MAC', 'c2:b0:57:49:47:f1'],
      ],
      { ips: 'CNI_ARGS IP', mac: 'CNI_ARGS MAC' },
    ],
    [
      'nowhere',
      { bandwidth: { ingressRate: 1 } },
      {},
      [],
      { bandwidth: 'not delivered: no plugin of the network declares the "bandwidth" capability' },
    ],
    [
      'braid itself',
      { interface: 'net5', 'default-route': ['10.0.0.1'] },
      {},
      [],
      {
        interface: 'the CNI_IFNAME of its delegate',
        'default-route': "the pod's default route, set by braid after the delegates ran",
      },
    ],
  ])('delivery through %s', (_what, sel, caps, extra, want) => {
    expect(deliveryOf(sel, caps, extra as Array<[string, string]>)).toEqual(want);
  });
});
