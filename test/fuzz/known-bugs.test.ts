// The smallest input of each bug in known-bugs.ts, as a plain test of what braid should do. Each test is skipped while
// its bug is listed there (or always run with BRAID_FUZZ_STRICT=1): removing a fixed bug's entry turns its test on.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../src/cni/errors.js';
import { readRequest } from '../../src/cni/request.js';
import { readResult } from '../../src/cni/result.js';
import type { JsonObject } from '../../src/cni/types.js';
import { confFromNad } from '../../src/core/delegate.js';
import { parseNodeConfig } from '../../src/core/node-config.js';
import { planAttachments } from '../../src/core/plan.js';
import { parseSelections } from '../../src/core/selection.js';
import { PLAN_KIND } from '../../src/engine/ports.js';
import { MultusRecords } from '../../src/store/multus-records.js';
import { FilePlanStore } from '../../src/store/plan-store.js';
import { isKnown } from './known-bugs.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** `it` once the bug is fixed (no longer listed in known-bugs.ts), `it.skip` until then. */
const fixed = (id: string) => (isKnown(id) ? it.skip : it);

function cniError(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('expected a CniError');
}

describe('known bugs: the fuzz suite found these (test/fuzz/known-bugs.ts)', () => {
  describe('selection-non-string-value', () => {
    fixed('selection-non-string-value').each([
      ['a name whose toString is not callable', '[{"name":{"toString":1}}]'],
      ['a name nested 6000 levels deep', `[{"name":${nested(6000)}}]`],
      ['an interface whose toString is not callable', '[{"name":"a","interface":{"toString":1}}]'],
      ['a mac whose toString is not callable', '[{"name":"a","mac":{"toString":1}}]'],
      ['an infiniband-guid whose toString is not callable', '[{"name":"a","infiniband-guid":{"toString":1}}]'],
    ])('%s is error 7', (_what, annotation) => {
      expect(cniError(() => parseSelections(annotation, 'ns')).code).toBe(ErrorCode.InvalidConfig);
    });

    fixed('selection-non-string-value')('planning such a pod is error 7, naming the pod', async () => {
      const config = parseNodeConfig({
        type: 'braid',
        cniVersion: '1.0.0',
        delegates: [{ name: 'p', type: 'bridge' }],
      });
      const pod = {
        namespace: 'ns',
        name: 'p',
        annotations: { 'k8s.v1.cni.cncf.io/networks': '[{"name":{"toString":1}}]' },
      };
      const files = { findByName: () => undefined, readPath: () => undefined };
      const err: unknown = await planAttachments({
        config,
        ifname: 'eth0',
        args: [],
        pod,
        nads: { getNad: async () => undefined },
        files,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CniError);
      expect((err as CniError).code).toBe(ErrorCode.InvalidConfig);
      expect((err as CniError).message).toContain('pod ns/p');
    });
  });

  fixed('multus-refusal-deep-value')('multus-refusal-deep-value: a refused Multus key nested deep is error 7', () => {
    for (const key of ['enablePprof', 'retryDeleteOnError', 'forceCNIVersion', 'overrideNetworkName']) {
      const raw = JSON.parse(`{"type":"braid","cniVersion":"1.0.0","${key}":${nested(6000)}}`) as JsonObject;
      expect(cniError(() => parseNodeConfig(raw)).message).toContain(key);
    }
  });

  fixed('result-show-deep-value')('result-show-deep-value: a field nested deep is left out and named', () => {
    const raw = JSON.parse(`{"cniVersion":"1.0.0","dns":{"nameservers":${nested(6000)}}}`) as unknown;
    const out = readResult(raw);
    expect(out.result).toEqual({ cniVersion: '1.0.0', dns: {} });
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatch(/^dns\.nameservers: /);
  });

  fixed('node-config-proto-key')('node-config-proto-key: "__proto__" is an unknown key like any other', () => {
    for (const value of ['""', '{}', '{"cacheDir":"/elsewhere"}']) {
      const raw = JSON.parse(`{"type":"braid","cniVersion":"1.0.0","__proto__":${value}}`) as JsonObject;
      expect(cniError(() => parseNodeConfig(raw)).message).toContain('unknown key "__proto__"');
    }
  });

  fixed('multus-record-ifname-path')('multus-record-ifname-path: a record cannot name a file outside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-known-bug-'));
    try {
      const records = join(dir, 'a', 'b', 'multus');
      mkdirSync(join(records, 'results'), { recursive: true });
      writeFileSync(join(dir, 'victim'), 'a file of the node');
      const delegate = {
        Conf: { cniVersion: '1.0.0', name: 'n', type: 'bridge' },
        ifnameRequest: '/../../../../victim',
      };
      writeFileSync(join(records, 'c1'), JSON.stringify([delegate]));
      const store = new MultusRecords([records]);
      let record;
      try {
        record = store.read('c1', 'eth0');
      } catch (err) {
        expect(err).toBeInstanceOf(CniError); // refusing the record is one fix
      }
      if (record) {
        for (const a of record.attachments) expect(a.ifname).not.toContain('/');
        store.remove('c1', record);
      }
      expect(existsSync(join(dir, 'victim'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  fixed('multus-record-ifname-path')('multus-record-ifname-path: a record with a long ifname can be removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-known-bug-'));
    try {
      const delegate = { Conf: { cniVersion: '1.0.0', name: 'n', type: 'bridge' }, ifnameRequest: 'a'.repeat(300) };
      mkdirSync(join(dir, 'results'));
      writeFileSync(join(dir, 'c1'), JSON.stringify([{ Conf: delegate.Conf }, delegate]));
      const store = new MultusRecords([dir]);
      let record;
      try {
        record = store.read('c1', 'eth0');
      } catch (err) {
        expect(err).toBeInstanceOf(CniError);
      }
      if (record) expect(() => store.remove('c1', record)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('request-ids-unchecked', () => {
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/x', CNI_PATH: '/opt/cni/bin' };
    fixed('request-ids-unchecked').each([
      ['holding a NUL', 'a\u0000b'],
      ['of 15 characters but 30 bytes', 'é'.repeat(15)],
    ])('a CNI_IFNAME %s is error 4', (_what, ifname) => {
      const stdin = '{"cniVersion":"1.0.0","type":"braid"}';
      expect(cniError(() => readRequest({ ...env, CNI_IFNAME: ifname }, stdin)).code).toBe(
        ErrorCode.InvalidEnvironment,
      );
    });
  });

  fixed('plan-remove-bad-name')('plan-remove-bad-name: removing a plan that cannot exist does not throw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-known-bug-'));
    try {
      const plans = new FilePlanStore(dir);
      plans.save({
        kind: PLAN_KIND,
        containerId: 'c1',
        ifname: 'eth0',
        netns: '',
        cniVersion: '1.0.0',
        args: [],
        path: [],
        attachments: [],
      });
      for (const [id, ifname] of [
        ['x'.repeat(300), 'eth0'],
        ['c1', 'a\u0000b'],
      ] as const) {
        expect(plans.read(id, ifname)).toEqual({ missing: true });
        expect(() => plans.remove(id, ifname)).not.toThrow();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  fixed('request-version-deep-value')('request-version-deep-value: a cniVersion nested deep is error 1', () => {
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt' };
    expect(cniError(() => readRequest(env, `{"cniVersion":${nested(6000)}}`)).code).toBe(ErrorCode.IncompatibleVersion);
  });

  describe('non-finite-number', () => {
    fixed('non-finite-number')('a selection with a number too big for a double is error 7', () => {
      const annotation = '[{"name":"a","bandwidth":{"ingressRate":1e999}}]';
      expect(cniError(() => parseSelections(annotation, 'ns')).code).toBe(ErrorCode.InvalidConfig);
    });

    fixed('non-finite-number')('a NAD config with a number too big for a double is error 7', () => {
      const nad = { namespace: 'ns', name: 'n', config: '{"type":"bridge","mtu":-1e999}', annotations: {} };
      const files = { findByName: () => undefined, readPath: () => undefined };
      expect(cniError(() => confFromNad(nad, files)).code).toBe(ErrorCode.InvalidConfig);
    });
  });
});
