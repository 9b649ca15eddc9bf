// trimPod / trimNad: cached objects keep only the fields braid reads (docs/adr/0009).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { keyOf, trimNad, trimPod } from '../../../src/k8s/trim.js';

const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const DEFAULT_NET = 'v1.multus-cni.io/default-network';
const OWNER = 'braid.k8s.io/network-status-owner';
const SOURCE = 'kubernetes.io/config.source';
const RESOURCE = 'k8s.v1.cni.cncf.io/resourceName';

const rawPod = (annotations?: Record<string, string>) => ({
  metadata: {
    name: 'p1',
    namespace: 'team-a',
    uid: 'u1',
    resourceVersion: '42',
    labels: { app: 'x' },
    managedFields: [{ manager: 'kubelet' }],
    annotations,
  },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'nginx' }] },
  status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] },
});

describe('trimPod', () => {
  it.each<[string, Record<string, string> | undefined, Record<string, string>]>([
    ['no annotations', undefined, {}],
    [
      'only annotations braid does not read',
      { 'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}', 'prometheus.io/scrape': 'true' },
      {},
    ],
    ['networks among others', { [NETWORKS]: 'a,b', 'other/thing': 'x' }, { [NETWORKS]: 'a,b' }],
    [
      'every kept annotation',
      {
        [NETWORKS]: 'a',
        [DEFAULT_NET]: 'd',
        [STATUS]: '[]',
        [SOURCE]: 'api',
        [OWNER]: 'c1',
        [RESOURCE]: 'not a pod key',
      },
      { [NETWORKS]: 'a', [DEFAULT_NET]: 'd', [STATUS]: '[]', [SOURCE]: 'api', [OWNER]: 'c1' },
    ],
    ['an empty value (kept: it is set)', { [NETWORKS]: '' }, { [NETWORKS]: '' }],
  ])('with %s keeps only the listed annotations', (_, annotations, kept) => {
    expect(trimPod(rawPod(annotations))).toEqual({
      namespace: 'team-a',
      name: 'p1',
      uid: 'u1',
      resourceVersion: '42',
      annotations: kept,
    });
  });

  it('fills what metadata lacks: namespace "default", empty name and resourceVersion, no uid', () => {
    expect(trimPod({})).toEqual({ namespace: 'default', name: '', resourceVersion: '', annotations: {} });
    expect('uid' in trimPod({ metadata: { name: 'x' } })).toBe(false);
  });

  it('shares one frozen empty object among pods and NADs that keep no annotation', () => {
    const a = trimPod(rawPod());
    const b = trimPod(rawPod({ 'other/thing': 'x' }));
    const n = trimNad({ metadata: { name: 'n', namespace: 'x' } });
    expect(a.annotations).toBe(b.annotations);
    expect(n.annotations).toBe(a.annotations);
    expect(Object.isFrozen(a.annotations)).toBe(true);
    const kept = trimPod(rawPod({ [NETWORKS]: 'a' }));
    expect(kept.annotations).not.toBe(a.annotations);
    expect(trimPod(rawPod({ [NETWORKS]: 'b' })).annotations).not.toBe(kept.annotations);
  });
});

describe('trimNad', () => {
  it.each<[string, object, object]>([
    [
      'a full NAD',
      {
        apiVersion: 'k8s.cni.cncf.io/v1',
        kind: 'NetworkAttachmentDefinition',
        metadata: {
          name: 'mv',
          namespace: 'net',
          uid: 'u',
          annotations: { [RESOURCE]: 'intel.com/sriov', [NETWORKS]: 'not a NAD key', x: 'y' },
        },
        spec: { config: '{"type":"macvlan"}' },
      },
      { namespace: 'net', name: 'mv', config: '{"type":"macvlan"}', annotations: { [RESOURCE]: 'intel.com/sriov' } },
    ],
    [
      'no spec (config from confDir)',
      { metadata: { name: 'mv', namespace: 'net' } },
      { namespace: 'net', name: 'mv', config: '', annotations: {} },
    ],
    ['no metadata', { spec: { config: '{}' } }, { namespace: 'default', name: '', config: '{}', annotations: {} }],
  ])('%s', (_, raw, want) => {
    expect(trimNad(raw)).toEqual(want);
  });

  it('keyOf is namespace/name', () => {
    expect(keyOf(trimNad({ metadata: { name: 'mv', namespace: 'net' } }))).toBe('net/mv');
  });
});

describe('namespace interning', () => {
  // String identity is not observable from JavaScript, so measure: 20,000 objects from 20,000 separate
  // JSON documents, each with its own copy of a 1 KiB namespace, must not keep 20,000 copies.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const ns = `team-${'x'.repeat(1019)}`;
  const heapAfter = (make: () => unknown[]) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = make();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(kept).toHaveLength(20_000); // and keeps `kept` alive until measured
    return grown;
  };
  // Flat strings (a template literal makes a cons string, which the first JSON.parse flattens: 20 MiB that
  // would be counted against whichever measurement comes first).
  const docs = (kind: string) =>
    Array.from({ length: 20_000 }, (_, i) =>
      Buffer.from(`{"metadata":{"name":"${kind}${i % 10}","namespace":"${ns}"},"spec":{"config":""}}`).toString(),
    );

  it.each([
    ['trimPod', trimPod],
    ['trimNad', trimNad],
  ])('%s keeps one copy of a namespace however many objects share it', (_, trim) => {
    const sources = docs(_);
    const retained = heapAfter(() => sources.map((d) => trim(JSON.parse(d) as object)));
    // Without interning the namespaces alone would be 20,000 x 1 KiB = 20 MiB.
    expect(retained).toBeLessThan(8 << 20);
    const control = heapAfter(() =>
      sources.map((d) => (JSON.parse(d) as { metadata: { namespace: string } }).metadata.namespace),
    );
    expect(control).toBeGreaterThan(16 << 20); // the measurement does see un-interned copies
  });
});
