// Fuzzing what braid reads back from the node's disk: saved plans, libcni's result cache and Multus' records. A file
// may hold anything (a crash mid-write on another filesystem, a disk error, an old or another tool's format): each
// reader gives a value of the right shape, "missing", "corrupt" or a CNI error, never a crash; and what braid wrote,
// it reads back unchanged, under a name no other attachment shares.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ErrorCode } from '../../src/cni/errors.js';
import { checkPluginType } from '../../src/cni/plugin-type.js';
import { isObject } from '../../src/cni/types.js';
import { interfaceNameProblem } from '../../src/cni/validate.js';
import { CACHE_KIND, PLAN_KIND, type CacheEntry, type SavedPlan } from '../../src/engine/ports.js';
import { MultusRecords } from '../../src/store/multus-records.js';
import { FilePlanStore } from '../../src/store/plan-store.js';
import { FileResultCache } from '../../src/store/result-cache.js';
import {
  anyText,
  containerId,
  expand,
  ifname,
  jsonOf,
  mutated,
  mutatedText,
  nastyKey,
  networkName,
  smallObject,
} from './arbitraries.js';
import { netConf } from './configs.js';
import { check, must, outcome, scratchDir, TIMEOUT, timeoutFor } from './fuzz-config.js';

let root: string;
let n = 0;
/** A fresh directory per run: what one run leaves must not decide the next. */
const freshDir = () => {
  const d = join(root, `r${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};
beforeAll(() => {
  root = scratchDir('braid-fuzz-stores-');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// ---- plans ----

const attachment = fc.record({
  name: fc.oneof(networkName, fc.constant('ns/net')),
  ifname,
  isDefault: fc.boolean(),
  conf: netConf,
  capabilityArgs: smallObject,
  extraArgs: fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), { maxLength: 2 }),
});

const plan: fc.Arbitrary<SavedPlan> = fc
  .record({
    kind: fc.constant(PLAN_KIND),
    containerId,
    ifname,
    netns: fc.constantFrom('/var/run/netns/x', ''),
    cniVersion: fc.constantFrom('1.0.0', '0.4.0'),
    args: fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), { maxLength: 3 }),
    path: fc.array(fc.constantFrom('/opt/cni/bin', '/usr/lib/cni'), { maxLength: 2 }),
    attachments: fc.array(attachment, { maxLength: 3 }),
  })
  .map((p) => p as unknown as SavedPlan);

const PLAN_KEYS = ['kind', 'containerId', 'ifname', 'attachments', 'conf', 'plugins', 'name', 'type', 'args'];

/** A plan file's contents: a valid plan, one edited, one edited as text, or any text. */
const planText = fc.oneof(
  plan.map(jsonOf),
  mutated(plan, nastyKey(PLAN_KEYS)).map(jsonOf),
  mutatedText(plan.map(jsonOf), '{}[]",:0a-'),
  anyText,
  fc.constantFrom('', '\u0000', '\ufeff{}'),
);

/** A read plan is this attachment's, or missing, or corrupt with a reason. */
function expectPlanRead(r: ReturnType<FilePlanStore['read']>, containerId: string, ifname: string): void {
  if ('plan' in r) {
    must(r.plan.kind === PLAN_KIND && Array.isArray(r.plan.attachments), 'a plan that is not one');
    must(r.plan.containerId === containerId && r.plan.ifname === ifname, "another attachment's plan");
  } else if ('corrupt' in r) must(typeof r.corrupt === 'string' && r.corrupt !== '', 'corrupt without a reason');
  else must(r.missing === true, 'neither plan, missing nor corrupt');
}

const plansIn = (cacheDir: string) => {
  try {
    return readdirSync(join(cacheDir, 'plans')).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
};

describe('fuzz: saved plans', () => {
  it(
    'any contents in a plan file: the plan, missing or corrupt',
    () => {
      check(
        fc.property(plan, planText, fc.boolean(), (p, text, oldName) => {
          const dir = freshDir();
          const store = new FilePlanStore(dir);
          store.save(p);
          // Over the file braid wrote, or under the name braid used before issue 12.
          const [file] = plansIn(dir);
          const name = oldName ? `${p.containerId}-${p.ifname}.json` : file!;
          if (oldName) rmSync(join(dir, 'plans', file!));
          writeFileSync(join(dir, 'plans', name), expand(text));
          const r = outcome(() => store.read(p.containerId, p.ifname), []);
          if (r.ok) expectPlanRead(r.value, p.containerId, p.ifname);
          const listed = outcome(() => store.list(), []);
          if (listed.ok) for (const q of listed.value) expectPlanRead({ plan: q }, q.containerId, q.ifname);
          outcome(() => store.remove(p.containerId, p.ifname), []);
        }),
        0.5,
      );
    },
    timeoutFor(20, 0.5),
  );

  it(
    'junk files of any name beside the plans: list() reads past them',
    () => {
      const name = fc
        .string({ minLength: 1, maxLength: 40 })
        .filter((s) => !s.includes('/') && !s.includes('\u0000') && s !== '.' && s !== '..');
      check(
        fc.property(fc.array(fc.tuple(name, planText), { maxLength: 4 }), plan, (files, p) => {
          const dir = freshDir();
          mkdirSync(join(dir, 'plans'));
          for (const [f, text] of files) writeFileSync(join(dir, 'plans', f), expand(text));
          const store = new FilePlanStore(dir);
          const listed = outcome(() => store.list(), []);
          if (listed.ok) for (const q of listed.value) expectPlanRead({ plan: q }, q.containerId, q.ifname);
          const r = outcome(() => store.read(p.containerId, p.ifname), []);
          if (r.ok) expectPlanRead(r.value, p.containerId, p.ifname);
        }),
        0.3,
      );
    },
    timeoutFor(20, 0.3),
  );

  it(
    'a plan saved is read back unchanged, and listed once',
    () => {
      check(
        fc.property(plan, (p) => {
          const store = new FilePlanStore(freshDir());
          store.save(p);
          expect(store.read(p.containerId, p.ifname)).toEqual({ plan: JSON.parse(JSON.stringify(p)) as SavedPlan });
          expect(store.list()).toEqual([JSON.parse(JSON.stringify(p)) as SavedPlan]);
          store.remove(p.containerId, p.ifname);
          expect(store.read(p.containerId, p.ifname)).toEqual({ missing: true });
        }),
        0.3,
      );
    },
    timeoutFor(20, 0.3),
  );

  it(
    'two attachments never share a plan file',
    () => {
      const ids = fc.constantFrom('c', 'c-y', 'y', 'c:2Dy', 'a-b', 'a', 'b-c', 'x.y');
      const ifs = fc.constantFrom('eth0', 'y-eth0', 'net1', 'a-b', 'b', 'c-net1', 'x:2D', '-');
      check(
        fc.property(plan, fc.tuple(ids, ifs), fc.tuple(ids, ifs), (p, [c1, i1], [c2, i2]) => {
          fc.pre(c1 !== c2 || i1 !== i2);
          const store = new FilePlanStore(freshDir());
          store.save({ ...p, containerId: c1, ifname: i1, netns: 'one' });
          store.save({ ...p, containerId: c2, ifname: i2, netns: 'two' });
          const one = store.read(c1, i1);
          const two = store.read(c2, i2);
          expect('plan' in one && one.plan.netns).toBe('one');
          expect('plan' in two && two.plan.netns).toBe('two');
          store.remove(c1, i1);
          expect('plan' in store.read(c2, i2)).toBe(true);
        }),
        0.3,
      );
    },
    timeoutFor(20, 0.3),
  );
});

// ---- the result cache ----

const entry: fc.Arbitrary<CacheEntry> = fc.record(
  {
    kind: fc.constant(CACHE_KIND),
    containerId,
    config: fc.string({ maxLength: 20 }).map((s) => Buffer.from(s).toString('base64')),
    ifName: ifname,
    networkName,
    netns: fc.constant('/var/run/netns/x'),
    cniArgs: fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), { maxLength: 2 }),
    capabilityArgs: smallObject,
    result: fc.constantFrom({ cniVersion: '1.0.0' }, { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] }),
  },
  { requiredKeys: ['kind', 'containerId', 'config', 'ifName', 'networkName'], noNullPrototype: true },
);

const CACHE_KEYS = ['kind', 'containerId', 'config', 'ifName', 'networkName', 'result'];
const entryText = fc.oneof(
  entry.map(jsonOf),
  mutated(entry, nastyKey(CACHE_KEYS)).map(jsonOf),
  mutatedText(entry.map(jsonOf), '{}[]",:0a-'),
  anyText,
);

describe('fuzz: the result cache', () => {
  it(
    'any contents in an entry: the entry of this attachment, or nothing',
    () => {
      check(
        fc.property(entry, entryText, (e, text) => {
          const cache = new FileResultCache(freshDir());
          cache.write(e);
          writeFileSync(cache.pathOf(e), expand(text));
          const r = outcome(() => cache.read(e), []);
          if (r.ok && r.value) {
            must(r.value.kind === CACHE_KIND && typeof r.value.config === 'string', 'an entry that is not one');
            must(
              r.value.containerId === e.containerId &&
                r.value.ifName === e.ifName &&
                r.value.networkName === e.networkName,
              "another attachment's entry",
            );
          }
          const all = outcome(() => cache.listAll(), []);
          if (all.ok)
            for (const x of all.value) must(cache.pathOf(x) === cache.pathOf(e), 'an entry under a name not its own');
          outcome(() => cache.listForContainer(e.containerId), []);
          outcome(() => cache.remove(e), []);
        }),
        0.5,
      );
    },
    timeoutFor(10, 0.5),
  );

  it(
    'an entry written is read back unchanged',
    () => {
      check(
        fc.property(entry, (e) => {
          const cache = new FileResultCache(freshDir());
          cache.write(e);
          const want = JSON.parse(JSON.stringify(e)) as CacheEntry;
          expect(cache.read(e)).toEqual(want);
          expect(cache.listForContainer(e.containerId)).toEqual([want]);
          cache.remove(e);
          expect(cache.read(e)).toBeUndefined();
        }),
        0.3,
      );
    },
    timeoutFor(10, 0.3),
  );
});

// ---- Multus' records ----

/** One delegate as Multus recorded it: its config parsed (Conf or ConfList), or its raw bytes. */
/** What Multus kept as the interface a selection asked for; Multus did not check it as braid does. */
const ifnameRequest = fc.option(
  fc.oneof(ifname, fc.constantFrom('/../sentinel', '/../../sentinel', '/../../../sentinel', 'a/../../sentinel', '..')),
  { nil: undefined },
);
const multusDelegate = fc.oneof(
  fc.record({ Conf: netConf.map((c) => ({ name: 'n', ...c })), ifnameRequest }),
  fc.record({ ConfList: netConf, Name: networkName }),
  fc.record({
    Bytes: netConf.map((c) => Buffer.from(JSON.stringify({ name: 'n', ...c })).toString('base64')),
    Name: networkName,
  }),
);
const record = fc.array(multusDelegate, { minLength: 1, maxLength: 3 });
const RECORD_KEYS = ['Conf', 'ConfList', 'Bytes', 'Name', 'ifnameRequest', 'plugins', 'type', 'name'];
const recordText = fc.oneof(
  record.map(jsonOf),
  mutated(record, nastyKey(RECORD_KEYS)).map(jsonOf),
  mutatedText(record.map(jsonOf), '{}[]",:0a-'),
  fc.oneof(anyText, fc.base64String({ maxLength: 40 })).map((b) => jsonOf([{ Bytes: b }])),
  anyText,
);

describe("fuzz: Multus' records", () => {
  it(
    'any record: the attachments to delete, or a CNI error 6 or 7; nothing outside it is touched',
    () => {
      check(
        fc.property(containerId, recordText, fc.option(entryText), ifname, (id, text, cached, runtimeIfname) => {
          // <dir>/sentinel and <dir>/rec/sentinel: files no record may reach
          const dir = freshDir();
          const rec = join(dir, 'rec');
          mkdirSync(join(rec, 'results'), { recursive: true });
          for (const f of [join(dir, 'sentinel'), join(rec, 'sentinel'), join(rec, 'results', 'sentinel')])
            writeFileSync(f, 'not a record');
          writeFileSync(join(rec, id), expand(text));
          if (cached) writeFileSync(join(rec, 'results', `n-${id}-${runtimeIfname}`), expand(cached));
          const records = new MultusRecords([join(dir, 'none'), rec]);
          const r = outcome(() => records.read(id, runtimeIfname), [ErrorCode.DecodeFailure, ErrorCode.InvalidConfig]);
          if (!r.ok || !r.value) return;
          must(r.value.attachments.length > 0, 'a record without attachments');
          must(
            r.value.attachments.every((a) => !interfaceNameProblem(a.ifname)),
            'a record with an ifname CNI forbids was read as usable',
          );
          r.value.attachments.forEach((a, i) => {
            must(a.isDefault === (i === 0), 'the default is not the first');
            must(!interfaceNameProblem(a.ifname), () => `ifname ${a.ifname}: ${interfaceNameProblem(a.ifname)}`);
            must(Array.isArray(a.conf.plugins) && a.conf.plugins.length > 0, 'an attachment without plugins');
            for (const p of a.conf.plugins) expect(checkPluginType(p.type)).toBe(p.type);
          });
          for (const v of r.value.prevResults.values()) must(isObject(v), 'a cached result that is not an object');
          outcome(() => records.remove(id, r.value!), []);
          for (const f of [join(dir, 'sentinel'), join(rec, 'sentinel')]) must(existsSync(f), `${f} was removed`);
        }),
        0.5,
      );
    },
    timeoutFor(10, 0.5),
  );

  it(
    'a container ID that is not one never reads a record',
    () => {
      check(
        fc.property(fc.constantFrom('..', '../x', '/etc/passwd', '.hidden', '', 'a/b', '-x'), (id) => {
          const records = new MultusRecords([freshDir()]);
          expect(records.read(id, 'eth0')).toBeUndefined();
        }),
        0.1,
      );
    },
    TIMEOUT,
  );
});
