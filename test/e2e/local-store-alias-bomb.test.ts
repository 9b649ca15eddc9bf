// A YAML alias bomb ("billion laughs") in the local store, through the executable as the runtime runs it: ADD
// answers at once with code 7 naming the file and the line, attaches nothing, and DEL (which reads no manifest) still
// succeeds (issue 12 item 10).
import { join } from 'node:path';
import { bridge } from '../support/delegates.js';
import { podYaml, writeStore } from '../support/local-store.js';
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

/** Nine levels of nine aliases each: 387 million strings once expanded, in twelve lines of a NAD. */
const BOMB = [
  'apiVersion: k8s.cni.cncf.io/v1',
  'kind: NetworkAttachmentDefinition',
  'metadata: {name: laughs, namespace: default}',
  'spec:',
  '  config: "{}"',
  '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => `  a${i + 1}: &a${i + 1} [${Array<string>(9).fill(`*a${i}`).join(', ')}]`),
].join('\n');

const run = (command: string, dir: string, store: string) =>
  runBraid({
    node,
    stdin: braidConfig({
      cniVersion: '1.1.0',
      cacheDir: join(dir, 'cache'),
      delegates: [bridge('1.0.0', dir)],
      extra: { localStore: store },
    }),
    env: cniEnv({
      command,
      containerId: 'bomb1',
      netns: pod,
      ifname: 'eth0',
      args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1',
    }),
    timeoutMs: 20_000, // far more than the answer takes; a parser expanding the bomb would run into it
  });

describe('local store: a YAML alias bomb', () => {
  it('ADD: code 7 naming the file and the line, nothing attached; DEL succeeds', async () => {
    const dir = tmp.sub('bomb');
    const store = writeStore(join(dir, 'store'), {
      'pod.yaml': podYaml('default', 'p1', { 'k8s.v1.cni.cncf.io/networks': 'laughs' }),
    });
    writeStore(join(store, 'nads'), { 'laughs.yaml': `# a NAD someone was sent\n---\n${BOMB}\n` });
    const add = await run('ADD', dir, store);
    expect(add.exitCode).toBe(1);
    expect(add.json).toEqual({
      cniVersion: '1.1.0',
      code: 7,
      msg: 'local store: nads/laughs.yaml line 3: the YAML document starting on this line expands its aliases more than 100 times (an alias bomb?)',
    });
    expect(podLinks(pod).map((l) => l.ifname)).toEqual(['lo']);
    expect(leases(join(dir, 'ipam'), 'br-net')).toEqual([]);
    expect(listFiles(join(dir, 'cache'))).toEqual([]);

    const del = await run('DEL', dir, store);
    expect([del.exitCode, del.stdout]).toEqual([0, '']);
  });
});
