// The API-server stand-in is good enough for kubectl too: discovery (short names included), apply, get, annotate.
// kubectl is part of this machine image; where it is missing the test says so and is skipped.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver/client.js';
import { REPO } from '../support/netns.js';

const kubectl = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
if (!kubectl) console.warn('kubectl is not installed: skipping the kubectl checks of the API-server stand-in');

(kubectl ? describe : describe.skip)('kubectl against the API-server stand-in', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
  });
  afterAll(async () => api?.stop());

  const k = (...args: string[]) =>
    execa(kubectl!, ['--kubeconfig', api.kubeconfigPath, ...args], { reject: false, timeout: 30_000 });

  it('applies, lists, reads and annotates NADs and pods', async () => {
    // No OpenAPI documents are served, so client-side validation is off.
    const apply = await k('apply', '--validate=false', '-f', join(REPO, 'examples/macvlan.yaml'));
    expect(apply.stderr).toBe('');
    expect(apply.stdout).toBe(
      'networkattachmentdefinition.k8s.cni.cncf.io/macvlan-conf created\npod/macvlan-pod created',
    );
    expect((await k('apply', '--validate=false', '-f', join(REPO, 'examples/macvlan.yaml'))).stdout).toContain(
      'macvlan-conf unchanged',
    );
    expect((await k('get', 'net-attach-def', '-A', '-o', 'name')).stdout).toBe(
      'networkattachmentdefinition.k8s.cni.cncf.io/macvlan-conf',
    );
    const config = JSON.parse(
      (await k('get', 'network-attachment-definitions', 'macvlan-conf', '-o', 'jsonpath={.spec.config}')).stdout,
    );
    expect(config).toMatchObject({ type: 'macvlan', master: 'eth1' });
    expect((await k('annotate', 'pod', 'macvlan-pod', 'example.com/owner=telco')).exitCode).toBe(0);
    const annotations = JSON.parse(
      (await k('get', 'pod', 'macvlan-pod', '-o', 'jsonpath={.metadata.annotations}')).stdout,
    );
    expect(annotations).toMatchObject({ 'example.com/owner': 'telco', 'k8s.v1.cni.cncf.io/networks': 'macvlan-conf' });
    const missing = await k('get', 'net-attach-def', 'nope');
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('NotFound');
  });
});
