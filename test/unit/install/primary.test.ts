// findPrimary: which file in the conf dir is the node's primary network, on a fresh node and on one braid takes
// over from Multus (issue 11: Multus' 00-multus.conf, thin or thick, is never the primary).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPrimary } from '../../../src/install/primary.js';
import { FLANNEL, MULTUS_THIN, multusThick } from '../../support/multus-configs.js';

const CALICO = { cniVersion: '0.3.1', name: 'k8s-pod-network', plugins: [{ type: 'calico' }] };
/** Multus thin with cniVersion ≥ 1.0.0 writes a conflist. */
const MULTUS_THIN_LIST = {
  cniVersion: '1.0.0',
  name: 'multus-cni-network',
  plugins: [{ type: 'multus', kubeconfig: '/etc/cni/net.d/multus.d/multus.kubeconfig', delegates: [FLANNEL] }],
};

interface Case {
  name: string;
  files: Record<string, unknown>;
  want: string | undefined;
}

const CASES: Case[] = [
  { name: 'a fresh node: the first config', files: { '10-flannel.conflist': FLANNEL }, want: '10-flannel.conflist' },
  {
    name: "Multus thin's 00-multus.conf is skipped for the file behind it",
    files: { '00-multus.conf': MULTUS_THIN, '10-flannel.conflist': FLANNEL },
    want: '10-flannel.conflist',
  },
  {
    name: "Multus thin's 00-multus.conflist (CNI 1.0) is skipped too",
    files: { '00-multus.conflist': MULTUS_THIN_LIST, '10-flannel.conflist': FLANNEL },
    want: '10-flannel.conflist',
  },
  {
    name: "Multus thick's clusterNetwork names the primary, even when another file sorts first",
    files: {
      '00-multus.conf': multusThick('20-calico.conflist'),
      '10-flannel.conflist': FLANNEL,
      '20-calico.conflist': CALICO,
    },
    want: '20-calico.conflist',
  },
  {
    name: 'Multus thick whose clusterNetwork file is gone: the next config',
    files: { '00-multus.conf': multusThick('99-gone.conflist'), '10-flannel.conflist': FLANNEL },
    want: '10-flannel.conflist',
  },
  {
    name: 'an empty 00-multus.conf (multus-cni#1155) is no config at all',
    files: { '00-multus.conf': '', '10-flannel.conflist': FLANNEL },
    want: '10-flannel.conflist',
  },
  { name: 'only Multus: no primary yet, braid waits', files: { '00-multus.conf': MULTUS_THIN }, want: undefined },
  {
    name: "braid's own config under another name is no primary either",
    files: {
      '00-braid-old.conflist': { cniVersion: '1.0.0', name: 'braid', plugins: [{ type: 'braid' }] },
      '10-flannel.conflist': FLANNEL,
    },
    want: '10-flannel.conflist',
  },
];

describe('findPrimary', () => {
  it.each(CASES)('$name', ({ files, want }) => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-primary-'));
    try {
      for (const [name, body] of Object.entries(files))
        writeFileSync(join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
      expect(findPrimary(dir)?.path).toEqual(want === undefined ? undefined : join(dir, want));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
