// Entry point of the Kubernetes API-server stand-in (bundled to dist-test/apiserver.mjs by `npm run build:support`).
//
//   node dist-test/apiserver.mjs [--port 0] [--host 127.0.0.1] [--control-port 0]
//        [--token T]... [--token-file FILE] [--cert FILE --key FILE] [--san NAME]...
//        [--history 1000] [--gone-as event|http] [--seed FILE.json] [--exit-with-stdin]
//        [--rbac-warmup-ms 200] [--bookmark-interval-ms 60000] [--min-request-timeout-ms 1800000]
//
// When listening it prints one JSON line to stdout:
//   {"event":"listening","url":"https://127.0.0.1:PORT","controlUrl":"http://127.0.0.1:PORT","ca":"-----BEGIN…",…}
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { parseArgs } from 'node:util';
import { Tokens } from './auth.js';
import { Authorizer } from './authz.js';
import type { Context } from './context.js';
import { handleControlRequest } from './control.js';
import { Counters } from './counters.js';
import { Faults } from './faults.js';
import { ApiListener } from './listener.js';
import { seedObjects } from './objects.js';
import { handleApiRequest } from './routes.js';
import { Store } from './store.js';
import { generateCert, loadCert } from './tls.js';
import { WatchHub, type GoneAs } from './watch.js';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'control-port': { type: 'string', default: '0' },
    'control-socket': { type: 'string' },
    token: { type: 'string', multiple: true, default: [] },
    'token-file': { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    san: { type: 'string', multiple: true, default: [] },
    history: { type: 'string', default: '1000' },
    'gone-as': { type: 'string', default: 'event' },
    seed: { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
    'rbac-warmup-ms': { type: 'string', default: '200' },
    'bookmark-interval-ms': { type: 'string', default: '60000' },
    'min-request-timeout-ms': { type: 'string', default: '1800000' },
  },
  strict: true,
});

async function main(): Promise<void> {
  const store = new Store(Number(args.history));
  const watches = new WatchHub(store);
  watches.goneAs = args['gone-as'] as GoneAs;
  watches.bookmarkIntervalMs = Number(args['bookmark-interval-ms']);
  watches.minRequestTimeoutMs = Number(args['min-request-timeout-ms']);
  const authz = new Authorizer();
  authz.warmupMs = Number(args['rbac-warmup-ms']);
  const serving = args.cert && args.key ? loadCert(args.cert, args.key) : generateCert(args.san);
  const api = createHttpsServer({ cert: serving.cert, key: serving.key });
  const listener = new ApiListener(api, args.host);
  const ctx: Context = {
    store,
    watches,
    faults: new Faults(),
    counters: new Counters(),
    authz,
    tokens: new Tokens(new Set(args.token), args['token-file']),
    initial: {
      goneAs: watches.goneAs,
      historyLimit: store.historyLimit,
      rbacWarmupMs: authz.warmupMs,
      bookmarkIntervalMs: watches.bookmarkIntervalMs,
      minRequestTimeoutMs: watches.minRequestTimeoutMs,
    },
    serverAddress: () => `${args.host}:${listener.boundPort}`,
    setOutage: (mode) => listener.setOutage(mode),
    dropConnections: () => listener.destroyAll(),
    connections: () => listener.accepted,
  };
  api.on('request', (req, res) => void handleApiRequest(ctx, req, res));
  // Watches are long-lived; the API server's own idle limits do not apply to them.
  api.requestTimeout = 0;
  api.keepAliveTimeout = 30_000;
  if (args.seed) seedObjects(store, JSON.parse(readFileSync(args.seed, 'utf8')));
  const port = await listener.listen(Number(args.port));

  const control = createHttpServer((req, res) => void handleControlRequest(ctx, req, res));
  // A unix socket reaches the control API from any network namespace (the server may run inside a test's "node").
  const controlSocket = args['control-socket'];
  if (controlSocket) await new Promise<void>((resolve) => control.listen(controlSocket, resolve));
  else await new Promise<void>((resolve) => control.listen(Number(args['control-port']), '127.0.0.1', resolve));
  const controlAddress = control.address();
  const controlPort = typeof controlAddress === 'object' && controlAddress ? controlAddress.port : 0;

  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  process.stdout.write(
    `${JSON.stringify({
      event: 'listening',
      pid: process.pid,
      url: `https://${host}:${port}`,
      port,
      controlUrl: controlSocket ? `unix:${controlSocket}` : `http://127.0.0.1:${controlPort}`,
      controlPort,
      ca: serving.cert,
    })}\n`,
  );

  const exit = (): never => process.exit(0);
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  // Tied to the parent through stdin, so a test runner that dies cannot leave the server behind.
  if (args['exit-with-stdin']) {
    process.stdin.on('end', exit).on('close', exit).on('error', exit);
    process.stdin.resume();
  }
}

main().catch((err: unknown) => {
  console.error(`apiserver stand-in: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
