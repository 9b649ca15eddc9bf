// DEL robust to any plan on disk (issue 12, item 5): a plan holding a value braid cannot write back out (a config
// nested far too deep for any delegate's stdin) must not make every DEL fail. The delegates that can run are run,
// the one that never can is skipped with an error in the log, and the plan goes so the pod can be deleted.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineHarness } from '../../support/engine-harness.js';

const NETWORKS = {
  delegates: [
    { cniVersion: '1.0.0', name: 'main-net', type: 'main' },
    { cniVersion: '1.0.0', name: 'side-net', type: 'side' },
  ],
};

/** `{"a":{"a":…}}` `levels` deep, built without recursion, as text (JSON.stringify of it would overflow). */
const nestedText = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

let h: EngineHarness;
beforeEach(async () => {
  h = new EngineHarness(['main', 'side']);
  await h.run('ADD', NETWORKS, { containerId: 'c1' });
  h.plugins.resetCalls();
});
afterEach(() => h.cleanup());

it('a plan whose config cannot be written to a delegate: the other delegates are DELeted and the plan goes', async () => {
  const file = join(h.cacheDir, 'plans', 'c1-eth0.json');
  const text = readFileSync(file, 'utf8');
  // side-net's plugin config gains a value nested 200,000 levels deep (what a pod could once put in cni-args).
  const damaged = text.replace('"type":"side"', `"type":"side","deep":${nestedText(200_000)}`);
  expect(damaged).not.toBe(text);
  writeFileSync(file, damaged);
  await h.run('DEL', NETWORKS, { containerId: 'c1' });
  expect(h.calls()).toEqual(['main DEL eth0']);
  expect(h.planFiles()).toEqual([]);
});
