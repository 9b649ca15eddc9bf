// Fuzzing braid's node configuration (stdin's keys, and the daemon's defaults under them): a NodeConfig with every
// key typed, or a CNI error 7 naming what is wrong. Unknown keys are never read past silently.
import fc from 'fast-check';
import { ErrorCode } from '../../src/cni/errors.js';
import { isObject, type JsonObject } from '../../src/cni/types.js';
import { NODE_CONFIG_FIELDS } from '../../src/core/generated/node-config-keys.js';
import { multusKeyOf } from '../../src/core/multus-keys.js';
import { parseNodeConfig, withNodeDefaults, type NodeConfig } from '../../src/core/node-config.js';
import { define, materialize, mutated, nastyKey, NASTY_KEYS, nastyValue } from './arbitraries.js';
import { NODE_KEYS, nodeConfig } from './configs.js';
import { check, must, outcome, TIMEOUT } from './fuzz-config.js';

const INVALID_CONFIG = [ErrorCode.InvalidConfig];

/** The types every parsed configuration has, whatever it was parsed from. */
function expectNodeConfig(c: NodeConfig, raw: JsonObject): void {
  for (const k of NODE_CONFIG_FIELDS) must(k in c, `key ${k} missing`);
  must(c.raw === raw, 'raw is not what was parsed');
  must(
    Array.isArray(c.globalNamespaces) && c.globalNamespaces.every((n) => typeof n === 'string' && n === n.trim() && n),
    'globalNamespaces is not a list of names',
  );
  for (const k of ['cacheDir', 'confDir', 'binDir', 'defaultNetworkNamespace', 'multusCacheDir'] as const)
    must(typeof c[k] === 'string' && c[k] !== '', `${k} is not a non-empty string`);
  must(Number.isInteger(c.maxNetworksPerPod) && c.maxNetworksPerPod >= 1, 'maxNetworksPerPod');
  must(Number.isInteger(c.maxParallelAttachments) && c.maxParallelAttachments >= 1, 'maxParallelAttachments');
  must(typeof c.pluginTimeoutSeconds === 'number' && c.pluginTimeoutSeconds > 0, 'pluginTimeoutSeconds');
  must(Array.isArray(c.delegates) && c.delegates.every(isObject), 'delegates');
  must(Array.isArray(c.defaultNetworks) && c.defaultNetworks.every((n) => typeof n === 'string'), 'defaultNetworks');
  must(isObject(c.runtimeConfig) && isObject(c.capabilities), 'runtimeConfig / capabilities');
  must(
    c.readinessIndicatorFile === undefined || typeof c.readinessIndicatorFile === 'string',
    'readinessIndicatorFile',
  );
}

function holds(raw: unknown): void {
  if (!isObject(raw)) return;
  const out = outcome(() => parseNodeConfig(raw), INVALID_CONFIG);
  if (out.ok) expectNodeConfig(out.value, raw);
}

/** A key neither braid nor Multus has: from the dictionary of hostile keys, or any string. */
const unknownKey = fc
  .oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 12 }))
  .filter((k) => !NODE_KEYS.includes(k) && multusKeyOf(k) === undefined);

describe('fuzz: the node configuration', () => {
  it(
    'valid configurations parse, with every key typed',
    () => {
      check(
        fc.property(nodeConfig, (c) => {
          const out = outcome(() => parseNodeConfig(c), INVALID_CONFIG);
          if (out.ok) expectNodeConfig(out.value, c);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'valid configurations with values and keys replaced by hostile ones',
    () => {
      check(fc.property(mutated(nodeConfig, nastyKey(NODE_KEYS)), (v) => holds(materialize(v))));
    },
    TIMEOUT,
  );

  it(
    'every known key, in any case, with a hostile value',
    () => {
      const key = fc.constantFrom(...NODE_KEYS).chain((k) => fc.oneof(fc.constant(k), fc.mixedCase(fc.constant(k))));
      check(
        fc.property(nodeConfig, fc.array(fc.tuple(key, nastyValue), { minLength: 1, maxLength: 3 }), (c, edits) => {
          const raw = { ...c };
          for (const [k, v] of edits) define(raw, k, v);
          holds(materialize(raw));
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'any JSON object',
    () => {
      check(fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => holds(v)));
    },
    TIMEOUT,
  );

  it(
    'an unknown key is refused, and named',
    () => {
      check(
        fc.property(nodeConfig, unknownKey, fc.jsonValue({ maxDepth: 2 }), (c, key, value) => {
          const raw = materialize(c) as JsonObject;
          define(raw, key, value);
          const out = outcome(() => parseNodeConfig(raw), INVALID_CONFIG);
          must(!out.ok, () => `unknown key ${JSON.stringify(key)} accepted`);
          if (!out.ok) expect(out.error.message).toContain(`"${key}"`);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'the daemon defaults under any request: the request wins key by key',
    () => {
      check(
        fc.property(nodeConfig, nodeConfig, (request, defaults) => {
          const merged = withNodeDefaults(request, defaults);
          for (const [k, v] of Object.entries(request)) expect(merged[k]).toEqual(v);
          holds(merged);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    "a Multus alias reads as braid's key",
    () => {
      const aliases: Array<[string, string]> = [
        ['cniDir', 'cacheDir'],
        ['multusNamespace', 'defaultNetworkNamespace'],
        ['readinessindicatorfile', 'readinessIndicatorFile'],
      ];
      check(
        fc.property(
          nodeConfig,
          fc.constantFrom(...aliases),
          fc.stringMatching(/^\/[a-z]{1,8}$/),
          (c, [alias, key], v) => {
            const base: JsonObject = { ...c };
            delete base[key];
            delete base.ReadinessIndicatorFile;
            const viaAlias = outcome(() => parseNodeConfig({ ...base, [alias]: v }), INVALID_CONFIG);
            const direct = outcome(() => parseNodeConfig({ ...base, [key]: v }), INVALID_CONFIG);
            expect(viaAlias.ok).toBe(direct.ok);
            // cniDir is also where Multus kept its records: multusCacheDir follows it, by design
            const same = (c: NodeConfig) => ({
              ...c,
              raw: 0,
              multusCacheDir: alias === 'cniDir' ? 0 : c.multusCacheDir,
            });
            if (viaAlias.ok && direct.ok) expect(same(viaAlias.value)).toEqual(same(direct.value));
          },
        ),
      );
    },
    TIMEOUT,
  );
});
