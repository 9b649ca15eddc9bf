// DEL of a pod Multus attached before braid took over the node (issue 11): braid has no plan, so it reads Multus'
// record (`<cniDir>/<containerID>`, its delegates in ADD order with their raw configs) and libcni's result cache
// beside it, DELs every delegate in reverse with its cached result, and removes the record. The record here is
// written in the shape real Multus v4 leaves (docs/adr/0008-add-transaction-and-del.md, "Multus' records": Go field
// names, base64 "Bytes", `ifnameRequest` only when the selection named one).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../../../src/cni/types.js';
import { pino } from 'pino';
import { MultusRecords } from '../../../src/store/multus-records.js';
import { cniFailure, EngineHarness } from '../../support/engine-harness.js';

const CID = 'c0ffee01';
const POD_ARGS = `IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_INFRA_CONTAINER_ID=${CID};K8S_POD_UID=u1`;
const MAIN = { cniVersion: '0.4.0', name: 'mbdefault', type: 'main' };
const SIDE_A = { cniVersion: '0.4.0', name: 'macvlan-a', plugins: [{ type: 'alloc' }, { type: 'tune' }] };
const SIDE_B = { cniVersion: '0.4.0', name: 'macvlan-b', type: 'alloc' };

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

/** One element of Multus' delegate list, as Go marshals its DelegateNetConf. */
function delegate(conf: JsonObject, name: string, extra: JsonObject = {}): JsonObject {
  const isList = Array.isArray(conf.plugins);
  return {
    Conf: isList ? {} : conf,
    ConfList: isList ? conf : {},
    Name: name,
    IsFilterV4Gateway: false,
    IsFilterV6Gateway: false,
    Bytes: b64(conf),
    ...extra,
  };
}

function cacheEntry(conf: JsonObject, ifName: string, ip: string): JsonObject {
  return {
    kind: 'cniCacheV1',
    containerId: CID,
    config: b64(conf),
    ifName,
    networkName: conf.name,
    cniArgs: [['K8S_POD_NAME', 'p1']],
    result: {
      cniVersion: '0.4.0',
      interfaces: [{ name: ifName, sandbox: '/var/run/netns/x' }],
      ips: [{ version: '4', address: ip, interface: 0 }],
      dns: {},
    },
  };
}

let h: EngineHarness;
let multusDir: string;

function writeRecord(delegates: unknown): void {
  mkdirSync(join(multusDir, 'results'), { recursive: true, mode: 0o700 });
  writeFileSync(join(multusDir, CID), JSON.stringify(delegates), { mode: 0o600 });
}

function writeResult(conf: JsonObject, ifName: string, ip: string): void {
  writeFileSync(
    join(multusDir, 'results', `${String(conf.name)}-${CID}-${ifName}`),
    JSON.stringify(cacheEntry(conf, ifName, ip)),
  );
}

beforeEach(() => {
  h = new EngineHarness(['main', 'alloc', 'tune', 'other']);
  multusDir = join(h.dir, 'var-lib-cni-multus');
  h.deps.foreign = new MultusRecords([multusDir]);
  writeRecord([
    delegate(MAIN, 'mbdefault'),
    delegate(SIDE_A, 'ns1/macvlan-a'),
    delegate(SIDE_B, 'ns1/macvlan-b', { ifnameRequest: 'data0' }),
  ]);
  writeResult(MAIN, 'eth0', '10.244.0.5/24');
  writeResult(SIDE_A, 'net1', '10.77.1.2/24');
  writeResult(SIDE_B, 'data0', '10.77.2.2/24');
});
afterEach(() => h.cleanup());

/** braid's own configuration now names another default network: a DEL of "main" can only come from the record. */
const BRAID_NOW = { delegates: [{ cniVersion: '1.0.0', name: 'other-net', type: 'other' }] };

describe("DEL of a pod Multus attached: Multus' record", () => {
  it('DELs every delegate Multus recorded, in reverse, on the interfaces Multus gave them, then removes the record', async () => {
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    expect(h.calls()).toEqual(['alloc DEL data0', 'tune DEL net1', 'alloc DEL net1', 'main DEL eth0']);
    expect(existsSync(join(multusDir, CID))).toBe(false);
    expect(readdirSync(join(multusDir, 'results'))).toEqual([]);
  });

  it("hands each delegate the exact config Multus ran it with and libcni's cached result as prevResult", async () => {
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    const [tune] = h.stdinOf('tune', 'DEL');
    expect(tune).toMatchObject({ name: 'macvlan-a', cniVersion: '0.4.0', type: 'tune' });
    expect(tune!.prevResult).toMatchObject({ ips: [{ address: '10.77.1.2/24' }] });
    const [main] = h.stdinOf('main', 'DEL');
    expect(main).toMatchObject({ name: 'mbdefault', prevResult: { ips: [{ address: '10.244.0.5/24' }] } });
  });

  it('a delegate DEL that fails keeps the record for the runtime to retry, and the retry finishes the job', async () => {
    h.plugins.answer('alloc', 'DEL', cniFailure(11, 'ipam busy'));
    await expect(h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS })).rejects.toThrow(/ipam busy/);
    expect(existsSync(join(multusDir, CID))).toBe(true);
    rmSync(join(h.plugins.dir, 'alloc.DEL.json'));
    h.plugins.resetCalls();
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    expect(h.calls()).toContain('main DEL eth0');
    expect(existsSync(join(multusDir, CID))).toBe(false);
  });

  it("braid's own plan wins over a Multus record of the same container", async () => {
    await h.run('ADD', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    h.plugins.resetCalls();
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    expect(h.calls()).toEqual(['other DEL eth0']);
  });

  it('a corrupt record is passed over (logged) for the configured networks, so the pod can still go', async () => {
    writeFileSync(join(multusDir, CID), '[{"Conf":');
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    expect(h.calls()).toEqual(['other DEL eth0']);
  });

  it("gives each delegate back the runtime's capability args libcni cached (portMappings for portmap's DEL)", async () => {
    const ports = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
    const withPorts = { ...MAIN, capabilities: { portMappings: true } };
    writeRecord([delegate(withPorts, 'mbdefault'), delegate(SIDE_A, 'ns1/macvlan-a')]);
    writeFileSync(
      join(multusDir, 'results', `mbdefault-${CID}-eth0`),
      JSON.stringify({ ...cacheEntry(withPorts, 'eth0', '10.244.0.5/24'), capabilityArgs: { portMappings: ports } }),
    );
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    expect(h.stdinOf('main', 'DEL')[0]).toMatchObject({ runtimeConfig: { portMappings: ports } });
    expect(h.stdinOf('tune', 'DEL')[0]).not.toHaveProperty('runtimeConfig');
  });

  it('a container ID that could leave the directory is never looked up', () => {
    writeFileSync(join(h.dir, 'escape'), JSON.stringify([delegate(MAIN, 'mbdefault')]));
    const records = new MultusRecords([multusDir]);
    expect(records.read('../escape', 'eth0')).toBeUndefined();
    expect(records.read(CID, 'eth0')?.attachments.map((a) => `${a.name} ${a.ifname}`)).toEqual([
      'mbdefault eth0',
      'ns1/macvlan-a net1',
      'ns1/macvlan-b data0',
    ]);
  });

  it('GC counts a live pod Multus attached as in use: its delegates are never told its addresses are free', async () => {
    const main11 = { ...MAIN, cniVersion: '1.1.0' };
    writeRecord([delegate(main11, 'mbdefault'), delegate(SIDE_A, 'ns1/macvlan-a')]);
    await h.run('GC', { delegates: [main11], 'cni.dev/valid-attachments': [{ containerID: CID, ifname: 'eth0' }] });
    const gcs = h.stdinOf('main', 'GC').map((c) => c['cni.dev/valid-attachments']);
    expect(gcs).toEqual([[{ containerID: CID, ifname: 'eth0' }]]);
    expect(existsSync(join(multusDir, CID))).toBe(true);
  });
});

describe('GC of pods Multus attached that the runtime no longer lists (issue 11)', () => {
  const GC = (valid: JsonObject[]) => ({ ...BRAID_NOW, 'cni.dev/valid-attachments': valid });
  const dels = () => h.calls().filter((c) => c.includes(' DEL '));

  it('DELs each from its record, every delegate with its cached result, then removes the record', async () => {
    await h.run('GC', GC([]));
    expect(dels()).toEqual(['alloc DEL data0', 'tune DEL net1', 'alloc DEL net1', 'main DEL eth0']);
    expect(h.stdinOf('main', 'DEL')[0]).toMatchObject({ prevResult: { ips: [{ address: '10.244.0.5/24' }] } });
    expect(h.plugins.calls().find((c) => c.command === 'DEL')).toMatchObject({
      args: 'IgnoreUnknown=1;K8S_POD_NAME=p1',
    });
    expect(existsSync(join(multusDir, CID))).toBe(false);
    expect(readdirSync(join(multusDir, 'results'))).toEqual([]);
  });

  it("the default network on the interface libcni's cache names (the runtime's CNI_IFNAME), not always eth0", async () => {
    rmSync(join(multusDir, 'results', `mbdefault-${CID}-eth0`));
    writeResult(MAIN, 'eth9', '10.244.0.9/24');
    await h.run('GC', GC([]));
    expect(dels()).toContain('main DEL eth9');
    expect(h.stdinOf('main', 'DEL')[0]).toMatchObject({ prevResult: { ips: [{ address: '10.244.0.9/24' }] } });
  });

  it('a container the runtime still lists keeps its record, on any of its interfaces', async () => {
    await h.run('GC', GC([{ containerID: CID, ifname: 'net1' }]));
    expect(dels()).toEqual([]);
    expect(existsSync(join(multusDir, CID))).toBe(true);
  });

  it("a NAD that shares the default network's name: the default goes on the interface no other delegate owns", async () => {
    const twin = { cniVersion: '0.4.0', name: 'mbdefault', type: 'alloc' };
    writeRecord([delegate(MAIN, 'mbdefault'), delegate(twin, 'ns1/twin')]);
    for (const f of readdirSync(join(multusDir, 'results'))) rmSync(join(multusDir, 'results', f));
    writeResult(twin, 'net1', '10.99.0.2/24');
    writeResult(MAIN, 'eth7', '10.244.0.7/24');
    await h.run('GC', GC([]));
    expect(dels()).toEqual(['alloc DEL net1', 'main DEL eth7']);
    expect(h.stdinOf('main', 'DEL')[0]).toMatchObject({ prevResult: { ips: [{ address: '10.244.0.7/24' }] } });
  });

  it("without the default network's cache entry: eth0, with the netns and CNI_ARGS of the container's others", async () => {
    rmSync(join(multusDir, 'results', `mbdefault-${CID}-eth0`));
    await h.run('GC', GC([]));
    expect(dels()).toContain('main DEL eth0');
    const main = h.plugins.calls().find((c) => c.plugin === 'main' && c.command === 'DEL');
    expect(main?.args).toContain('K8S_POD_NAME=p1');
  });

  it('a delegate DEL that fails fails GC and keeps the record for the next GC or DEL', async () => {
    h.plugins.answer('tune', 'DEL', cniFailure(11, 'tuning busy'));
    await expect(h.run('GC', GC([]))).rejects.toThrow(/GC left errors: .*tuning busy/);
    expect(existsSync(join(multusDir, CID))).toBe(true);
    rmSync(join(h.plugins.dir, 'tune.DEL.json'));
    await h.run('GC', GC([]));
    expect(existsSync(join(multusDir, CID))).toBe(false);
  });

  it('an unreadable record is left alone: nothing is guessed for it', async () => {
    writeFileSync(join(multusDir, CID), '[{"Conf":');
    await h.run('GC', GC([]));
    expect(dels()).toEqual([]);
    expect(existsSync(join(multusDir, CID))).toBe(true);
  });
});

/** A logger whose lines the test reads: what DEL says when it passes a record over. */
function capturedLog(): { log: EngineHarness['deps']['log']; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => out.push(s) });
  return { log, lines: () => out.map((s) => JSON.parse(s) as Record<string, unknown>) };
}

// Fuzz find multus-record-ifname-path (test/fuzz/known-bugs.test.ts): a record is a file on the node, not a promise.
describe("DEL of a pod Multus attached: a record that names a path outside Multus' directory", () => {
  it.each([
    ['a traversal', '/../../victim'],
    ['a relative traversal', '../../victim'],
    ['a name too long for a file', 'a'.repeat(300)],
    ['a NUL', 'a\u0000b'],
  ])(
    'an ifnameRequest holding %s: the record is passed over (logged), nothing outside is touched',
    async (_, ifname) => {
      const victim = join(h.dir, 'victim');
      writeFileSync(victim, 'a file of the node');
      writeRecord([delegate(MAIN, 'mbdefault'), delegate(SIDE_B, 'ns1/macvlan-b', { ifnameRequest: ifname })]);
      const { log, lines } = capturedLog();
      h.deps.log = log;
      await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
      expect(h.calls()).toEqual(['other DEL eth0']);
      expect(existsSync(victim)).toBe(true);
      expect(existsSync(join(multusDir, CID))).toBe(true);
      expect(lines()).toContainEqual(
        expect.objectContaining({ msg: 'DEL: Multus record not used', err: expect.stringMatching(/interface name/) }),
      );
    },
  );

  it('a record that cannot be removed is logged and left: the DEL succeeds, and so does the next', async () => {
    const records = new MultusRecords([multusDir]);
    h.deps.foreign = {
      read: (id, ifname) => records.read(id, ifname),
      containers: () => records.containers(),
      remove: () => {
        throw Object.assign(new Error('ENAMETOOLONG: name too long'), { code: 'ENAMETOOLONG' });
      },
    };
    const { log, lines } = capturedLog();
    h.deps.log = log;
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
    expect(h.calls()).toEqual(['alloc DEL data0', 'tune DEL net1', 'alloc DEL net1', 'main DEL eth0']);
    expect(lines()).toContainEqual(expect.objectContaining({ msg: 'DEL: the Multus record could not be removed' }));
    await h.run('DEL', BRAID_NOW, { containerId: CID, args: POD_ARGS });
  });

  it('MultusRecords.read refuses an ifname CNI_IFNAME could not be (code 6), and IDs CNI refuses find nothing', () => {
    writeRecord([delegate(MAIN, 'mbdefault', { ifnameRequest: 'é'.repeat(15) })]);
    const records = new MultusRecords([multusDir]);
    expect(() => records.read(CID, 'eth0')).toThrow(expect.objectContaining({ code: 6 }));
    expect(records.read('x'.repeat(300), 'eth0')).toBeUndefined();
    expect(records.read(CID, 'a/b')).toBeUndefined();
  });
});
