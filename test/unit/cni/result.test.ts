import { CniError } from '../../../src/cni/errors.js';
import { formatResult, parseResult } from '../../../src/cni/result.js';
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

describe('malformed results are decode errors (code 6)', () => {
  it.each([
    ['null', null, 'not a JSON object'],
    ['an array', [], 'not a JSON object'],
    ['a string', 'ok', 'not a JSON object'],
    ['ips not a list', { cniVersion: '1.0.0', ips: {} }, 'ips is not a list'],
    ['interfaces not a list', { cniVersion: '1.0.0', interfaces: 'eth0' }, 'interfaces is not a list'],
    ['an ip without address', { cniVersion: '1.0.0', ips: [{ gateway: '10.1.0.1' }] }, 'ips[0].address is missing'],
    ['an interface without name', { cniVersion: '1.0.0', interfaces: [{ mac: 'x' }] }, 'interfaces[0].name is missing'],
    ['routes not a list', { cniVersion: '1.0.0', routes: { dst: '0.0.0.0/0' } }, 'routes is not a list'],
    ['a route without dst', { cniVersion: '1.0.0', routes: [{ gw: '10.1.0.1' }] }, 'routes[0].dst is missing'],
    ['dns not an object', { cniVersion: '1.0.0', dns: ['10.1.0.53'] }, 'dns is not an object'],
    ['legacy ip4 without ip', { cniVersion: '0.2.0', ip4: { gateway: '10.1.0.1' } }, 'ip4.ip is missing'],
    [
      'legacy routes not a list',
      { cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/24', routes: 'x' } },
      'ip4.routes is not a list',
    ],
  ])('%s', (_name, raw, msg) => {
    let err: unknown;
    try {
      parseResult(raw, '1.0.0');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ code: 6, message: `malformed result: ${msg}` });
  });
});
