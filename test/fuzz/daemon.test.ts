// Fuzzing the daemon's side of its socket: what arrives is parsed (parseDaemonRequest), served by the real request
// server (the engine, with the daemon's node keys as defaults) and answered; whatever arrives, the answer is a CNI
// reply (a CNI error for everything that is not a request) and the daemon keeps serving. Delegates never run here:
// every directory the engine may read or write is a temp dir, and no plugin exists in it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { ErrorCode } from '../../src/cni/errors.js';
import { COMMANDS } from '../../src/cni/request.js';
import { isObject, type JsonObject } from '../../src/cni/types.js';
import { parseNodeConfig } from '../../src/core/node-config.js';
import type { DaemonConfig } from '../../src/daemon/config.js';
import { Limiter } from '../../src/daemon/limiter.js';
import { Metrics } from '../../src/daemon/metrics.js';
import { requestServer } from '../../src/daemon/serve.js';
import { listenOnSocket, parseDaemonRequest } from '../../src/daemon/socket-server.js';
import type { StatusWriter } from '../../src/engine/ports.js';
import {
  nodeDefaultsPathOf,
  readNodeDefaults,
  runtimeEnvOf,
  type DaemonReply,
  type DaemonRequest,
} from '../../src/wire/protocol.js';
import { unixPost } from '../../src/wire/unix-post.js';
import { anyText, containerId, define, expand, ifname, jsonOf, mutated, mutatedText, nastyKey } from './arbitraries.js';
import { check, checkAsync, CNI_CODES, must, outcome, scratchDir, TIMEOUT, timeoutFor } from './fuzz-config.js';

// ---- the request server, in a sandbox ----

const dir = scratchDir('braid-fuzz-daemon-');
const emptyBin = join(dir, 'bin');
mkdirSync(emptyBin);

/** The daemon's node keys: every place the engine reads or writes is in the temp dir. */
const NODE_DEFAULTS: JsonObject = {
  cniVersion: '1.0.0',
  name: 'braid',
  delegates: [{ cniVersion: '1.0.0', name: 'primary', type: 'no-such-plugin' }],
  cacheDir: join(dir, 'cache'),
  multusCacheDir: join(dir, 'multus'),
  confDir: join(dir, 'conf'),
  binDir: emptyBin,
  deviceCheckpointFile: join(dir, 'checkpoint'),
  deviceInfoDir: join(dir, 'devinfo'),
  readinessIndicatorFile: '',
  pluginTimeoutSeconds: 2,
};

/**
 * Keys of the request's own config that could point the engine out of the sandbox (paths, binaries, logs), in any
 * spelling: taken out of whatever the fuzzer sends, so the daemon's (sandboxed) values apply.
 */
const OUT_OF_SANDBOX =
  /^(cachedir|cnidir|multuscachedir|confdir|bindir|logfile|devicecheckpointfile|deviceinfodir|readinessindicatorfile|kubeconfig|localstore|daemonsocket|clusternetwork|defaultnetworks|delegates|__proto__)$/i;

function sandboxed(r: DaemonRequest): DaemonRequest {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.env)) define(env, k, k === 'CNI_PATH' ? emptyBin : v);
  let stdin = r.stdin;
  try {
    const parsed: unknown = JSON.parse(stdin);
    if (isObject(parsed) && Object.keys(parsed).some((k) => OUT_OF_SANDBOX.test(k))) {
      for (const k of Object.keys(parsed)) if (OUT_OF_SANDBOX.test(k)) delete parsed[k];
      stdin = JSON.stringify(parsed);
    }
  } catch {
    // not JSON: nothing in it can name a path
  }
  return { env, stdin };
}

const status: StatusWriter = { write: async () => undefined, remove: async () => undefined };
const cfg: DaemonConfig = {
  node: parseNodeConfig({ type: 'braid', ...NODE_DEFAULTS }),
  nodeName: 'node-a',
  socketPath: join(dir, 'braid.sock'),
  maxConcurrentRequests: 4,
  drainSeconds: 0,
};
const serve = requestServer({
  cfg,
  log: pino({ level: 'silent' }),
  metrics: new Metrics(),
  limiter: new Limiter(4),
  sources: { nads: { getNad: async () => undefined }, status },
  nodeDefaults: NODE_DEFAULTS,
  draining: () => false,
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- what arrives ----

const SAFE_CONFIG_KEYS = ['cniVersion', 'type', 'name', 'runtimeConfig', 'prevResult', 'args', 'capabilities'];

/** The runtime's stdin: braid's config with the keys a runtime adds, valid, edited, or any text. */
const stdinText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        cniVersion: fc.constantFrom('0.3.1', '0.4.0', '1.0.0', '1.1.0', '0.1.0', ''),
        type: fc.constant('braid'),
        name: fc.constant('braid'),
        runtimeConfig: fc.constantFrom({}, { 'io.kubernetes.cri.pod-annotations': {} }),
        prevResult: fc.constantFrom({ cniVersion: '1.0.0' }),
        'cni.dev/valid-attachments': fc.constantFrom([], [{ containerID: 'c1', ifname: 'eth0' }], [1], {}),
      })
      .map(jsonOf),
  },
  mutated(
    fc.constant({ cniVersion: '1.0.0', type: 'braid', name: 'braid', runtimeConfig: {} }),
    nastyKey(SAFE_CONFIG_KEYS),
  ).map(jsonOf),
  mutatedText(fc.constant('{"cniVersion":"1.0.0","type":"braid","name":"braid"}'), '{}[]",:1.0 '),
  anyText,
);

/** The runtime's environment: complete and valid mostly, so that requests reach the engine; anything otherwise. */
const env = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      CNI_COMMAND: fc.constantFrom(...COMMANDS),
      CNI_CONTAINERID: containerId,
      CNI_NETNS: fc.constant('/var/run/netns/x'),
      CNI_IFNAME: ifname,
      CNI_ARGS: fc.constantFrom('K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u', 'IgnoreUnknown=1', ''),
      CNI_PATH: fc.constant(emptyBin),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        CNI_COMMAND: fc.oneof(fc.constantFrom(...COMMANDS), fc.string({ maxLength: 6 })),
        CNI_CONTAINERID: fc.oneof(containerId, fc.string({ maxLength: 10 })),
        CNI_NETNS: fc.constantFrom('/var/run/netns/x', ''),
        CNI_IFNAME: fc.oneof(ifname, fc.string({ maxLength: 17 })),
        CNI_ARGS: fc.constantFrom('K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p', 'a', '', ';=;'),
        CNI_PATH: fc.constant(emptyBin),
        PATH: fc.constant('/usr/bin:/bin'),
      },
      { requiredKeys: ['CNI_COMMAND'], noNullPrototype: true },
    ),
  },
);

const daemonRequest: fc.Arbitrary<DaemonRequest> = fc.record({ env, stdin: stdinText });

/** A reply is an exit code and what the executable prints: a result, nothing, or a CNI error. */
function expectReply(reply: DaemonReply): void {
  must(reply.exitCode === 0 || reply.exitCode === 1, `exit code ${reply.exitCode}`);
  must(typeof reply.stdout === 'string', 'stdout is not a string');
  if (reply.exitCode === 0) {
    if (reply.stdout !== '') JSON.parse(reply.stdout);
    return;
  }
  const e = JSON.parse(reply.stdout) as { code: unknown; msg: unknown };
  must(typeof e.code === 'number' && CNI_CODES.has(e.code), `code ${String(e.code)}`);
  must(typeof e.msg === 'string' && e.msg !== '', 'an error without a message');
  // 999 is what a crash inside the daemon becomes (toCniError): none of these requests gets that far.
  must(e.code !== ErrorCode.Internal, () => `the daemon crashed: ${String(e.msg)}`);
}

describe('fuzz: what the daemon reads from its socket', () => {
  it(
    'parseDaemonRequest: any body, a request or error 6',
    () => {
      const body = fc.oneof(
        anyText,
        daemonRequest.map(jsonOf),
        mutated(daemonRequest, nastyKey(['env', 'stdin'])).map(jsonOf),
      );
      check(
        fc.property(body, (text) => {
          const out = outcome(() => parseDaemonRequest(expand(text)), [ErrorCode.DecodeFailure]);
          if (!out.ok) return;
          must(isObject(out.value.env) && typeof out.value.stdin === 'string', 'not {env, stdin}');
          must(
            Object.values(out.value.env).every((v) => typeof v === 'string'),
            'env holds a non-string',
          );
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'a request written by the executable reads back as itself',
    () => {
      const anyEnv = fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), {
        noNullPrototype: true,
      });
      check(
        fc.property(anyEnv, fc.string({ unit: 'binary', maxLength: 40 }), (e, stdin) => {
          const sent: DaemonRequest = { env: runtimeEnvOf(e), stdin };
          expect(parseDaemonRequest(JSON.stringify(sent))).toEqual(sent);
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'runtimeEnvOf keeps exactly the variables that are set',
    () => {
      const anyEnv = fc.dictionary(
        fc.string({ maxLength: 8 }),
        fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        {
          noNullPrototype: true,
        },
      );
      check(
        fc.property(anyEnv, (e) => {
          const out = runtimeEnvOf(e);
          expect(Object.keys(out).sort()).toEqual(
            Object.keys(e)
              .filter((k) => e[k] !== undefined)
              .sort(),
          );
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'readNodeDefaults: any file beside the socket, an object',
    () => {
      const socket = join(dir, 'defaults', 'braid.sock');
      mkdirSync(join(dir, 'defaults'), { recursive: true });
      check(
        fc.property(
          fc.oneof(anyText, fc.jsonValue().map(jsonOf), fc.constantFrom('', '\u0000', '{"__proto__":{}}')),
          (t) => {
            writeFileSync(nodeDefaultsPathOf(socket), expand(t));
            must(isObject(readNodeDefaults(socket)), 'not an object');
          },
        ),
        0.3,
      );
    },
    TIMEOUT,
  );

  it(
    'the request server: any request, a CNI reply',
    async () => {
      await checkAsync(
        fc.asyncProperty(
          fc.oneof(daemonRequest, mutated(daemonRequest, nastyKey(['env', 'stdin', 'CNI_COMMAND'])).map(jsonOf)),
          async (r) => {
            const text = typeof r === 'string' ? expand(r) : JSON.stringify(r);
            let req: DaemonRequest;
            try {
              req = parseDaemonRequest(text);
            } catch {
              return; // the socket answers those itself (next test)
            }
            expectReply(await serve(sandboxed(req)));
          },
        ),
        0.5,
      );
    },
    timeoutFor(30, 0.5),
  );
});

describe('fuzz: the daemon socket', () => {
  const socketPath = join(dir, 'run', 'braid.sock');
  let server: Server;
  beforeAll(async () => {
    server = await listenOnSocket(
      socketPath,
      (r) => serve(sandboxed(r)),
      () => true,
    );
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const post = (body: string) =>
    unixPost(socketPath, { path: '/cni', contentType: 'application/json', body, timeoutMs: 10_000 });

  async function stillServes(): Promise<void> {
    const ok = await post(JSON.stringify({ env: { CNI_COMMAND: 'VERSION' }, stdin: '' }));
    expect(ok.status).toBe(200);
    expect(JSON.parse((JSON.parse(ok.body.toString()) as DaemonReply).stdout)).toHaveProperty('cniVersion');
  }

  it(
    'any body posted to /cni: a CNI reply with a matching status',
    async () => {
      const body = fc.oneof(
        anyText,
        daemonRequest.map(jsonOf),
        mutated(daemonRequest, nastyKey(['env', 'stdin'])).map(jsonOf),
      );
      await checkAsync(
        fc.asyncProperty(body, async (b) => {
          const res = await post(expand(b));
          must([200, 400].includes(res.status), `status ${res.status}`);
          const reply = JSON.parse(res.body.toString('utf8')) as DaemonReply;
          expectReply(reply);
          if (res.status === 400) must(reply.exitCode === 1, 'a 400 without a CNI error');
        }),
        0.5,
      );
      await stillServes();
    },
    timeoutFor(30, 0.5),
  );

  it(
    'any bytes on the socket: the daemon answers or hangs up, and keeps serving',
    async () => {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc
          .tuple(
            fc.constantFrom('POST', 'GET', 'PUT', 'POST ', 'BREW'),
            fc.constantFrom('/cni', '/healthz', '/', '*', '/cni?x', ''),
            fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', ''),
            fc.array(
              fc.constantFrom(
                'Content-Length: 5',
                'Content-Length: -1',
                'Transfer-Encoding: chunked',
                'Host: x',
                'X: \u0000',
              ),
              { maxLength: 3 },
            ),
            anyText,
          )
          .map(([m, p, v, headers, body]) => Buffer.from(`${m} ${p} ${v}\r\n${headers.join('\r\n')}\r\n\r\n${body}`)),
      );
      await checkAsync(
        fc.asyncProperty(bytes, async (b) => {
          await new Promise<void>((resolve, reject) => {
            const s = connect(socketPath);
            const timer = setTimeout(() => (s.destroy(), resolve()), 2_000);
            s.on('error', () => undefined); // a reset is an answer too
            s.on('close', () => (clearTimeout(timer), resolve()));
            s.on('connect', () => s.end(b));
            s.on('data', () => undefined);
            s.setTimeout(5_000, () => reject(new Error('the socket hung')));
          });
        }),
        0.3,
      );
      await stillServes();
    },
    timeoutFor(2_100, 0.3),
  );
});
