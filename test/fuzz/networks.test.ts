// Fuzzing what a NAD author and a pod author control together: spec.config → the delegate's conflist, the pod's
// selection applied to it, and the whole plan. Whatever they write, braid answers with a delegate it can run and a
// plan it can save and read back (issue 12, defect 5), or with a CNI error 7.
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { CniError, ErrorCode } from '../../src/cni/errors.js';
import { goMarshal } from '../../src/cni/gojson.js';
import { checkPluginType } from '../../src/cni/plugin-type.js';
import { isObject, type JsonObject, type NetConfList } from '../../src/cni/types.js';
import { networkNameProblem } from '../../src/cni/validate.js';
import { toConfList } from '../../src/cni/conflist.js';
import { applySelection, confFromNad } from '../../src/core/delegate.js';
import { resolveNetworkRef } from '../../src/core/network-ref.js';
import { parseNodeConfig } from '../../src/core/node-config.js';
import { planAttachments } from '../../src/core/plan.js';
import { parseSelections } from '../../src/core/selection.js';
import { SELECTION_FIELDS } from '../../src/core/selection-fields.js';
import type { ConfFiles, Nad, PodInfo } from '../../src/core/sources.js';
import { PLAN_KIND, type SavedPlan } from '../../src/engine/ports.js';
import { FilePlanStore } from '../../src/store/plan-store.js';
import {
  anyText,
  label,
  materialize,
  mutated,
  mutatedText,
  nastyKey,
  subdomain,
  jsonOf,
  expand,
} from './arbitraries.js';
import { netConf, NET_CONF_KEYS } from './configs.js';
import { check, checkAsync, must, outcome, outcomeAsync, scratchDir, TIMEOUT, timeoutFor } from './fuzz-config.js';
import { hostileAnnotation, jsonAnnotation, SELECTION_KEYS, shortAnnotation } from './selections.js';

const INVALID_CONFIG = [ErrorCode.InvalidConfig];

/** confDir: one config by name; no file by path. */
const files: ConfFiles = {
  findByName: (n) => (n === 'from-confdir' ? { cniVersion: '1.0.0', name: 'from-confdir', type: 'bridge' } : undefined),
  readPath: () => undefined,
};

/**
 * What any conflist braid accepted must be: a valid name, at least one plugin, each a plain binary name; and, where
 * braid bounded its input (a NAD, a selection), one it can write as libcni would for its delegate.
 */
function expectConfList(list: NetConfList, bounded = true): void {
  must(typeof list.name === 'string' && !networkNameProblem(list.name), () => `bad name ${JSON.stringify(list.name)}`);
  must(Array.isArray(list.plugins) && list.plugins.length > 0, 'no plugins');
  for (const p of list.plugins) {
    must(isObject(p), 'a plugin that is not an object');
    expect(checkPluginType(p.type)).toBe(p.type);
  }
  must(list.cniVersion === undefined || typeof list.cniVersion === 'string', 'cniVersion is not a string');
  if (bounded) goMarshal(list);
}

const nadOf = (config: string, name = 'net-a'): Nad => ({ namespace: 'ns-a', name, config, annotations: {} });

/** A NAD's spec.config: valid, edited as JSON, edited as text, or any text at all. */
const specConfig: fc.Arbitrary<string> = fc.oneof(
  netConf.map((c) => JSON.stringify(c)),
  mutated(netConf, nastyKey(NET_CONF_KEYS)).map(jsonOf),
  mutatedText(
    netConf.map((c) => JSON.stringify(c)),
    '{}[]",: a0./\\',
  ),
  anyText,
  fc.constantFrom('', ' ', '\n'),
);

describe('fuzz: a NAD to its delegate', () => {
  it(
    'confFromNad: a conflist braid can run, or error 7',
    () => {
      check(
        fc.property(specConfig, fc.constantFrom('net-a', 'from-confdir', 'missing'), (config, name) => {
          const out = outcome(() => confFromNad(nadOf(expand(config), name), files), INVALID_CONFIG);
          if (!out.ok) return;
          expectConfList(out.value);
          // Normalising is idempotent: a conflist braid made is taken as it is.
          expect(toConfList(out.value, 'again')).toEqual(out.value);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'toConfList: any value, a conflist or error 7',
    () => {
      check(
        fc.property(fc.oneof(mutated(netConf, nastyKey(NET_CONF_KEYS)), fc.jsonValue({ maxDepth: 3 })), (v) => {
          // Unbounded: inline delegates come from the node's own configuration, records from the node's disk.
          const out = outcome(() => toConfList(materialize(v), 'fuzz'), INVALID_CONFIG);
          if (out.ok) expectConfList(out.value, false);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'applySelection: any accepted selection on any accepted config gives a delegate braid can write',
    () => {
      const annotation = fc.oneof(
        jsonAnnotation.map((a) => JSON.stringify(a)),
        hostileAnnotation.map(jsonOf),
        shortAnnotation.map((s) => s.text),
      );
      check(
        fc.property(specConfig, annotation, fc.option(fc.string({ maxLength: 20 })), (config, text, deviceId) => {
          const conf = outcome(() => confFromNad(nadOf(expand(config)), files), INVALID_CONFIG);
          const sels = outcome(() => parseSelections(expand(text), 'ns-a'), INVALID_CONFIG);
          if (!conf.ok || !sels.ok) return;
          for (const sel of [undefined, ...sels.value]) {
            const d = applySelection(conf.value, sel, deviceId ?? undefined);
            expectConfList(d.conf);
            expect(d.conf.plugins.length).toBe(conf.value.plugins.length);
            const caps = new Set(SELECTION_FIELDS.flatMap((f) => (f.capability ? [f.capability] : [])));
            for (const k of Object.keys(d.capabilityArgs)) must(caps.has(k), `capability ${k} is no field's`);
            for (const a of d.extraArgs)
              must(a.length === 2 && a.every((x) => typeof x === 'string' && !x.includes(';')), 'a bad CNI_ARGS pair');
            JSON.stringify(d);
          }
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'resolveNetworkRef: any reference and any NAD, a conflist or error 7',
    async () => {
      const config = parseNodeConfig({ type: 'braid', cniVersion: '1.0.0', defaultNetworkNamespace: 'ns-a' });
      await checkAsync(
        fc.asyncProperty(fc.oneof(fc.string({ maxLength: 20 }), subdomain), specConfig, async (ref, spec) => {
          const nads = {
            getNad: async (_ns: string, name: string) => (name === ref ? nadOf(expand(spec), name) : undefined),
          };
          const out = await outcomeAsync(() => resolveNetworkRef(ref, config, { nads, files }), INVALID_CONFIG);
          if (out.ok) expectConfList(out.value);
        }),
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: the whole plan', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = scratchDir('braid-fuzz-plan-');
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  const annotationText = fc.oneof(
    jsonAnnotation.map((a) => JSON.stringify(a)),
    hostileAnnotation.map(jsonOf),
    shortAnnotation.map((s) => s.text),
    mutated(jsonAnnotation, nastyKey(SELECTION_KEYS)).map(jsonOf),
  );

  /** A pod in ns-a whose selections name NADs that exist, each with a fuzzed spec.config. */
  const scenario = fc.record({
    networks: annotationText,
    defaultNetwork: fc.option(
      fc.oneof(
        subdomain,
        label.map((l) => `ns-a/${l}`),
        fc.string({ maxLength: 12 }),
      ),
    ),
    specs: fc.array(specConfig, { minLength: 1, maxLength: 4 }),
    isolation: fc.boolean(),
  });

  it(
    'planAttachments: a plan braid can save and read back, or error 7',
    async () => {
      const config = (isolation: boolean) =>
        parseNodeConfig({
          type: 'braid',
          cniVersion: '1.0.0',
          delegates: [{ cniVersion: '1.0.0', name: 'primary', type: 'bridge' }],
          namespaceIsolation: isolation,
        });
      const store = new FilePlanStore(cacheDir);
      let n = 0;
      await checkAsync(
        fc.asyncProperty(scenario, async (s) => {
          const annotations: Record<string, string> = { 'k8s.v1.cni.cncf.io/networks': expand(s.networks) };
          if (s.defaultNetwork) annotations['v1.multus-cni.io/default-network'] = s.defaultNetwork;
          const pod: PodInfo = { namespace: 'ns-a', name: 'p', uid: 'u1', annotations };
          // Every NAD a selection can name exists, so that planning goes as far as it can.
          const nads = {
            getNad: async (ns: string, name: string) => ({
              ...nadOf(expand(s.specs[name.length % s.specs.length]!), name),
              namespace: ns,
            }),
          };
          const input = { config: config(s.isolation), ifname: 'eth0', args: [], pod, nads, files };
          const out = await outcomeAsync(() => planAttachments(input), INVALID_CONFIG);
          if (!out.ok) return;
          for (const a of out.value.attachments) expectConfList(a.conf);
          const saved: SavedPlan = {
            kind: PLAN_KIND,
            containerId: `c${n++}`,
            ifname: 'eth0',
            netns: '/proc/1/ns/net',
            cniVersion: '1.0.0',
            args: [],
            path: ['/opt/cni/bin'],
            pod: { namespace: 'ns-a', name: 'p', uid: 'u1' },
            attachments: out.value.attachments,
          };
          store.save(saved);
          const back = store.read(saved.containerId, saved.ifname);
          expect(back).toEqual({ plan: JSON.parse(JSON.stringify(saved)) as JsonObject });
          store.remove(saved.containerId, saved.ifname);
        }),
        0.5,
      );
    },
    timeoutFor(20, 0.5),
  );

  it(
    'an error from planning is a CniError whatever the NAD source throws',
    async () => {
      // The source's own failure passes through unchanged; braid must not turn it into a crash of its own.
      const config = parseNodeConfig({
        type: 'braid',
        cniVersion: '1.0.0',
        delegates: [{ name: 'p', type: 'bridge' }],
      });
      await checkAsync(
        fc.asyncProperty(annotationText, async (networks) => {
          const nads = {
            getNad: async () => {
              throw new CniError(ErrorCode.TryAgainLater, 'the API server is down');
            },
          };
          const pod: PodInfo = {
            namespace: 'ns-a',
            name: 'p',
            annotations: { 'k8s.v1.cni.cncf.io/networks': expand(networks) },
          };
          await outcomeAsync(
            () => planAttachments({ config, ifname: 'eth0', args: [], pod, nads, files }),
            [ErrorCode.InvalidConfig, ErrorCode.TryAgainLater],
          );
        }),
      );
    },
    TIMEOUT,
  );
});
