// Every pod in examples/ plans cleanly (through `braid explain` on the examples as a local store), so the
// examples cannot drift from what braid accepts.
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BRAID_BIN, REPO } from '../support/netns.js';

const EXAMPLES = join(REPO, 'examples');
const pods = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(EXAMPLES, f), 'utf8')).map((d) => ({
      file: f,
      obj: d.toJS() as {
        kind: string;
        metadata: { name: string; namespace: string; annotations?: Record<string, string> };
      },
    })),
  )
  .filter((d) => d.obj?.kind === 'Pod');

describe('examples', () => {
  it('has the pods the README lists', () => {
    expect(pods.map((p) => p.obj.metadata.name).sort()).toEqual([
      'bridge-pod',
      'egress-pod',
      'ipvlan-vlan-pod',
      'macvlan-pod',
      'ptp-pod',
      'sriov-pod',
      'static-ip-pod',
      'upf-0',
    ]);
  });

  it.each(pods.map((p) => [p.file, p.obj.metadata.namespace, p.obj.metadata.name] as const))(
    '%s: %s/%s plans cleanly',
    async (_file, ns, name) => {
      const out = await execa(
        BRAID_BIN,
        [
          'explain',
          '--local-store',
          EXAMPLES,
          '--namespace',
          ns,
          '--pod',
          name,
          '--config',
          join(EXAMPLES, 'node-config.json'),
        ],
        { reject: false },
      );
      expect(out.stderr).toBe('');
      expect(out.exitCode).toBe(0);
      const plan = JSON.parse(out.stdout) as {
        attachments: Array<{ name: string; default: boolean; config: { name?: string } }>;
      };
      expect(plan.attachments[0]).toMatchObject({ name: 'cluster', default: true });
      expect(plan.attachments.length).toBeGreaterThan(1);
      for (const a of plan.attachments.slice(1)) expect(a.name.startsWith(`${ns}/`)).toBe(true);
    },
  );
});
