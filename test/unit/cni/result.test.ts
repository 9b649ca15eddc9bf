import { CniError } from '../../../src/cni/errors.js';
import { formatResult, parseResult, readResult } from '../../../src/cni/result.js';
import type { Result } from '../../../src/cni/types.js';

const iface = { name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/var/run/netns/p' };
const routes = [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }];
const dns = { nameservers: ['10.1.0.53'], search: ['svc'] };

describe('parseResult: any version in, the 1.x shape out', () => {
  it.each([
    [
      '0.1.0 legacy ip4 with routes',
      { cniVersion: '0.1.0', ip4: { ip: '10.1.0.5/24', gateway: '10.1.0.1', routes }, dns },
      { cniVersion: '0.1.0', ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }], routes, dns },
    ],
    [
      '0.2.0 legacy ip4 + ip6, no gateway on ip6',
      {
        cniVersion: '0.2.0',
        ip4: { ip: '10.1.0.5/24', gateway: '10.1.0.1' },
        ip6: { ip: 'fd00::5/64', routes: [{ dst: '::/0' }] },
      },
      {
        cniVersion: '0.2.0',
        ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd00::5/64' }],
        routes: [{ dst: '::/0' }],
      },
    ],
    [
      'legacy shape without cniVersion: labelled with the version of the call',
      { ip4: { ip: '10.1.0.5/24' } },
      { cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }] },
    ],
    [
      '0.3.1 drops ips[].version',
      {
        cniVersion: '0.3.1',
        interfaces: [iface],
        ips: [{ version: '4', interface: 0, address: '10.1.0.5/24', gateway: '10.1.0.1' }],
        routes,
        dns,
      },
      {
        cniVersion: '0.3.1',
        interfaces: [iface],
        ips: [{ interface: 0, address: '10.1.0.5/24', gateway: '10.1.0.1' }],
        routes,
        dns,
      },
    ],
    [
      '0.4.0 with an IPv6 address',
      { cniVersion: '0.4.0', ips: [{ version: '6', address: 'fd00::5/64' }], dns: {} },
      { cniVersion: '0.4.0', ips: [{ address: 'fd00::5/64' }], dns: {} },
    ],
    [
      '1.0.0 as is, empty gateway dropped',
      { cniVersion: '1.0.0', interfaces: [iface], ips: [{ interface: 0, address: '10.1.0.5/24', gateway: '' }] },
      { cniVersion: '1.0.0', interfaces: [iface], ips: [{ interface: 0, address: '10.1.0.5/24' }] },
    ],
    [
      'no cniVersion in the result: the version the plugin was called with',
      { ips: [{ address: '10.1.0.5/24' }] },
      { cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }] },
    ],
    [
      "a non-spec version (Contiv's 0.6.0) read by shape",
      { cniVersion: '0.6.0', ips: [{ version: '4', address: '10.1.0.5/24' }] },
      { cniVersion: '0.6.0', ips: [{ address: '10.1.0.5/24' }] },
    ],
  ])('%s', (_name, raw, want) => {
    expect(parseResult(raw, '1.0.0')).toEqual(want);
  });

  it('without any version, a result is 0.1.0 and read as legacy', () => {
    expect(parseResult({ ip4: { ip: '10.1.0.5/24' } })).toEqual({
      cniVersion: '0.1.0',
      ips: [{ address: '10.1.0.5/24' }],
    });
    expect(parseResult({ dns: {} })).toEqual({ cniVersion: '0.1.0', dns: {} });
  });
});

describe('formatResult', () => {
  const modern: Result = {
    cniVersion: '1.0.0',
    interfaces: [iface],
    ips: [
      { interface: 0, address: '10.1.0.5/24', gateway: '10.1.0.1' },
      { interface: 0, address: 'fd00::5/64' },
    ],
    routes,
    dns,
  };

  it.each([
    ['0.3.0', true],
    ['0.3.1', true],
    ['0.4.0', true],
    ['1.0.0', false],
    ['1.1.0', false],
  ])('at %s: ips[].version present = %s', (version, withVersion) => {
    const out = formatResult(modern, version) as { cniVersion: string; ips: Array<Record<string, unknown>> };
    expect(out.cniVersion).toBe(version);
    expect(out.ips.map((ip) => ip.version)).toEqual(withVersion ? ['4', '6'] : [undefined, undefined]);
    expect(out.ips.every((ip) => withVersion === 'version' in ip)).toBe(true);
  });

  it("writes Go's struct field order and always a dns object", () => {
    const out = formatResult(
      { cniVersion: '1.0.0', ips: [{ gateway: '10.1.0.1', address: '10.1.0.5/24', interface: 2 }] },
      '0.4.0',
    );
    expect(JSON.stringify(out)).toBe(
      '{"cniVersion":"0.4.0","ips":[{"version":"4","interface":2,"address":"10.1.0.5/24","gateway":"10.1.0.1"}],"dns":{}}',
    );
  });

  it.each(['0.3.1', '0.4.0'])('round-trips %s → 1.1.0 → %s unchanged', (version) => {
    const original = {
      cniVersion: version,
      interfaces: [iface],
      ips: [{ version: '4', interface: 0, address: '10.1.0.5/24', gateway: '10.1.0.1' }],
      routes,
      dns,
    };
    const up = formatResult(parseResult(original), '1.1.0');
    expect(up).toEqual({
      ...original,
      cniVersion: '1.1.0',
      ips: [{ interface: 0, address: '10.1.0.5/24', gateway: '10.1.0.1' }],
    });
    expect(formatResult(parseResult(up), version)).toEqual(original);
  });

  it.each(['0.1.0', '0.2.0'])('converts a legacy %s result to 1.1.0', (version) => {
    const raw = {
      cniVersion: version,
      ip4: { ip: '10.1.0.5/24', gateway: '10.1.0.1', routes },
      ip6: { ip: 'fd00::5/64' },
      dns,
    };
    expect(formatResult(parseResult(raw), '1.1.0')).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd00::5/64' }],
      routes,
      dns,
    });
  });
});

describe('readResult: a result slightly off the spec is read leniently (issue 11)', () => {
  const v1 = (fields: Record<string, unknown>) => ({ cniVersion: '1.0.0', ...fields });
  const pod = { name: 'eth0', sandbox: '/var/run/netns/p' };
  // Each case: the raw result, what is kept, and the problems (matched by their start: "<where>: …").
  it.each<[string, unknown, Record<string, unknown>, string[]]>([
    [
      'a route without dst is dropped, the others kept',
      v1({ routes: [{ gw: '10.1.0.1' }, { dst: '10.2.0.0/16', gw: '10.1.0.1' }] }),
      { routes: [{ dst: '10.2.0.0/16', gw: '10.1.0.1' }] },
      ['routes[0]: no "dst"'],
    ],
    ['a route that is not an object is dropped', v1({ routes: ['0.0.0.0/0', null] }), {}, ['routes[0]', 'routes[1]']],
    [
      'a route whose dst is not a CIDR is dropped',
      v1({ routes: [{ dst: 'default' }] }),
      {},
      ['routes[0]: "dst" "default" is not a CIDR'],
    ],
    [
      'a route whose gw is not an address is dropped (it would go elsewhere without it)',
      v1({ routes: [{ dst: '0.0.0.0/0', gw: 'router' }] }),
      {},
      ['routes[0]: "gw"'],
    ],
    [
      'a route field of the wrong type is left out, the route kept',
      v1({ routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1', mtu: '1500', table: 100 }] }),
      { routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1', table: 100 }] },
      ['routes[0].mtu'],
    ],
    ['routes not a list are dropped', v1({ routes: { dst: '0.0.0.0/0' } }), {}, ['routes: not a list']],
    [
      'an ip interface index out of range names no interface',
      v1({ interfaces: [pod], ips: [{ address: '10.1.0.5/24', interface: 3 }] }),
      { interfaces: [pod], ips: [{ address: '10.1.0.5/24' }] },
      ['ips[0].interface: 3'],
    ],
    [
      'a negative or non-integer interface index names no interface',
      v1({
        interfaces: [pod],
        ips: [
          { address: '10.1.0.5/24', interface: -1 },
          { address: '10.1.0.6/24', interface: 0.5 },
          { address: '10.1.0.7/24', interface: '0' },
        ],
      }),
      { interfaces: [pod], ips: [{ address: '10.1.0.5/24' }, { address: '10.1.0.6/24' }, { address: '10.1.0.7/24' }] },
      ['ips[0].interface', 'ips[1].interface', 'ips[2].interface'],
    ],
    [
      'an interface index with no interfaces at all names none',
      v1({ ips: [{ address: '10.1.0.5/24', interface: 0 }] }),
      { ips: [{ address: '10.1.0.5/24' }] },
      ['ips[0].interface: 0'],
    ],
    [
      'ips that name no interface are fine as they are',
      v1({ interfaces: [pod], ips: [{ address: '10.1.0.5/24' }, { address: 'fd00::5/64', interface: null }] }),
      { interfaces: [pod], ips: [{ address: '10.1.0.5/24' }, { address: 'fd00::5/64' }] },
      [],
    ],
    [
      'an interface without a name is dropped and the indexes after it move down',
      v1({
        interfaces: [{ name: 'cni0' }, { mac: '02:00:00:00:00:bb' }, pod, 'eth1'],
        ips: [
          { address: '10.1.0.5/24', interface: 2 },
          { address: '10.1.0.6/24', interface: 1 },
          { address: '10.1.0.1/24', interface: 0 },
          { address: '10.1.0.7/24', interface: 3 },
        ],
      }),
      {
        interfaces: [{ name: 'cni0' }, pod],
        ips: [
          { address: '10.1.0.5/24', interface: 1 },
          { address: '10.1.0.6/24' },
          { address: '10.1.0.1/24', interface: 0 },
          { address: '10.1.0.7/24' },
        ],
      },
      [
        'interfaces[1]: no "name"',
        'interfaces[3]: no "name"',
        'ips[1].interface: 1 names a dropped interface',
        'ips[3].interface: 3 names a dropped interface',
      ],
    ],
    [
      'an interface field of the wrong type is left out, the interface kept',
      v1({ interfaces: [{ name: 'eth0', mtu: 'big', mac: '02:00:00:00:00:01', sandbox: 7 }] }),
      { interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01' }] },
      ['interfaces[0].mtu', 'interfaces[0].sandbox'],
    ],
    ['interfaces not a list are dropped', v1({ interfaces: 'eth0' }), {}, ['interfaces: not a list']],
    [
      'an ip without an address is dropped',
      v1({ ips: [{ gateway: '10.1.0.1' }, { address: '10.1.0.5/24' }] }),
      { ips: [{ address: '10.1.0.5/24' }] },
      ['ips[0]: no "address"'],
    ],
    [
      'an ip whose address is not a CIDR is dropped (a Go runtime could not read it back)',
      v1({ ips: [{ address: '10.1.0.5' }, { address: '10.1.0.6/33' }, { address: 'fd00::6/64' }] }),
      { ips: [{ address: 'fd00::6/64' }] },
      ['ips[0]: "address" "10.1.0.5" is not a CIDR', 'ips[1]: "address"'],
    ],
    [
      'an ip gateway that is not an address is left out, the ip kept',
      v1({ ips: [{ address: '10.1.0.5/24', gateway: 'gw' }] }),
      { ips: [{ address: '10.1.0.5/24' }] },
      ['ips[0].gateway'],
    ],
    ['ips not a list are dropped', v1({ ips: {} }), {}, ['ips: not a list']],
    ['dns not an object is dropped', v1({ dns: ['10.1.0.53'] }), {}, ['dns: not an object']],
    [
      'a dns field of the wrong type is left out',
      v1({ dns: { nameservers: '10.1.0.53', domain: 'svc', options: [1] } }),
      { dns: { domain: 'svc' } },
      ['dns.nameservers', 'dns.options'],
    ],
    [
      'unknown fields are ignored everywhere, silently',
      v1({
        interfaces: [{ ...pod, vendor: 'x' }],
        ips: [{ address: '10.1.0.5/24', interface: 0, vlan: 7 }],
        routes: [{ dst: '0.0.0.0/0', via: 'x' }],
        dns: { nameservers: ['10.1.0.53'], ttl: 5 },
        vendorExtension: { anything: true },
      }),
      {
        interfaces: [pod],
        ips: [{ address: '10.1.0.5/24', interface: 0 }],
        routes: [{ dst: '0.0.0.0/0' }],
        dns: { nameservers: ['10.1.0.53'] },
      },
      [],
    ],
    [
      'legacy: an ip4 without ip is dropped, ip6 kept',
      { cniVersion: '0.2.0', ip4: { gateway: '10.1.0.1' }, ip6: { ip: 'fd00::5/64' } },
      { cniVersion: '0.2.0', ips: [{ address: 'fd00::5/64' }] },
      ['ip4: no "ip"'],
    ],
    [
      'legacy: routes not a list, or without dst, are dropped',
      {
        cniVersion: '0.2.0',
        ip4: { ip: '10.1.0.5/24', routes: 'x' },
        ip6: { ip: 'fd00::5/64', routes: [{ gw: 'fd00::1' }, { dst: '::/0' }] },
      },
      { cniVersion: '0.2.0', ips: [{ address: '10.1.0.5/24' }, { address: 'fd00::5/64' }], routes: [{ dst: '::/0' }] },
      ['ip4.routes: not a list', 'ip6.routes[0]: no "dst"'],
    ],
    [
      // fuzz find result-show-deep-value: the value is named without recursion
      'a field nested 6000 deep is left out and named',
      v1({ dns: { nameservers: JSON.parse('['.repeat(6000) + ']'.repeat(6000)) as unknown } }),
      { dns: {} },
      ['dns.nameservers: (a value nested more than 32 levels deep) has the wrong type'],
    ],
    [
      'a route whose gw is an object whose toString is not callable is dropped',
      v1({ routes: [{ dst: '0.0.0.0/0', gw: { toString: 1 } }] }),
      {},
      ['routes[0]: "gw" {"toString":1} is not an IP address'],
    ],
    [
      'legacy: dns not an object is dropped',
      { cniVersion: '0.1.0', ip4: { ip: '10.1.0.5/24' }, dns: 'x' },
      { cniVersion: '0.1.0', ips: [{ address: '10.1.0.5/24' }] },
      ['dns: not an object'],
    ],
  ])('%s', (_name, raw, want, problems) => {
    const got = readResult(raw, '1.0.0');
    expect(got.result).toEqual({ cniVersion: '1.0.0', ...want });
    expect(got.problems).toEqual(problems.map((p) => expect.stringMatching(new RegExp(`^${escape(p)}`))));
    for (const p of got.problems) expect(p).toMatch(/, (dropped|left out|read as naming none)$/);
  });

  it('a bridge result with an off-spec route and index still prints a result a Go runtime reads', () => {
    const raw = {
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'cni0', mac: '02:00:00:00:00:aa' },
        { name: 'veth1234', mac: '02:00:00:00:00:bb' },
        { name: 'eth0', mac: '02:00:00:00:00:cc', sandbox: '/var/run/netns/p' },
      ],
      ips: [
        { address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 2 },
        { address: 'fd00::5/64', interface: 9 },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { gw: '10.1.0.1' }],
      dns: {},
    };
    const { result, problems } = readResult(raw);
    expect(problems).toHaveLength(2);
    expect(formatResult(result, '1.1.0')).toEqual({
      ...raw,
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 2 }, { address: 'fd00::5/64' }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
  });

  it('parseResult is readResult without the problems', () => {
    const raw = v1({ routes: [{ gw: '10.1.0.1' }], ips: [{ address: '10.1.0.5/24', interface: 4 }] });
    expect(parseResult(raw)).toEqual(readResult(raw).result);
    expect(readResult(v1({})).problems).toEqual([]);
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a result that is not a JSON object is a decode error (code 6)', () => {
  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'ok'],
    ['a number', 42],
  ])('%s', (_name, raw) => {
    for (const read of [readResult, parseResult]) {
      let err: unknown;
      try {
        read(raw, '1.0.0');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CniError);
      expect(err).toMatchObject({ code: 6, message: 'malformed result: not a JSON object' });
    }
  });
});
