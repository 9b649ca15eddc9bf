// Bad input in local mode: each a CNI error naming pod, network and field, and nothing attached.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bridge } from '../support/delegates.js';
import { nadYaml, podYaml, writeStore } from '../support/local-store.js';
import { braidConfig, cniEnv, leases, listFiles, NetnsLab, podLinks, runBraid, TempDir } from '../support/netns.js';

const lab = new NetnsLab();
const tmp = new TempDir();
let node: string;
let pod: string;
beforeAll(() => {
  node = lab.node();
  pod = lab.pod();
});
afterAll(() => {
  lab.cleanup();
  tmp.remove();
});

const okNad = (ns: string, name: string) =>
  nadYaml(ns, name, {
    cniVersion: '1.0.0',
    type: 'macvlan',
    master: 'mvm0',
    ipam: { type: 'static', addresses: [{ address: '192.168.9.9/24' }] },
  });

const CASES: Array<{
  case: string;
  annotation: string;
  files?: Record<string, string>;
  extra?: Record<string, unknown>;
  msg: RegExp;
}> = [
  {
    case: 'short form with two slashes',
    annotation: 'a/b/c',
    msg: /pod default\/p1: annotation k8s.v1.cni.cncf.io\/networks: network 1 \("a\/b\/c"\): has more than one "\/"/,
  },
  { case: 'short form with two @', annotation: 'ok@x@y', msg: /network 1 \("ok@x@y"\): has more than one "@"/ },
  { case: 'a stray comma', annotation: 'ok,,ok', msg: /network 2 \(""\): is empty/ },
  { case: 'an invalid name', annotation: 'Not_A_Name', msg: /network name "Not_A_Name" is not a valid DNS-1123 name/ },
  {
    case: 'an interface name of 16 characters',
    annotation: 'ok@abcdefghijklmnop',
    msg: /field "interface": "abcdefghijklmnop" is 16 bytes long/,
  },
  { case: 'JSON that does not parse', annotation: '[{"name": "ok"', msg: /networks annotation is not valid JSON/ },
  {
    case: 'a JSON object instead of a list',
    annotation: '{"name": "ok"}',
    msg: /must be a list of selection elements/,
  },
  {
    case: 'a bad MAC',
    annotation: '[{"name":"ok","mac":"02:00:zz:00:00:01"}]',
    msg: /network 1 \("ok"\): field "mac": "02:00:zz:00:00:01" is not a MAC address/,
  },
  {
    case: 'a bad IP',
    annotation: '[{"name":"ok","ips":["10.0.0.300/24"]}]',
    msg: /field "ips": "10.0.0.300\/24" is not an IP address or CIDR/,
  },
  // An unknown key is no longer bad input: it is read past with a warning (issue 11; test/unit/core/selection.test.ts).
  {
    case: 'an invalid explicit namespace',
    annotation: '[{"name":"ok","namespace":"Bad_NS"}]',
    msg: /network 1 \("ok"\): field "namespace": namespace "Bad_NS" is not a valid DNS-1123 label/,
  },
  {
    case: 'an unknown NAD',
    annotation: 'nope',
    msg: /pod default\/p1: network default\/nope: NetworkAttachmentDefinition not found/,
  },
  {
    case: 'a NAD whose config is not JSON',
    annotation: 'notjson',
    files: { 'x.yaml': nadYaml('default', 'notjson', '{not json') },
    msg: /NetworkAttachmentDefinition default\/notjson: spec.config is not valid JSON/,
  },
  {
    case: 'a conflist without plugins',
    annotation: 'empty',
    files: { 'x.yaml': nadYaml('default', 'empty', { cniVersion: '1.0.0', plugins: [] }) },
    msg: /NetworkAttachmentDefinition default\/empty: the conflist "empty" has no plugins/,
  },
  {
    case: 'a cross-namespace reference under isolation',
    annotation: 'other/ok',
    files: { 'x.yaml': okNad('other', 'ok') },
    extra: { namespaceIsolation: true },
    msg: /network other\/ok: namespaceIsolation allows pods in "default"/,
  },
  {
    case: 'a NAD that names braid itself as its plugin',
    annotation: 'self',
    files: {
      'x.yaml': nadYaml('default', 'self', { cniVersion: '1.0.0', type: 'braid', binDir: '/tmp', delegates: [] }),
    },
    msg: /NetworkAttachmentDefinition default\/self: plugin type "braid" cannot be a delegate of braid/,
  },
  {
    case: 'a duplicate interface name',
    annotation: 'ok@data0,ok@data0',
    msg: /networks default\/ok and default\/ok both use interface "data0"/,
  },
  {
    case: 'two IPv4 default routes',
    annotation: '[{"name":"ok","default-route":["192.168.9.1"]},{"name":"ok","default-route":["192.168.9.2"]}]',
    msg: /more than one IPv4 "default-route"/,
  },
];

describe('local store: bad input', () => {
  it.each(CASES)('$case → code 7 naming pod, network and field; nothing attached', async (c) => {
    const dir = tmp.sub(c.case);
    const store = writeStore(join(dir, 'store'), {
      'ok.yaml': okNad('default', 'ok'),
      'pod.yaml': podYaml('default', 'p1', { 'k8s.v1.cni.cncf.io/networks': c.annotation }),
      ...c.files,
    });
    const out = await runBraid({
      node,
      stdin: braidConfig({
        cniVersion: '1.1.0',
        cacheDir: join(dir, 'cache'),
        delegates: [bridge('1.0.0', dir)],
        extra: { localStore: store, ...c.extra },
      }),
      env: cniEnv({
        command: 'ADD',
        containerId: 'bad1',
        netns: pod,
        ifname: 'eth0',
        args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
      }),
    });
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ code: 7 });
    expect(out.json.msg).toMatch(c.msg);
    expect(out.stdout).not.toMatch(/\n\s+at /); // no stack trace
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
    expect(leases(join(dir, 'ipam'), 'br-net')).toEqual([]);
    expect(listFiles(join(dir, 'cache'))).toEqual([]);
    expect(existsSync(join(store, 'status'))).toBe(false);
  });

  it('a malformed manifest names the file and the line', async () => {
    const dir = tmp.sub('malformed');
    const store = writeStore(join(dir, 'store'), {
      'pod.yaml': podYaml('default', 'p1', {}),
      'broken.yaml': 'kind: Pod\nmetadata:\n  name: [unclosed\n',
    });
    const out = await runBraid({
      node,
      stdin: braidConfig({
        cniVersion: '1.1.0',
        cacheDir: join(dir, 'cache'),
        delegates: [bridge('1.0.0', dir)],
        extra: { localStore: store },
      }),
      env: cniEnv({
        command: 'ADD',
        containerId: 'bad2',
        netns: pod,
        ifname: 'eth0',
        args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
      }),
    });
    expect(out.json).toMatchObject({ code: 7 });
    expect(out.json.msg).toMatch(/^local store: broken.yaml line \d+: /);
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
  });
});
