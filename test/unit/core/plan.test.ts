// planAttachments: the whole plan before any plugin runs (default network, inline delegates,
// defaultNetworks, pod selections) and the checks that fail ADD with nothing attached.
import type { CniArgs } from '../../../src/cni/args.js';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import type { JsonObject } from '../../../src/cni/types.js';
import { parseNodeConfig } from '../../../src/core/node-config.js';
import { type Plan, type PlannedAttachment, planAttachments } from '../../../src/core/plan.js';
import type { ConfFiles, DeviceSource, Nad, NadSource, PodInfo } from '../../../src/core/sources.js';

const macvlan = '{"cniVersion":"1.0.0","type":"macvlan","master":"eth1"}'; // no name: the NAD's is used
const NADS: Nad[] = [
  ['kube-system', 'cluster-net', '{"cniVersion":"1.0.0","name":"cluster-net","type":"bridge"}'],
  ['kube-system', 'alt-net', '{"cniVersion":"1.0.0","name":"alt-net","type":"ptp"}'],
  ['kube-system', 'dn-a', macvlan],
  ['p-ns', 'alt-net', '{"cniVersion":"1.0.0","name":"wrong-alt","type":"ptp"}'],
  ['p-ns', 'a', macvlan],
  ['p-ns', 'b', macvlan],
  ['p-ns', 'c', macvlan],
  ['p-ns', 'broken', '{"type":'],
  ['other', 'a', macvlan],
  ['default', 'a', macvlan],
  ['shared', 'a', macvlan],
  ['kube-system', 'a', macvlan],
].map(([namespace, name, config]) => ({ namespace: namespace!, name: name!, config: config!, annotations: {} }));
NADS.push({
  namespace: 'p-ns',
  name: 'deep',
  config: JSON.stringify({
    cniVersion: '1.0.0',
    type: 'macvlan',
    x: JSON.parse('{"y":'.repeat(40) + '1' + '}'.repeat(40)),
  }),
  annotations: {},
});
NADS.push({
  namespace: 'p-ns',
  name: 'sriov',
  config: '{"cniVersion":"1.0.0","type":"host-device"}',
  annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov' },
});

const nads: NadSource = { getNad: async (ns, name) => NADS.find((n) => n.namespace === ns && n.name === name) };
const CONF_DIR: Record<string, JsonObject> = {
  flannel: { cniVersion: '0.3.1', name: 'cbr0', plugins: [{ type: 'flannel' }] },
};
const PATHS: Record<string, JsonObject> = {
  '/etc/cni/net.d/10-calico.conflist': { name: 'k8s-pod-network', plugins: [{ type: 'calico' }] },
};
const files: ConfFiles = { findByName: (n) => CONF_DIR[n], readPath: (p) => PATHS[p] };
const devices: DeviceSource = {
  deviceIds: (uid, rn) => (uid === 'uid-1' && rn === 'intel.com/sriov' ? ['0000:03:00.1', '0000:03:00.2'] : []),
  deviceInfo: () => undefined,
};

const pod = (annotations: Record<string, string>, namespace = 'p-ns'): PodInfo => ({
  namespace,
  name: 'p',
  annotations,
});
const nets = (value: string) => pod({ 'k8s.v1.cni.cncf.io/networks': value });
const CLUSTER = { clusterNetwork: 'cluster-net' };

function planned(config: JsonObject, p?: PodInfo, args: CniArgs = []): Promise<Plan> {
  return planAttachments({
    config: parseNodeConfig({ type: 'braid', ...config }),
    ifname: 'eth0',
    args,
    pod: p,
    nads,
    files,
    devices,
  });
}
const plan = async (config: JsonObject, p?: PodInfo, args: CniArgs = []): Promise<PlannedAttachment[]> =>
  (await planned(config, p, args)).attachments;
const layout = (atts: PlannedAttachment[]) => atts.map((a) => `${a.name}>${a.ifname}${a.isDefault ? '*' : ''}`);

describe('planAttachments: which networks, in which order, on which interface', () => {
  it.each([
    [
      'clusterNetwork (a NAD in kube-system) and two selections',
      CLUSTER,
      nets('a, b'),
      ['cluster-net>eth0*', 'p-ns/a>net1', 'p-ns/b>net2'],
    ],
    [
      'clusterNetwork found in confDir by name',
      { clusterNetwork: 'flannel' },
      nets('a'),
      ['cbr0>eth0*', 'p-ns/a>net1'],
    ],
    [
      'clusterNetwork as a file path',
      { clusterNetwork: '/etc/cni/net.d/10-calico.conflist' },
      undefined,
      ['k8s-pod-network>eth0*'],
    ],
    [
      'clusterNetwork in a custom multusNamespace',
      { clusterNetwork: 'a', multusNamespace: 'other' },
      undefined,
      ['a>eth0*'],
    ],
    [
      'delegates: the first is the default, the rest are inline before the pod selections',
      {
        delegates: [
          { name: 'd0', type: 'bridge' },
          { name: 'd1', type: 'macvlan' },
        ],
      },
      nets('a'),
      ['d0>eth0*', 'd1>net1', 'p-ns/a>net2'],
    ],
    [
      'defaultNetworks count in the positional names; an explicit interface keeps its position',
      { ...CLUSTER, defaultNetworks: ['dn-a'] },
      nets('a,b@data0,c'),
      ['cluster-net>eth0*', 'dn-a>net1', 'p-ns/a>net2', 'p-ns/b>data0', 'p-ns/c>net4'],
    ],
    [
      'the same network twice is two attachments',
      CLUSTER,
      nets('a,a'),
      ['cluster-net>eth0*', 'p-ns/a>net1', 'p-ns/a>net2'],
    ],
    [
      'systemNamespaces get no defaultNetworks, but their own selections',
      { ...CLUSTER, defaultNetworks: ['dn-a'] },
      pod({ 'k8s.v1.cni.cncf.io/networks': 'a' }, 'kube-system'),
      ['cluster-net>eth0*', 'kube-system/a>net1'],
    ],
    [
      'a custom systemNamespaces list',
      { ...CLUSTER, defaultNetworks: ['dn-a'], systemNamespaces: ['p-ns'] },
      nets('a'),
      ['cluster-net>eth0*', 'p-ns/a>net1'],
    ],
    [
      'no pod (inline delegates only) still gets defaultNetworks',
      { ...CLUSTER, defaultNetworks: ['dn-a'] },
      undefined,
      ['cluster-net>eth0*', 'dn-a>net1'],
    ],
    ['a pod without the annotation', CLUSTER, pod({}), ['cluster-net>eth0*']],
    // Anchors row 4: the override's namespace defaults to defaultNetworkNamespace, not the pod's.
    [
      'v1.multus-cni.io/default-network replaces clusterNetwork',
      CLUSTER,
      pod({ 'v1.multus-cni.io/default-network': 'alt-net' }),
      ['alt-net>eth0*'],
    ],
    [
      'v1.multus-cni.io/default-network with a namespace',
      CLUSTER,
      pod({ 'v1.multus-cni.io/default-network': 'p-ns/alt-net' }),
      ['wrong-alt>eth0*'],
    ],
    [
      'v1.multus-cni.io/default-network replaces delegates[0] only',
      {
        delegates: [
          { name: 'd0', type: 'bridge' },
          { name: 'd1', type: 'macvlan' },
        ],
      },
      pod({ 'v1.multus-cni.io/default-network': 'alt-net', 'k8s.v1.cni.cncf.io/networks': 'a' }),
      ['alt-net>eth0*', 'd1>net1', 'p-ns/a>net2'],
    ],
    [
      "under isolation the override may name the pod's namespace, a global one or the admin's defaultNetworkNamespace",
      { ...CLUSTER, namespaceIsolation: true, globalNamespaces: 'shared' },
      pod({
        'v1.multus-cni.io/default-network': 'alt-net',
        'k8s.v1.cni.cncf.io/networks': 'p-ns/a, shared/a',
      }),
      ['alt-net>eth0*', 'p-ns/a>net1', 'shared/a>net2'],
    ],
    [
      "under isolation the override may name the pod's own namespace",
      { ...CLUSTER, namespaceIsolation: true },
      pod({ 'v1.multus-cni.io/default-network': 'p-ns/alt-net' }),
      ['wrong-alt>eth0*'],
    ],
    [
      'namespaceIsolation: the pod namespace',
      { ...CLUSTER, namespaceIsolation: true },
      nets('a,p-ns/b'),
      ['cluster-net>eth0*', 'p-ns/a>net1', 'p-ns/b>net2'],
    ],
    [
      'namespaceIsolation: "default" is global by default',
      { ...CLUSTER, namespaceIsolation: true },
      nets('default/a'),
      ['cluster-net>eth0*', 'default/a>net1'],
    ],
    [
      'namespaceIsolation: globalNamespaces as a comma string',
      { ...CLUSTER, namespaceIsolation: true, globalNamespaces: 'default, shared' },
      nets('shared/a,default/a'),
      ['cluster-net>eth0*', 'shared/a>net1', 'default/a>net2'],
    ],
    ['namespaceIsolation off: any namespace', CLUSTER, nets('other/a'), ['cluster-net>eth0*', 'other/a>net1']],
    [
      'one v4 and one v6 default-route',
      CLUSTER,
      nets('[{"name":"a","default-route":["10.0.0.1"]},{"name":"b","default-route":["fd00::1"]}]'),
      ['cluster-net>eth0*', 'p-ns/a>net1', 'p-ns/b>net2'],
    ],
  ])('%s', async (_, config, p, want) => {
    expect(layout(await plan(config, p))).toEqual(want);
  });
});

describe('planAttachments: errors name the pod, the network and the reason', () => {
  it.each([
    [
      'clusterNetwork and delegates both set',
      { ...CLUSTER, delegates: [{ name: 'd0', type: 'bridge' }] },
      nets('a'),
      ['"clusterNetwork" and "delegates"'],
    ],
    ['no default network at all', {}, nets('a'), ['no default network']],
    [
      'clusterNetwork not found anywhere',
      { clusterNetwork: 'nope' },
      undefined,
      ['network "nope" not found', '"kube-system"'],
    ],
    [
      'a defaultNetworks entry not found',
      { ...CLUSTER, defaultNetworks: ['nope'] },
      undefined,
      ['network "nope" not found'],
    ],
    [
      'an unknown NAD',
      CLUSTER,
      nets('a,nope'),
      ['pod p-ns/p', 'network p-ns/nope', 'NetworkAttachmentDefinition not found'],
    ],
    [
      'a malformed annotation',
      CLUSTER,
      nets('a,Bad'),
      ['pod p-ns/p', 'annotation k8s.v1.cni.cncf.io/networks', 'network 2 ("Bad")'],
    ],
    [
      'a NAD whose config is not JSON',
      CLUSTER,
      nets('broken'),
      ['pod p-ns/p', 'NetworkAttachmentDefinition p-ns/broken', 'not valid JSON'],
    ],
    [
      'an explicit interface taking a positional name',
      CLUSTER,
      nets('a@net2,b'),
      ['pod p-ns/p', 'p-ns/a and p-ns/b', 'interface "net2"'],
    ],
    [
      'an explicit interface equal to CNI_IFNAME',
      CLUSTER,
      nets('a@eth0'),
      ['pod p-ns/p', 'cluster-net and p-ns/a', 'interface "eth0"'],
    ],
    [
      'two selections with the same explicit interface',
      CLUSTER,
      nets('a@data0,b@data0'),
      ['p-ns/a and p-ns/b', 'interface "data0"'],
    ],
    [
      'a cross-namespace network under isolation',
      { ...CLUSTER, namespaceIsolation: true },
      nets('other/a'),
      ['pod p-ns/p', 'network other/a', 'namespaceIsolation'],
    ],
    // Multus: once globalNamespaces is set, "default" must be listed explicitly.
    [
      '"default" when globalNamespaces omits it',
      { ...CLUSTER, namespaceIsolation: true, globalNamespaces: 'shared' },
      nets('default/a'),
      ['network default/a', 'namespaceIsolation'],
    ],
    [
      'two IPv4 default-routes',
      CLUSTER,
      nets('[{"name":"a","default-route":["10.0.0.1"]},{"name":"b","default-route":["10.1.0.1"]}]'),
      ['pod p-ns/p', 'more than one IPv4 "default-route"'],
    ],
    [
      'two IPv6 default-routes on one network',
      CLUSTER,
      nets('[{"name":"a","default-route":["fd00::1","fd01::1"]}]'),
      ['more than one IPv6 "default-route"'],
    ],
    // Issue 12: the override was not checked, so another tenant's NAD became the pod's eth0.
    [
      "a default-network override naming another namespace's NAD under isolation",
      { ...CLUSTER, namespaceIsolation: true },
      pod({ 'v1.multus-cni.io/default-network': 'other/a' }),
      ['pod p-ns/p', 'annotation v1.multus-cni.io/default-network: network other/a', 'namespaceIsolation'],
    ],
    [
      'a default-network override in JSON form naming another namespace under isolation',
      { ...CLUSTER, namespaceIsolation: true },
      pod({ 'v1.multus-cni.io/default-network': '[{"name":"a","namespace":"other"}]' }),
      ['network other/a', 'namespaceIsolation'],
    ],
    // Issue 12: what a pod or NAD author controls is bounded before it enters the plan.
    [
      'cni-args nested 40 levels deep',
      CLUSTER,
      nets(JSON.stringify([{ name: 'a', 'cni-args': JSON.parse('{"x":'.repeat(40) + '1' + '}'.repeat(40)) }])),
      ['pod p-ns/p', 'network 1 ("a")', 'field "cni-args" is nested more than 32 levels deep'],
    ],
    [
      'a networks annotation over 256 KiB',
      CLUSTER,
      nets(JSON.stringify([{ name: 'a', 'cni-args': { pad: 'x'.repeat(270_000) } }])),
      ['pod p-ns/p', 'the networks annotation is', 'at most 262144 are accepted'],
    ],
    [
      'a NAD config nested too deep',
      CLUSTER,
      nets('deep'),
      ['NetworkAttachmentDefinition p-ns/deep', 'spec.config is nested more than 32 levels deep'],
    ],
    // Issue 12: one annotation must not start hundreds of delegates.
    [
      'more networks than maxNetworksPerPod (the default network counts)',
      { ...CLUSTER, maxNetworksPerPod: 3 },
      nets('a, b, c'),
      ['pod p-ns/p', 'asks for 3 networks', 'more than the 3 a pod may have (maxNetworksPerPod)'],
    ],
    [
      'more than the default 32 networks',
      CLUSTER,
      nets(Array.from({ length: 32 }, () => 'a').join(',')),
      ['asks for 32 networks', 'more than the 32'],
    ],
    [
      'a default-network override naming two networks',
      CLUSTER,
      pod({ 'v1.multus-cni.io/default-network': 'alt-net,a' }),
      ['pod p-ns/p', 'exactly one network'],
    ],
    [
      'a default-network override that does not exist',
      CLUSTER,
      pod({ 'v1.multus-cni.io/default-network': 'nope' }),
      ['pod p-ns/p', 'default network kube-system/nope', 'not found'],
    ],
  ])('%s', async (_, config, p, parts) => {
    const err = await plan(config, p).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(ErrorCode.InvalidConfig);
    for (const part of parts) expect((err as CniError).message).toContain(part);
  });
});

describe('planAttachments: what each delegate is given', () => {
  it('runtime capabilities go to the default network only (NPWG §7.5), passed through as received', async () => {
    const runtimeConfig = {
      portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp' }],
      dns: { Servers: ['10.96.0.10'] },
    };
    const [def, sec] = await plan({ ...CLUSTER, capabilities: { portMappings: true }, runtimeConfig }, nets('a'));
    expect(def!.capabilityArgs).toEqual(runtimeConfig);
    expect(sec!.capabilityArgs).toEqual({});
  });

  it('the selection, filled in, and its legacy args travel with the attachment', async () => {
    const [, a] = await plan(CLUSTER, nets('[{"name":"a","ips":["10.1.1.5/24"],"cni-args":{"k":"v"}}]'));
    expect(a!.selection).toEqual({ name: 'a', namespace: 'p-ns', ips: ['10.1.1.5/24'], 'cni-args': { k: 'v' } });
    expect(a!.extraArgs).toEqual([['IP', '10.1.1.5/24']]);
    expect(a!.conf).toEqual({
      cniVersion: '1.0.0',
      name: 'a',
      plugins: [{ cniVersion: '1.0.0', name: 'a', type: 'macvlan', master: 'eth1', args: { cni: { k: 'v' } } }],
    });
  });

  it.each([
    ['K8S_POD_UID from CNI_ARGS', [['K8S_POD_UID', 'uid-1']] as CniArgs, undefined, ['0000:03:00.1', '0000:03:00.2']],
    ['the pod UID when CNI_ARGS has none', [] as CniArgs, 'uid-1', ['0000:03:00.1', '0000:03:00.2']],
    ['no UID: no device', [] as CniArgs, undefined, [undefined, undefined]],
  ])('hands out device IDs for a resourceName NAD in order: %s', async (_, args, uid, want) => {
    const atts = (await plan(CLUSTER, { ...nets('sriov,sriov'), ...(uid ? { uid } : {}) }, args)).slice(1);
    expect(atts.map((a) => a.deviceId)).toEqual(want);
    expect(atts.map((a) => a.conf.plugins[0]!.deviceID)).toEqual(want);
    expect(atts.map((a) => a.resourceName)).toEqual(['intel.com/sriov', 'intel.com/sriov']);
  });
});

describe('planAttachments: what it reads past, as warnings, without failing the pod', () => {
  it.each([
    ['no unknown key', CLUSTER, nets('[{"name":"a","interface":"data0"}]'), []],
    ['the short form', CLUSTER, nets('a, b'), []],
    [
      'a typo of a known key in the networks annotation',
      CLUSTER,
      nets('[{"name":"a"},{"name":"b","interfce":"data0"}]'),
      ['network 2 ("b"): unknown key "interfce" ignored; did you mean "interface"?'],
    ],
    [
      'an unknown key in the default-network override, named by its annotation',
      CLUSTER,
      pod({ 'v1.multus-cni.io/default-network': '[{"name":"alt-net","futureKey":true}]' }),
      [
        'annotation v1.multus-cni.io/default-network: network 1 ("alt-net"): unknown key "futureKey" ignored (vendor keys are reverse-DNS, e.g. "org.example.futureKey")',
      ],
    ],
    [
      'both annotations, the override first',
      CLUSTER,
      pod({
        'v1.multus-cni.io/default-network': '[{"name":"alt-net","nmae":"x"}]',
        'k8s.v1.cni.cncf.io/networks': '[{"name":"a","ipz":["10.0.0.1"]}]',
      }),
      [
        'annotation v1.multus-cni.io/default-network: network 1 ("alt-net"): unknown key "nmae" ignored; did you mean "name"?',
        'network 1 ("a"): unknown key "ipz" ignored; did you mean "ips"?',
      ],
    ],
  ])('%s', async (_, config, p, want) => {
    const out = await planned(config, p);
    expect(out.warnings).toEqual(want);
  });

  it('an element with an unknown key is still attached, with what it asked for', async () => {
    const out = await planned(CLUSTER, nets('[{"name":"a","interfce":"data0","mac":"02:00:00:00:00:01"}]'));
    expect(layout(out.attachments)).toEqual(['cluster-net>eth0*', 'p-ns/a>net1']);
    expect(out.attachments[1]!.selection).toEqual({ name: 'a', namespace: 'p-ns', mac: '02:00:00:00:00:01' });
  });
});
