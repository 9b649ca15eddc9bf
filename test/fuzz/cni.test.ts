// Fuzzing the CNI boundary: the runtime's environment and stdin → a request (a CNI error 1, 4 or 6 otherwise),
// CNI_ARGS, and the results delegates print (read leniently, written strictly, and read back the same).
import fc from 'fast-check';
import { formatCniArgs, parseCniArgs, type CniArgs } from '../../src/cni/args.js';
import { ErrorCode } from '../../src/cni/errors.js';
import { COMMANDS, readRequest, type CniRequest, type Env } from '../../src/cni/request.js';
import { formatResult, readResult } from '../../src/cni/result.js';
import { isObject, type Result } from '../../src/cni/types.js';
import { containerIdProblem, interfaceNameProblem } from '../../src/cni/validate.js';
import { compareVersions, isSupportedVersion, SUPPORTED_VERSIONS } from '../../src/cni/version.js';
import {
  anyText,
  cidr,
  cniVersion,
  containerId,
  heavy,
  ifname,
  materialize,
  mutated,
  mutatedText,
  nastyKey,
  nastyValue,
  jsonOf,
  expand,
} from './arbitraries.js';
import { nodeConfig } from './configs.js';
import { check, must, outcome, TIMEOUT } from './fuzz-config.js';

const REQUEST_CODES = [ErrorCode.IncompatibleVersion, ErrorCode.InvalidEnvironment, ErrorCode.DecodeFailure];

function expectRequest(r: CniRequest, env: Env): void {
  must((COMMANDS as readonly string[]).includes(r.command), `command ${r.command}`);
  if (r.command === 'VERSION') return;
  must(isSupportedVersion(r.cniVersion), `cniVersion ${r.cniVersion}`);
  must(isObject(r.config), 'config is not an object');
  if (['ADD', 'CHECK'].includes(r.command)) {
    must(!containerIdProblem(r.containerId), `container ID ${JSON.stringify(r.containerId)}`);
    must(!interfaceNameProblem(r.ifname), `ifname ${JSON.stringify(r.ifname)}`);
  }
  // A DEL of IDs ADD refuses is read as it came: delPod answers it as a no-op (docs/adr/0008), so it never fails.
  if (r.command === 'DEL') must(r.containerId !== '' && r.ifname !== '', 'a DEL without its IDs');
  must(
    r.path.every((p) => typeof p === 'string' && p !== '' && !p.includes(':')),
    'CNI_PATH entries',
  );
  must(
    r.args.every(([k, v]) => k !== '' && !k.includes('=') && !k.includes(';') && !v.includes(';')),
    'CNI_ARGS pairs',
  );
  // What was parsed is what the runtime sent: CNI_ARGS written out again is the same list.
  if (env.CNI_ARGS) expect(parseCniArgs(formatCniArgs(r.args))).toEqual(r.args);
}

const ENV_KEYS = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'];

const validEnv = fc.record({
  CNI_COMMAND: fc.constantFrom(...COMMANDS),
  CNI_CONTAINERID: containerId,
  CNI_NETNS: fc.constantFrom('/var/run/netns/x', '/proc/1/ns/net'),
  CNI_IFNAME: ifname,
  CNI_ARGS: fc.constantFrom(
    'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u',
    'K8S_POD_NAME=p',
    '',
    ';;a=b=c;',
  ),
  CNI_PATH: fc.constantFrom('/opt/cni/bin', '/opt/cni/bin:/usr/lib/cni', '::'),
});

/** Environment values: valid, hostile, or any string; as the runtime's environment holds only strings. */
const envValue = fc.oneof(
  nastyValue.filter((v): v is string => typeof v === 'string' && !v.startsWith('⟪')),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(...COMMANDS, 'add', 'Add', 'VERSION '),
);

const env: fc.Arbitrary<Env> = fc.oneof(
  validEnv,
  fc
    .tuple(validEnv, fc.array(fc.tuple(nastyKey(ENV_KEYS), fc.option(envValue, { nil: undefined })), { maxLength: 3 }))
    .map(([e, edits]) => {
      const out: Env = { ...e };
      for (const [k, v] of edits) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
      return out;
    }),
  fc.dictionary(fc.constantFrom(...ENV_KEYS), envValue, { noNullPrototype: true }),
);

const stdin = fc.oneof(
  nodeConfig.map((c) => JSON.stringify(c)),
  mutated(nodeConfig, nastyKey(['cniVersion', 'type', 'name', 'prevResult', 'runtimeConfig'])).map(jsonOf),
  mutatedText(
    nodeConfig.map((c) => JSON.stringify(c)),
    '{}[]",: 0.1',
  ),
  anyText,
);

describe('fuzz: the CNI request', () => {
  it(
    'any environment and stdin: a request, or error 1, 4 or 6',
    () => {
      check(
        fc.property(env, stdin, (e, s) => {
          const out = outcome(() => readRequest(e, expand(s)), REQUEST_CODES);
          if (out.ok) expectRequest(out.value, e);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'CNI_ARGS: pairs, or a plain error that names the bad one',
    () => {
      check(
        fc.property(fc.string({ unit: fc.constantFrom(...'a=;b \u0000é'), maxLength: 30 }), (raw) => {
          let args: CniArgs;
          try {
            args = parseCniArgs(raw);
          } catch (err) {
            must(err instanceof Error && err.message.startsWith('CNI_ARGS: '), `unexpected ${String(err)}`);
            return;
          }
          expect(parseCniArgs(formatCniArgs(args))).toEqual(args);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'CNI_ARGS written out and read again are the same list',
    () => {
      const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !/[=;]/.test(k));
      const value = fc.string({ maxLength: 8 }).filter((v) => !v.includes(';'));
      check(
        fc.property(fc.array(fc.tuple(key, value), { maxLength: 5 }), (args) => {
          expect(parseCniArgs(formatCniArgs(args))).toEqual(args);
        }),
      );
    },
    TIMEOUT,
  );
});

// ---- results ----

const iface = fc.record(
  {
    name: ifname,
    mac: fc.constantFrom('aa:bb:cc:dd:ee:ff', ''),
    mtu: fc.integer({ min: 0, max: 9000 }),
    sandbox: fc.constantFrom('/var/run/netns/x', ''),
  },
  { requiredKeys: ['name'], noNullPrototype: true },
);

/** A result as a delegate of any version prints it: 1.x, 0.3.x/0.4.0 (ips with "version"), or 0.1.0/0.2.0. */
const resultJson: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .record(
      {
        cniVersion: fc.constantFrom('1.0.0', '1.1.0', '0.3.1', '0.4.0'),
        interfaces: fc.array(iface, { maxLength: 3 }),
        ips: fc.array(
          fc.record(
            {
              address: cidr,
              gateway: fc.oneof(fc.ipV4(), fc.ipV6()),
              interface: fc.nat(3),
              version: fc.constantFrom('4', '6'),
            },
            { requiredKeys: ['address'], noNullPrototype: true },
          ),
          { maxLength: 3 },
        ),
        routes: fc.array(
          fc.record(
            { dst: cidr, gw: fc.ipV4(), priority: fc.nat(100) },
            { requiredKeys: ['dst'], noNullPrototype: true },
          ),
          { maxLength: 2 },
        ),
        dns: fc.record({ nameservers: fc.array(fc.ipV4(), { maxLength: 2 }), domain: fc.constant('x.local') }),
      },
      { requiredKeys: ['cniVersion'], noNullPrototype: true },
    )
    .map((r) => r as Record<string, unknown>),
  fc
    .record(
      {
        cniVersion: fc.constantFrom('0.1.0', '0.2.0', ''),
        ip4: fc.record({ ip: cidr, gateway: fc.ipV4(), routes: fc.array(fc.record({ dst: cidr }), { maxLength: 2 }) }),
        ip6: fc.record({ ip: cidr }),
        dns: fc.record({ nameservers: fc.array(fc.ipV4(), { maxLength: 2 }) }),
      },
      { requiredKeys: [], noNullPrototype: true },
    )
    .map((r) => r as Record<string, unknown>),
);

const RESULT_KEYS = [
  'cniVersion',
  'interfaces',
  'ips',
  'routes',
  'dns',
  'ip4',
  'ip6',
  'address',
  'gateway',
  'interface',
  'dst',
  'gw',
  'name',
  'mtu',
  'nameservers',
];

/** What braid keeps of a result: the spec's fields with the spec's types, every "interface" index in range. */
function expectResult(r: Result): void {
  must(typeof r.cniVersion === 'string', 'cniVersion');
  for (const i of r.interfaces ?? []) must(typeof i.name === 'string' && i.name !== '', 'an interface without a name');
  for (const ip of r.ips ?? []) {
    must(typeof ip.address === 'string' && ip.address.includes('/'), 'an ip without an address');
    must(
      ip.interface === undefined ||
        (Number.isInteger(ip.interface) && ip.interface >= 0 && ip.interface < (r.interfaces?.length ?? 0)),
      'an ip whose interface is not one of the result',
    );
  }
  for (const route of r.routes ?? [])
    must(typeof route.dst === 'string' && route.dst.includes('/'), 'a route without dst');
}

const sameResult = (r: Result) => ({ ...r, dns: r.dns ?? {} });

describe('fuzz: results', () => {
  it(
    'any value a delegate prints: a result and what was left out, or error 6 for a non-object',
    () => {
      const raw = fc.oneof(
        resultJson,
        mutated(resultJson, nastyKey(RESULT_KEYS)),
        mutated(resultJson, nastyKey(RESULT_KEYS), fc.oneof(heavy, nastyValue), 1),
        fc.jsonValue({ maxDepth: 4 }),
      );
      check(
        fc.property(raw, fc.constantFrom('', ...SUPPORTED_VERSIONS, '0.2.0'), (v, confVersion) => {
          const value = materialize(v);
          const out = outcome(() => readResult(value, confVersion), [ErrorCode.DecodeFailure]);
          if (!out.ok) {
            must(!isObject(value), 'an object was refused');
            return;
          }
          expectResult(out.value.result);
          must(
            out.value.problems.every((p) => typeof p === 'string' && p !== ''),
            'a problem that is not a sentence',
          );
          // Written at any version braid answers in, it reads back as itself, with nothing left out.
          for (const version of SUPPORTED_VERSIONS) {
            const written = JSON.parse(JSON.stringify(formatResult(out.value.result, version))) as unknown;
            const back = readResult(written, version);
            expect(back.problems).toEqual([]);
            expect(sameResult(back.result)).toEqual(sameResult({ ...out.value.result, cniVersion: version }));
          }
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'valid results are read without problems',
    () => {
      check(
        fc.property(resultJson, (r) => {
          const version = typeof r.cniVersion === 'string' && r.cniVersion ? r.cniVersion : '0.2.0';
          if (compareVersions(version, '0.3.0') < 0 && r.ip4 === undefined && r.ip6 === undefined) return;
          const out = readResult(JSON.parse(JSON.stringify(r)), version);
          expectResult(out.result);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'cniVersion in results and configs: any string',
    () => {
      check(
        fc.property(fc.oneof(cniVersion, fc.string({ maxLength: 10 })), fc.string({ maxLength: 10 }), (a, b) => {
          const out = outcome(() => readResult({ cniVersion: a, ips: [] }, b), [ErrorCode.DecodeFailure]);
          must(out.ok, 'an object was refused');
        }),
      );
    },
    TIMEOUT,
  );
});
