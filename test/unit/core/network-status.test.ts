// network-status (NPWG §5) projected from delegate results. The examples follow the spec's own; ips are
// bare addresses, as Multus and the NAD client write them (anchors row 54).
import { parseResult } from '../../../src/cni/result.js';
import type { Result } from '../../../src/cni/types.js';
import {
  type AttachedNetwork,
  buildNetworkStatus,
  defaultGateways,
  projectStatus,
} from '../../../src/core/network-status.js';

const att = (result: Result, over: Partial<AttachedNetwork> = {}): AttachedNetwork => ({
  name: 'ns/net-a',
  ifname: 'net1',
  isDefault: false,
  result,
  ...over,
});

describe('projectStatus: NPWG examples', () => {
  it('single interface: the default network with dual-stack addresses and DNS', () => {
    const result: Result = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: 'ba:d8:11:22:33:44', sandbox: '/var/run/netns/pod' }],
      ips: [
        { address: '1.2.3.1/24', gateway: '1.2.3.254', interface: 0 },
        { address: '2001::1/64', interface: 0 },
      ],
      dns: { nameservers: ['1.2.3.4', '1.2.3.5'], domain: 'foo.com', search: ['foo.com', 'bar.com'] },
    };
    expect(projectStatus(att(result, { name: 'cluster-wide-default', ifname: 'eth0', isDefault: true }))).toEqual([
      {
        name: 'cluster-wide-default',
        interface: 'eth0',
        ips: ['1.2.3.1', '2001::1'],
        mac: 'ba:d8:11:22:33:44',
        default: true,
        dns: { nameservers: ['1.2.3.4', '1.2.3.5'], domain: 'foo.com', search: ['foo.com', 'bar.com'] },
      },
    ]);
  });

  it('a bridge-style result: host interfaces are skipped, the one sandbox interface gets its addresses', () => {
    const result: Result = {
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'cni0', mac: '02:00:00:00:00:aa' },
        { name: 'veth1234', mac: '02:00:00:00:00:bb' },
        { name: 'net1', mac: '02:00:00:00:00:cc', sandbox: '/var/run/netns/pod' },
      ],
      ips: [{ address: '10.1.1.5/24', gateway: '10.1.1.1', interface: 2 }],
    };
    expect(projectStatus(att(result))).toEqual([
      { name: 'ns/net-a', interface: 'net1', ips: ['10.1.1.5'], mac: '02:00:00:00:00:cc' },
    ]);
  });

  it('multiple sandbox interfaces: ips by interface index, unindexed ones to the last entry', () => {
    const result: Result = {
      cniVersion: '1.1.0',
      interfaces: [
        { name: 'host0' },
        { name: 'net1', mac: '02:00:00:00:01:01', sandbox: '/var/run/netns/pod', mtu: 9000 },
        { name: 'net1v', mac: '02:00:00:00:01:02', sandbox: '/var/run/netns/pod' },
      ],
      ips: [
        { address: '10.0.0.5/24', interface: 1 },
        { address: '10.0.1.5/24', interface: 2 },
        { address: '10.9.9.9/24', interface: 0 }, // on a host interface: no pod-side entry owns it
        { address: 'fd00::5/64' },
      ],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
    };
    expect(projectStatus(att(result, { isDefault: true, deviceInfo: { type: 'pci' } }))).toEqual([
      {
        name: 'ns/net-a',
        interface: 'net1',
        ips: ['10.0.0.5'],
        mac: '02:00:00:00:01:01',
        mtu: 9000,
        default: true,
        gateway: ['10.0.0.1'],
        'device-info': { type: 'pci' },
      },
      { name: 'ns/net-a', interface: 'net1v', ips: ['10.0.1.5', 'fd00::5'], mac: '02:00:00:00:01:02' },
    ]);
  });

  it('the primary entry is the one named CNI_IFNAME, not the first', () => {
    const result: Result = {
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'side0', sandbox: '/ns' },
        { name: 'eth0', sandbox: '/ns' },
      ],
      routes: [{ dst: '::/0', gw: 'fd00::1' }],
    };
    const got = projectStatus(att(result, { ifname: 'eth0', isDefault: true }));
    expect(got.map((s) => [s.interface, s.default, s.gateway])).toEqual([
      ['side0', undefined, undefined],
      ['eth0', true, ['fd00::1']],
    ]);
  });

  it.each([
    [
      'a 1.0.0 result with ips only',
      { cniVersion: '1.0.0', ips: [{ address: '10.1.1.5/24' }] },
      '1.0.0',
      { ips: ['10.1.1.5'] },
    ],
    [
      'a 0.3.1 result with ips only',
      { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.1.1.5/24' }] },
      '0.3.1',
      { ips: ['10.1.1.5'] },
    ],
    ['an empty result', { cniVersion: '1.0.0' }, '1.0.0', {}],
    [
      'a 0.2.0 result, converted',
      {
        cniVersion: '0.2.0',
        ip4: { ip: '10.1.1.5/24', gateway: '10.1.1.1', routes: [{ dst: '0.0.0.0/0' }] },
        ip6: { ip: '2001:db8::5/64', gateway: '2001:db8::1', routes: [{ dst: '::/0' }] },
        dns: { nameservers: ['10.1.1.1'] },
      },
      '0.2.0',
      { ips: ['10.1.1.5', '2001:db8::5'], dns: { nameservers: ['10.1.1.1'] }, gateway: ['10.1.1.1', '2001:db8::1'] },
    ],
    ['a 0.1.0 result without a version', { ip4: { ip: '10.1.1.5/24' } }, '0.1.0', { ips: ['10.1.1.5'] }],
  ])('a result without interfaces still gets an entry: %s', (_, raw, confVersion, fields) => {
    const result = parseResult(raw, confVersion);
    expect(projectStatus(att(result))).toEqual([{ name: 'ns/net-a', interface: 'net1', ...fields }]);
  });
});

describe('projectStatus: only pod-side interfaces and their addresses (issue 11, ADR 0004)', () => {
  const SANDBOX = '/var/run/netns/pod';
  const bridgeIfaces = [
    { name: 'cni0', mac: '02:00:00:00:00:aa' },
    { name: 'veth1234', mac: '02:00:00:00:00:bb' },
    { name: 'eth0', mac: '02:00:00:00:00:cc', sandbox: SANDBOX },
  ];
  const ptpIfaces = [
    { name: 'veth5678', mac: '02:00:00:00:01:aa' },
    { name: 'eth0', mac: '02:00:00:00:01:bb', sandbox: SANDBOX },
  ];
  // Each case: the result (ifname eth0), and the one entry's interface, ips and mac.
  it.each<[string, Omit<Result, 'cniVersion'>, { interface: string; ips?: string[]; mac?: string }]>([
    [
      'bridge: the pod address indexed 2 on eth0; the host bridge and veth never appear',
      { interfaces: bridgeIfaces, ips: [{ address: '10.1.1.5/24', gateway: '10.1.1.1', interface: 2 }] },
      { interface: 'eth0', ips: ['10.1.1.5'], mac: '02:00:00:00:00:cc' },
    ],
    [
      "bridge: the bridge's own gateway address (indexed 0) is host-side and left out",
      {
        interfaces: bridgeIfaces,
        ips: [
          { address: '10.1.1.1/24', interface: 0 },
          { address: '10.1.1.5/24', gateway: '10.1.1.1', interface: 2 },
        ],
      },
      { interface: 'eth0', ips: ['10.1.1.5'], mac: '02:00:00:00:00:cc' },
    ],
    [
      'bridge: an unindexed address goes to the pod interface',
      { interfaces: bridgeIfaces, ips: [{ address: '10.1.1.5/24' }] },
      { interface: 'eth0', ips: ['10.1.1.5'], mac: '02:00:00:00:00:cc' },
    ],
    [
      'bridge: an out-of-range index (a result built by hand) counts as unindexed',
      { interfaces: bridgeIfaces, ips: [{ address: '10.1.1.5/24', interface: 7 }] },
      { interface: 'eth0', ips: ['10.1.1.5'], mac: '02:00:00:00:00:cc' },
    ],
    [
      'ptp: the host veth is left out, the pod address indexed 1 kept',
      {
        interfaces: ptpIfaces,
        ips: [
          { address: '10.1.2.5/32', gateway: '10.1.2.1', interface: 1 },
          { address: '10.1.2.1/32', interface: 0 },
        ],
      },
      { interface: 'eth0', ips: ['10.1.2.5'], mac: '02:00:00:00:01:bb' },
    ],
    [
      'only host-side interfaces (a Calico-like result): the attachment, with the unindexed addresses',
      {
        interfaces: [{ name: 'cali12345', mac: 'ee:ee:ee:ee:ee:ee' }],
        ips: [{ address: '10.1.3.5/32' }, { address: 'fd00::5/128', interface: 4 }],
      },
      { interface: 'eth0', ips: ['10.1.3.5', 'fd00::5'] },
    ],
    [
      'only host-side interfaces: an address indexed to one of them is host-side',
      { interfaces: [{ name: 'cali12345' }], ips: [{ address: '10.1.3.5/32', interface: 0 }] },
      { interface: 'eth0' },
    ],
    [
      'several host-side interfaces, none in the pod: the attachment, unindexed addresses only',
      {
        interfaces: [{ name: 'br0' }, { name: 'veth1' }],
        ips: [{ address: '10.1.4.1/24', interface: 0 }, { address: '10.1.4.5/24' }],
      },
      { interface: 'eth0', ips: ['10.1.4.5'] },
    ],
    [
      "a lone interface without sandbox named as asked (a plugin that forgot 'sandbox'): read as the pod's",
      {
        interfaces: [{ name: 'eth0', mac: '02:00:00:00:02:01' }],
        ips: [{ address: '10.1.5.5/24', interface: 0 }, { address: 'fd00::5/64' }],
      },
      { interface: 'eth0', ips: ['10.1.5.5', 'fd00::5'], mac: '02:00:00:00:02:01' },
    ],
    [
      'two interfaces without sandbox, one named as asked: both host-side (the exception is for a lone one)',
      {
        interfaces: [{ name: 'veth9' }, { name: 'eth0', mac: '02:00:00:00:02:02' }],
        ips: [{ address: '10.1.6.5/24', interface: 1 }],
      },
      { interface: 'eth0' },
    ],
  ])('%s', (_, fields, want) => {
    expect(projectStatus(att({ cniVersion: '1.0.0', ...fields }, { ifname: 'eth0' }))).toEqual([
      { name: 'ns/net-a', ...want },
    ]);
  });

  it('an off-spec bridge result, read leniently, gives the pod entry only', () => {
    const result = parseResult({
      cniVersion: '0.4.0',
      interfaces: [{ name: 'cni0' }, { mac: '02:00:00:00:00:ff' }, { name: 'veth1' }, bridgeIfaces[2], { x: 1 }],
      ips: [
        { version: '4', address: '10.1.7.5/24', gateway: '10.1.7.1', interface: 3 },
        { version: '4', address: '10.1.7.1/24', interface: 0 },
        { version: '6', address: 'fd00::7/64', interface: 12 },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { gw: '10.1.7.1' }],
      whatever: true,
    });
    expect(projectStatus(att(result, { ifname: 'eth0', isDefault: true }))).toEqual([
      {
        name: 'ns/net-a',
        interface: 'eth0',
        ips: ['10.1.7.5', 'fd00::7'],
        mac: '02:00:00:00:00:cc',
        default: true,
        gateway: ['10.1.7.1'],
      },
    ]);
  });
});

describe('projectStatus: optional fields', () => {
  const one = { name: 'net1', sandbox: '/ns' };
  it.each([
    ['no dns', undefined, false],
    ['empty dns', {}, false],
    ['dns with empty lists', { nameservers: [], search: [] }, false],
    ['nameservers', { nameservers: ['10.0.0.53'] }, true],
    ['a domain only', { domain: 'example.org' }, true],
    ['options only', { options: ['ndots:5'] }, true],
  ])('dns: %s', (_, dns, present) => {
    const s = projectStatus(att({ cniVersion: '1.0.0', interfaces: [one], ...(dns ? { dns } : {}) }))[0]!;
    expect('dns' in s).toBe(present);
    if (present) expect(s.dns).toEqual(dns);
  });

  it.each([
    ['absent', undefined, false],
    ['null', null, false],
    ['an object', { type: 'pci', pci: { 'pci-address': '0000:03:00.1' } }, true],
  ])('device-info %s', (_, deviceInfo, present) => {
    const s = projectStatus(att({ cniVersion: '1.0.0', interfaces: [one] }, { deviceInfo }))[0]!;
    expect('device-info' in s).toBe(present);
  });

  it('omits mac, mtu, ips and default when there are none', () => {
    expect(projectStatus(att({ cniVersion: '1.0.0', interfaces: [one] }))).toEqual([
      { name: 'ns/net-a', interface: 'net1' },
    ]);
  });
});

describe('defaultGateways', () => {
  it.each([
    ['no routes', { ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1' }] }, []],
    ['a default route with gw', { routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.254' }] }, ['10.0.0.254']],
    // Multus writes "<nil>" here (multus-observed §5); the route goes via the address's gateway.
    [
      'a default route without gw: ips[].gateway',
      { ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1' }], routes: [{ dst: '0.0.0.0/0' }] },
      ['10.0.0.1'],
    ],
    [
      'a default route with gw ""',
      { ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1' }], routes: [{ dst: '0.0.0.0/0', gw: '' }] },
      ['10.0.0.1'],
    ],
    [
      'without gw, only a gateway of the other family',
      { ips: [{ address: 'fd00::5/64', gateway: 'fd00::1' }], routes: [{ dst: '0.0.0.0/0' }] },
      [],
    ],
    ['without gw and without any gateway', { ips: [{ address: '10.0.0.5/24' }], routes: [{ dst: '0.0.0.0/0' }] }, []],
    [
      'non-default routes are not gateways',
      {
        routes: [
          { dst: '10.0.0.0/8', gw: '10.0.0.1' },
          { dst: '0.0.0.0/1', gw: '10.0.0.2' },
        ],
      },
      [],
    ],
    [
      'both families, the v6 one via ips[].gateway',
      {
        ips: [
          { address: '10.0.0.5/24', gateway: '10.0.0.1' },
          { address: 'fd00::5/64', gateway: 'fd00::1' },
        ],
        routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }, { dst: '::/0' }],
      },
      ['10.0.0.1', 'fd00::1'],
    ],
    [
      'the same gateway twice is listed once',
      {
        routes: [
          { dst: '0.0.0.0/0', gw: '10.0.0.1' },
          { dst: '0.0.0.0/0', gw: '10.0.0.1', table: 100 },
        ],
      },
      ['10.0.0.1'],
    ],
  ])('%s', (_, fields, want) => {
    expect(defaultGateways({ cniVersion: '1.0.0', ...fields })).toEqual(want);
  });
});

describe('buildNetworkStatus', () => {
  const hostLocal = (address: string, ifname: string): Result => ({
    cniVersion: '1.0.0',
    interfaces: [{ name: ifname, mac: '02:00:00:00:00:01', sandbox: '/ns' }],
    ips: [{ address, gateway: address.replace(/\.\d+\/\d+$/, '.1'), interface: 0 }],
    routes: [{ dst: '0.0.0.0/0' }],
  });

  it('keeps plan order, marks only the default network, and never writes "<nil>"', () => {
    const status = buildNetworkStatus([
      att(hostLocal('10.244.77.3/24', 'eth0'), { name: 'mbdefault', ifname: 'eth0', isDefault: true }),
      att(
        {
          cniVersion: '0.4.0',
          interfaces: [{ name: 'net1', sandbox: '/ns' }],
          ips: [{ address: '10.77.1.2/24', interface: 0 }],
        },
        { name: 'default/macvlan-a' },
      ),
      att({ cniVersion: '1.0.0' }, { name: 'default/macvlan-b', ifname: 'net2' }),
    ]);
    expect(status).toEqual([
      {
        name: 'mbdefault',
        interface: 'eth0',
        ips: ['10.244.77.3'],
        mac: '02:00:00:00:00:01',
        default: true,
        gateway: ['10.244.77.1'],
      },
      { name: 'default/macvlan-a', interface: 'net1', ips: ['10.77.1.2'] },
      { name: 'default/macvlan-b', interface: 'net2' },
    ]);
    expect(JSON.stringify(status)).not.toContain('nil');
  });

  it('is empty for no attachments', () => {
    expect(buildNetworkStatus([])).toEqual([]);
  });
});
