// A rollback that cannot finish keeps its record: a conflist whose first plugin allocated something and whose
// second failed, with a DEL that fails too, must still be deletable by the runtime's next DEL (no leak).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BRAID_BIN } from '../support/netns.js';
import { TestPlugins } from '../support/test-plugin.js';

let dir: string;
let plugins: TestPlugins;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-rb-'));
  plugins = new TestPlugins(dir, ['main', 'alloc', 'tune']);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const config = () => ({
  cniVersion: '1.1.0',
  name: 'braid',
  type: 'braid',
  cacheDir: join(dir, 'cache'),
  binDir: plugins.bin,
  delegates: [
    { cniVersion: '1.0.0', name: 'main-net', type: 'main' },
    { cniVersion: '1.0.0', name: 'side-net', plugins: [{ type: 'alloc' }, { type: 'tune' }] },
  ],
});
const run = (command: string) =>
  spawnSync(BRAID_BIN, [], {
    input: JSON.stringify(config()),
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      ...plugins.env,
      CNI_COMMAND: command,
      CNI_CONTAINERID: 'rb1',
      CNI_NETNS: '/var/run/netns/none',
      CNI_IFNAME: 'eth0',
      CNI_PATH: plugins.bin,
    },
  });

describe('rollback that cannot finish', () => {
  it('keeps the plan, and the next DEL releases what the half-done network holds', () => {
    plugins.answer('tune', 'ADD', { exitCode: 1, result: { cniVersion: '1.0.0', code: 100, msg: 'tuning failed' } });
    plugins.answer('alloc', 'DEL', { exitCode: 1, result: { cniVersion: '1.0.0', code: 11, msg: 'IPAM busy' } });
    const add = run('ADD');
    expect(add.status).toBe(1);
    expect(JSON.parse(add.stdout)).toMatchObject({ code: 100 });
    expect(existsSync(join(dir, 'cache', 'plans', 'rb1-eth0.json'))).toBe(true);

    rmSync(join(dir, 'alloc.DEL.json')); // the transient failure is over
    plugins.resetCalls();
    expect(run('DEL').status).toBe(0);
    // every network at once (ADR 0008); within the half-done network's chain, still in reverse
    const dels = plugins.order();
    expect([...dels].sort()).toEqual(['alloc DEL', 'main DEL', 'tune DEL']);
    expect(dels.indexOf('tune DEL')).toBeLessThan(dels.indexOf('alloc DEL'));
    expect(existsSync(join(dir, 'cache', 'plans', 'rb1-eth0.json'))).toBe(false);
  });

  it('a DEL error on the half-done network does not keep the pod from being deleted', () => {
    plugins.answer('tune', 'ADD', { exitCode: 1, result: { cniVersion: '1.0.0', code: 100, msg: 'tuning failed' } });
    plugins.answer('alloc', 'DEL', { exitCode: 1, result: { cniVersion: '1.0.0', code: 11, msg: 'IPAM busy' } });
    expect(run('ADD').status).toBe(1);
    expect(run('DEL').status).toBe(0); // tried again, logged, not returned
    expect(existsSync(join(dir, 'cache', 'plans', 'rb1-eth0.json'))).toBe(false);
  });
});
