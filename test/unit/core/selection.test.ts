// parseSelections: the k8s.v1.cni.cncf.io/networks annotation (NPWG §4.1), both forms.
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { parseSelections } from '../../../src/core/selection.js';

const POD_NS = 'pod-ns';

/** The thrown CniError, so a test can assert its code and message together. */
function parseError(raw: string): CniError {
  try {
    parseSelections(raw, POD_NS);
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe('parseSelections: short form', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['net-a', [{ name: 'net-a', namespace: POD_NS }]],
    ['other/net-a', [{ name: 'net-a', namespace: 'other' }]],
    ['net-a@data0', [{ name: 'net-a', namespace: POD_NS, interface: 'data0' }]],
    ['other/net-a@data0', [{ name: 'net-a', namespace: 'other', interface: 'data0' }]],
    // Multus only limits the ifname to 15 chars without "/" or whitespace; the NAD client would refuse "_".
    ['net-a@my_if', [{ name: 'net-a', namespace: POD_NS, interface: 'my_if' }]],
    // Object names are DNS-1123 subdomains, so dots are legal (Multus allows labels only).
    ['net.example', [{ name: 'net.example', namespace: POD_NS }]],
    [
      ' net-a , other/net-b@sig0,net-c ',
      [
        { name: 'net-a', namespace: POD_NS },
        { name: 'net-b', namespace: 'other', interface: 'sig0' },
        { name: 'net-c', namespace: POD_NS },
      ],
    ],
    // Whitespace around "/", "@" and "," is trimmed, as Multus does.
    [
      ' other / net-a @ net1 , net-b',
      [
        { name: 'net-a', namespace: 'other', interface: 'net1' },
        { name: 'net-b', namespace: POD_NS },
      ],
    ],
    ['net-a\t@\tdata0', [{ name: 'net-a', namespace: POD_NS, interface: 'data0' }]],
    [
      'other /net-a,\nnet-b',
      [
        { name: 'net-a', namespace: 'other' },
        { name: 'net-b', namespace: POD_NS },
      ],
    ],
    // NPWG §4.2: the same network twice is two attachments.
    [
      'net-a,net-a',
      [
        { name: 'net-a', namespace: POD_NS },
        { name: 'net-a', namespace: POD_NS },
      ],
    ],
  ])('parses %j', (raw, want) => {
    expect(parseSelections(raw, POD_NS)).toEqual(want);
  });
});

describe('parseSelections: JSON form', () => {
  it('reads every NPWG key of a selection element', () => {
    const element = {
      name: 'net-a',
      namespace: 'other',
      interface: 'data0',
      ips: ['10.1.1.5/24', '2001:db8::5/64', '10.1.1.6'],
      mac: 'c2:b0:57:49:47:f1',
      'default-route': ['10.1.1.1', '2001:db8::1'],
      'cni-args': { vlan: 10, nested: { a: true } },
      bandwidth: { ingressRate: 1000, egressRate: 2000 },
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      'infiniband-guid': 'c2:b0:57:49:47:f1:00:01',
      deviceID: '0000:03:00.1',
    };
    expect(parseSelections(JSON.stringify([element]), POD_NS)).toEqual([element]);
  });

  it.each([
    ['namespace missing', '[{"name":"net-a"}]', [{ name: 'net-a', namespace: POD_NS }]],
    ['namespace empty', '[{"name":"net-a","namespace":""}]', [{ name: 'net-a', namespace: POD_NS }]],
    ['surrounding whitespace', ' [ {"name":"net-a"} ] ', [{ name: 'net-a', namespace: POD_NS }]],
    ['an empty list', '[]', []],
    // Go's encoding/json matches keys case-insensitively; existing Multus annotations rely on it.
    [
      'keys in any case',
      '[{"NAME":"net-a","Namespace":"other","Interface":"d0","IPs":["10.0.0.2"],"MAC":"02:00:00:00:00:01","Default-Route":["10.0.0.1"],"CNI-Args":{"x":"y"},"Bandwidth":{},"portmappings":[],"Infiniband-GUID":"02:00:00:00:00:00:00:01","deviceid":"0000:00:01.0"}]',
      [
        {
          name: 'net-a',
          namespace: 'other',
          interface: 'd0',
          ips: ['10.0.0.2'],
          mac: '02:00:00:00:00:01',
          'default-route': ['10.0.0.1'],
          'cni-args': { x: 'y' },
          bandwidth: {},
          portMappings: [],
          'infiniband-guid': '02:00:00:00:00:00:00:01',
          deviceID: '0000:00:01.0',
        },
      ],
    ],
    [
      'the deprecated interfaceRequest',
      '[{"name":"net-a","interfaceRequest":"d0"}]',
      [{ name: 'net-a', namespace: POD_NS, interface: 'd0' }],
    ],
    // NPWG §4.1.2: vendor keys are reverse-DNS (they contain a dot) and are ignored.
    [
      'reverse-DNS vendor keys',
      '[{"name":"net-a","org.example.foo":1,"k8s.example.com/bar":{"x":1}}]',
      [{ name: 'net-a', namespace: POD_NS }],
    ],
    [
      'MAC with dashes',
      '[{"name":"net-a","mac":"C2-B0-57-49-47-F1"}]',
      [{ name: 'net-a', namespace: POD_NS, mac: 'C2-B0-57-49-47-F1' }],
    ],
    [
      'default-route []: no default route here',
      '[{"name":"net-a","default-route":[]}]',
      [{ name: 'net-a', namespace: POD_NS, 'default-route': [] }],
    ],
  ])('accepts %s', (_, raw, want) => {
    expect(parseSelections(raw, POD_NS)).toEqual(want);
  });
});

describe('parseSelections: malformed short form', () => {
  it.each([
    ['net-a,,net-b', 'network 2', 'is empty'],
    ['net-a,', 'network 2', 'is empty'],
    ['a/b/net-a', 'a/b/net-a', 'more than one "/"'],
    ['net-a@x@y', 'net-a@x@y', 'more than one "@"'],
    ['/net-a', '/net-a', 'empty namespace'],
    ['@eth1', 'network 1', 'field "name" is missing'],
    ['Net-A', 'Net-A', 'not a valid DNS-1123 name'],
    ['net_a', 'net_a', 'not a valid DNS-1123 name'],
    ['-net', '-net', 'not a valid DNS-1123 name'],
    [`${'a'.repeat(254)}`, 'network 1', 'not a valid DNS-1123 name'],
    ['Other/net-a', 'net-a', 'field "namespace"'],
    [' / net-a', 'network 1', 'empty namespace'],
    ['net-a @ ', 'net-a', 'field "interface": "" is empty'],
    ['ns / @ eth1', 'network 1', 'field "name" is missing'],
    ['net-a @ da ta', 'net-a', 'field "interface"'],
    ['my.ns/net-a', 'net-a', 'field "namespace"'],
    [`${'n'.repeat(64)}/net-a`, 'net-a', 'field "namespace"'],
    ['net-a@', 'net-a', 'field "interface": "" is empty'],
    ['net-a@averyveryverylong0', 'net-a', 'field "interface"'],
    ['net-a@a:b', 'net-a', 'field "interface"'],
    ['net-a@..', 'net-a', 'field "interface"'],
    ['net-b,net-a@a b', 'network 2', 'field "interface"'],
  ])('rejects %j', (raw, names, field) => {
    const err = parseError(raw);
    expect(err.code).toBe(ErrorCode.InvalidConfig);
    expect(err.message).toContain(names);
    expect(err.message).toContain(field);
  });
});

describe('parseSelections: malformed JSON form', () => {
  const one = (fields: string) => `[{"name":"net-a",${fields}}]`;
  it.each([
    ['not JSON', '[{"name":"net-a"', 'not valid JSON'],
    ['an object, not a list', '{"name":"net-a"}', 'must be a list'],
    ['a string, not a list', '"net-a"', 'must be a list'],
    ['an element that is not an object', '[{"name":"net-a"},"net-b"]', 'network 2'],
    ['no name', '[{"namespace":"other"}]', 'field "name" is missing'],
    ['a name with "/"', '[{"name":"other/net-a"}]', 'not a valid DNS-1123 name'],
    ['a namespace that is not a string', one('"namespace":5'), 'field "namespace"'],
    ['an invalid namespace', one('"namespace":"Bad_NS"'), 'field "namespace"'],
    ['an interface that is not a string', one('"interface":5'), 'field "interface"'],
    ['an interface too long', one('"interface":"abcdefghijklmnop"'), 'field "interface"'],
    ['ips not a list', one('"ips":"10.0.0.1"'), 'field "ips" must be a list'],
    ['ips with a non-string', one('"ips":[10]'), 'field "ips" must be a list'],
    ['an ip that is not one', one('"ips":["10.0.0.300"]'), 'field "ips": "10.0.0.300"'],
    ['a v4 prefix over 32', one('"ips":["10.0.0.1/33"]'), 'field "ips": "10.0.0.1/33"'],
    ['a v6 prefix over 128', one('"ips":["2001:db8::1/129"]'), 'field "ips"'],
    ['an empty prefix', one('"ips":["10.0.0.1/"]'), 'field "ips"'],
    ['a non-numeric prefix', one('"ips":["10.0.0.1/2x"]'), 'field "ips"'],
    ['two slashes', one('"ips":["10.0.0.1/24/1"]'), 'field "ips"'],
    ['a short mac', one('"mac":"c2:b0:57:49:47"'), 'field "mac": "c2:b0:57:49:47"'],
    ['a mac with a bad digit', one('"mac":"c2:b0:57:49:47:g1"'), 'field "mac"'],
    ['a mac that is not a string', one('"mac":1'), 'field "mac"'],
    ['a 6-octet infiniband-guid', one('"infiniband-guid":"c2:b0:57:49:47:f1"'), 'field "infiniband-guid"'],
    ['default-route not a list', one('"default-route":"10.0.0.1"'), 'field "default-route" must be a list'],
    ['default-route a CIDR', one('"default-route":["10.0.0.1/24"]'), 'field "default-route": "10.0.0.1/24"'],
    ['default-route not an IP', one('"default-route":["gw"]'), 'field "default-route"'],
    ['cni-args not an object', one('"cni-args":["x"]'), 'field "cni-args" must be a JSON object'],
    ['bandwidth not an object', one('"bandwidth":100'), 'field "bandwidth" must be a JSON object'],
    ['portMappings not a list', one('"portMappings":{"hostPort":80}'), 'field "portMappings"'],
    ['portMappings of non-objects', one('"portMappings":[80]'), 'field "portMappings"'],
    ['deviceID not a string', one('"deviceID":3'), 'field "deviceID" must be a string'],
    // fuzz finds (test/fuzz/known-bugs.ts): a value that String() cannot turn into text, or a number JSON cannot hold
    ['a name that is an object', '[{"name":{"toString":1}}]', 'network 1: field "name" must be a string'],
    ['a name that is a number', '[{"name":5}]', 'network 1: field "name" must be a string'],
    ['a name nested deep', `[{"name":${'['.repeat(6000)}${']'.repeat(6000)}}]`, 'field "name" must be a string'],
    ['an interface object', one('"interface":{"toString":1}'), 'field "interface": {"toString":1} must be a string'],
    ['a mac object', one('"mac":{"toString":1}'), 'field "mac": {"toString":1} is not a MAC address'],
    ['an infiniband-guid object', one('"infiniband-guid":{"toString":1}'), 'field "infiniband-guid": {"toString":1}'],
    ['a bandwidth of 1e999', one('"bandwidth":{"ingressRate":1e999}'), 'field "bandwidth" holds at "ingressRate"'],
    ['a cni-args of -1e999 in a list', one('"cni-args":{"a":[1,-1e999]}'), 'field "cni-args" holds at "a[1]"'],
  ])('rejects %s', (_, raw, field) => {
    const err = parseError(raw);
    expect(err.code).toBe(ErrorCode.InvalidConfig);
    expect(err.message).toContain(field);
  });

  it.each([
    ['a bad mac', '[{"name":"net-b"},{"name":"net-a","mac":"zz"}]'],
    ['a bad ip', '[{"name":"net-b"},{"name":"net-a","ips":["x"]}]'],
  ])('names the element by position and name for %s', (_, raw) => {
    expect(parseError(raw).message).toMatch(/^network 2 \("net-a"\): /);
  });

  it('never renders a missing value as "undefined"', () => {
    expect(parseError('[{"name":"net-a","namespace":5}]').message).not.toContain('undefined');
  });
});

/** Parses and returns the warnings too. */
function parseWarned(raw: string, podNamespace = POD_NS) {
  const warnings: string[] = [];
  const selections = parseSelections(raw, podNamespace, warnings);
  return { selections, warnings };
}

describe('parseSelections: unknown JSON keys are read past with a warning, as Multus reads past them', () => {
  const one = (fields: string) => `[{"name":"net-a",${fields}}]`;
  const vendorHint = (key: string) => `(vendor keys are reverse-DNS, e.g. "org.example.${key}")`;
  it.each([
    ['a known key: no warning', one('"interface":"d0"'), []],
    ['a vendor key (with a dot): ignored silently', one('"org.example.foo":1'), []],
    ['ipam-claim-reference (NPWG 1.3): passed over silently', one('"ipam-claim-reference":"c"'), []],
    [
      'a key far from every known one',
      one('"futureKey":true'),
      [`unknown key "futureKey" ignored ${vendorHint('futureKey')}`],
    ],
    ['a deletion', one('"interfce":"d0"'), ['unknown key "interfce" ignored; did you mean "interface"?']],
    ['an insertion', one('"interfacee":"d0"'), ['unknown key "interfacee" ignored; did you mean "interface"?']],
    ['a substitution', one('"interfase":"d0"'), ['unknown key "interfase" ignored; did you mean "interface"?']],
    ['a transposition', one('"interfcae":"d0"'), ['unknown key "interfcae" ignored; did you mean "interface"?']],
    ['a typo in another case', one('"INTERFCE":"d0"'), ['unknown key "INTERFCE" ignored; did you mean "interface"?']],
    [
      'a typo of an alias',
      one('"interfaceRequst":"d0"'),
      ['unknown key "interfaceRequst" ignored; did you mean "interfaceRequest"?'],
    ],
    ['a typo of namespace', one('"namspace":"x"'), ['unknown key "namspace" ignored; did you mean "namespace"?']],
    ['a typo of ips', one('"ip":["10.0.0.1"]'), ['unknown key "ip" ignored; did you mean "ips"?']],
    [
      'a typo of deviceID, spelled as the NPWG does',
      one('"deviceId2":"x"'),
      ['unknown key "deviceId2" ignored; did you mean "deviceID"?'],
    ],
    ['two edits away: no guess', one('"intrfce":"d0"'), [`unknown key "intrfce" ignored ${vendorHint('intrfce')}`]],
    [
      'every unknown key, each named',
      one('"foo":1,"macc":"x"'),
      [`unknown key "foo" ignored ${vendorHint('foo')}`, 'unknown key "macc" ignored; did you mean "mac"?'],
    ],
  ])('%s', (_, raw, want) => {
    const { selections, warnings } = parseWarned(raw);
    expect(selections).toHaveLength(1);
    expect(warnings).toEqual(want.map((w) => `network 1 ("net-a"): ${w}`));
  });

  it('the warning names the network by position and name, wherever its "name" key is', () => {
    const { warnings } = parseWarned('[{"name":"net-b"},{"interfce":"x","name":"macvlan-a"}]');
    expect(warnings).toEqual(['network 2 ("macvlan-a"): unknown key "interfce" ignored; did you mean "interface"?']);
  });

  it('the element is kept with the fields braid knows, the unknown one left out', () => {
    const { selections } = parseWarned('[{"name":"net-a","interfce":"d0","mac":"02:00:00:00:00:01"}]');
    expect(selections).toEqual([{ name: 'net-a', namespace: POD_NS, mac: '02:00:00:00:00:01' }]);
  });

  it('the short form has no keys, so no warnings', () => {
    expect(parseWarned('net-a, other/net-b@d0').warnings).toEqual([]);
  });

  it('a value that fails validation is still an error, and no warning escapes', () => {
    const warnings: string[] = [];
    expect(() => parseSelections('[{"name":"net-a","interfce":"x","mac":"zz"}]', POD_NS, warnings)).toThrow(
      /network 1 \("net-a"\): field "mac"/,
    );
    expect(warnings).toEqual([]);
  });

  it('without a warnings list, an unknown key is read past all the same', () => {
    expect(parseSelections('[{"name":"net-a","foo":1}]', POD_NS)).toEqual([{ name: 'net-a', namespace: POD_NS }]);
  });
});

describe("parseSelections: the runtime's namespace is not checked as if the user had typed it", () => {
  // CNI_ARGS K8S_POD_NAMESPACE (or defaultNetworkNamespace) is whatever the runtime or the operator set.
  const RUNTIME_NS = 'Weird_NS';
  it.each([
    ['the short form', 'net-a@d0', [{ name: 'net-a', namespace: RUNTIME_NS, interface: 'd0' }]],
    ['the JSON form without a namespace', '[{"name":"net-a"}]', [{ name: 'net-a', namespace: RUNTIME_NS }]],
    [
      'the JSON form with an empty namespace',
      '[{"name":"net-a","namespace":""}]',
      [{ name: 'net-a', namespace: RUNTIME_NS }],
    ],
    ['an explicit valid namespace', 'other/net-a', [{ name: 'net-a', namespace: 'other' }]],
  ])('%s parses', (_, raw, want) => {
    expect(parseSelections(raw, RUNTIME_NS)).toEqual(want);
  });

  it.each([
    ['the short form', 'Bad_NS/net-a'],
    ['the JSON form', '[{"name":"net-a","namespace":"Bad_NS"}]'],
  ])('an explicit bad namespace in %s is still an error', (_, raw) => {
    expect(() => parseSelections(raw, RUNTIME_NS)).toThrow(
      /field "namespace": namespace "Bad_NS" is not a valid DNS-1123 label/,
    );
  });
});
