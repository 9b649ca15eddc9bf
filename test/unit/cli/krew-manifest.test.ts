// plugins/krew/braid.yaml: a krew Plugin whose version is braid's and whose every platform installs kubectl-braid.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { BRAID_VERSION } from '../../../src/cli/version.js';

const manifest = parse(readFileSync(new URL('../../../plugins/krew/braid.yaml', import.meta.url), 'utf8'));

describe('the krew manifest', () => {
  it("is krew's Plugin kind, named braid, at braid's version", () => {
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'braid' },
      spec: { version: `v${BRAID_VERSION}`, shortDescription: expect.any(String), description: expect.any(String) },
    });
  });

  it.each(['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64'])(
    'installs kubectl-braid on %s',
    (platform) => {
      const [os, arch] = platform.split('/');
      const p = manifest.spec.platforms.find(
        (x: { selector: { matchLabels: Record<string, string> } }) =>
          x.selector.matchLabels.os === os && x.selector.matchLabels.arch === arch,
      );
      expect(p).toMatchObject({ bin: 'kubectl-braid', files: [{ from: 'kubectl-braid', to: '.' }] });
      expect(p.uri).toBe(
        `https://github.com/braid-cni/braid/releases/download/v${BRAID_VERSION}/kubectl-braid_${os}_${arch}.tar.gz`,
      );
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    },
  );
});
