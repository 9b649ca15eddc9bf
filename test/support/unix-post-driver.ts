// Runs unixPost once in whatever runtime runs this file (bun: the Bun.connect transport) and prints the outcome
// as one JSON line, with the socket API that carried it. Usage: <runtime> unix-post-driver.ts SOCKET TIMEOUT_MS [REQUEST_BYTES]
import { unixPost, UnixPostError } from '../../src/wire/unix-post.js';

const [socketPath = '', timeoutMs = '5000', requestBytes = '2'] = process.argv.slice(2);
const body = JSON.stringify({
  env: { CNI_COMMAND: 'ADD' },
  stdin: 'ü'.repeat(Math.max(0, Number(requestBytes) - 2) / 2),
});

// Counts the native connects, so the test sees that bun did not fall back to node:net.
const bun = (globalThis as { Bun?: { connect: (...args: unknown[]) => unknown } }).Bun;
let bunConnects = 0;
if (bun) {
  const connect = bun.connect.bind(bun);
  bun.connect = (...args: unknown[]) => {
    bunConnects++;
    return connect(...args);
  };
}
const transport = () => (bunConnects > 0 ? 'Bun.connect' : 'node:net');

const t0 = performance.now();
try {
  const res = await unixPost(socketPath, {
    path: '/cni',
    contentType: 'application/json',
    body: body,
    timeoutMs: Number(timeoutMs),
  });
  console.log(
    JSON.stringify({
      status: res.status,
      body: res.body.toString('utf8'),
      ms: performance.now() - t0,
      transport: transport(),
    }),
  );
} catch (err) {
  if (!(err instanceof UnixPostError)) throw err;
  console.log(
    JSON.stringify({
      kind: err.kind,
      code: err.code,
      status: err.status,
      message: err.message,
      ms: performance.now() - t0,
      transport: transport(),
    }),
  );
}
