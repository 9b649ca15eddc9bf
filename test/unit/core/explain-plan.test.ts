// explainPlan (`braid explain`): the plan as ADD makes it, and when ADD would fail, the rest of the plan with each
// network's own error (ADD's words) and "did you mean" for a NAD that does not exist.
import { explainPlan } from '../../../src/core/explain-plan.js';
import { parseNodeConfig } from '../../../src/core/node-config.js';
import { planAttachments } from '../../../src/core/plan.js';
import type { Nad, PodInfo } from '../../../src/core/sources.js';

const macvlan = '{"cniVersion":"1.0.0","type":"macvlan","master":"eth1"}';
const NADS: Nad[] = [
  ['telco', 'data', macvlan],
  ['telco', 'signal', macvlan],
  ['telco', 'broken', '{"type":'],
  ['shared', 'lan', macvlan],
  ['other', 'lan', macvlan],
].map(([namespace, name, config]) => ({ namespace: namespace!, name: name!, config: config!, annotations: {} }));
const nads = { getNad: async (ns: string, name: string) => NADS.find((n) => n.namespace === ns && n.name === name) };
const names = async (ns: string) => NADS.filter((n) => n.namespace === ns).map((n) => n.name);
const files = { findByName: () => undefined, readPath: () => undefined };

const config = parseNodeConfig({
  cniVersion: '1.1.0',
  name: 'braid',
  type: 'braid',
  delegates: [{ cniVersion: '1.0.0', name: 'mgmt', type: 'bridge' }],
  namespaceIsolation: true,
  globalNamespaces: ['shared'],
});
const pod = (annotations: Record<string, string>): PodInfo => ({ namespace: 'telco', name: 'upf', annotations });
const input = (networks: string) => ({
  config,
  ifname: 'eth0',
  args: [] as Array<[string, string]>,
  pod: pod({ 'k8s.v1.cni.cncf.io/networks': networks }),
  nads,
  files,
});

describe('explainPlan', () => {
  it('a plan ADD accepts is ADD plan, with no errors', async () => {
    const got = await explainPlan(input('data, shared/lan'), names);
    expect(got).toEqual({ ...(await planAttachments(input('data, shared/lan'))), errors: [], unavailable: new Map() });
  });

  it('every network at fault is named with its own error; the rest of the plan is still shown', async () => {
    const got = await explainPlan(input('dta, other/lan, broken, signal@sig0'), names);
    expect(got.attachments.map((a) => [a.name, a.ifname])).toEqual([
      ['mgmt', 'eth0'],
      ['telco/dta', 'net1'],
      ['other/lan', 'net2'],
      ['telco/broken', 'net3'],
      ['telco/signal', 'sig0'],
    ]);
    expect(got.errors).toEqual([
      'pod telco/upf: network telco/dta: NetworkAttachmentDefinition not found; did you mean "data"?',
      expect.stringMatching(/^pod telco\/upf: network other\/lan: namespaceIsolation allows pods in "telco"/),
      expect.stringMatching(
        /^pod telco\/upf: NetworkAttachmentDefinition telco\/broken: spec.config is not valid JSON/,
      ),
    ]);
    expect([...got.unavailable]).toEqual([
      [1, 'NetworkAttachmentDefinition telco/dta is missing'],
      [3, 'NetworkAttachmentDefinition telco/broken is broken'],
    ]);
    // The first error is the one ADD itself gives.
    await expect(planAttachments(input('dta, other/lan, broken, signal@sig0'))).rejects.toThrow(
      got.errors[0]!.split(';')[0],
    );
  });

  it('the default-network override is checked like the networks', async () => {
    const i = { ...input(''), pod: pod({ 'v1.multus-cni.io/default-network': 'other/lan' }) };
    const got = await explainPlan(i, names);
    expect(got.attachments[0]).toMatchObject({ name: 'lan', isDefault: true });
    expect(got.errors).toEqual([
      expect.stringMatching(/annotation v1.multus-cni.io\/default-network: network other\/lan: namespaceIsolation/),
    ]);
    const missing = { ...input(''), pod: pod({ 'v1.multus-cni.io/default-network': 'telco/sginal' }) };
    expect((await explainPlan(missing, names)).errors).toEqual([
      'pod telco/upf: default network telco/sginal: NetworkAttachmentDefinition not found; did you mean "signal"?',
    ]);
  });

  it('what leaves no plan at all is thrown as ADD throws it', async () => {
    await expect(explainPlan(input('data@x0, signal@x0'), names)).rejects.toThrow(/both use interface "x0"/);
    await expect(explainPlan(input('a/b/c'), names)).rejects.toThrow(/more than one "\/"/);
  });
});
