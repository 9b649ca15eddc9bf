#!/usr/bin/env node
// A plain-HTTP proxy on loopback in front of the API-server stand-in, for Multus only: client-go as Multus sets it
// up sends its writes (PUT pods/status, POST events) as Kubernetes protobuf, and the stand-in speaks JSON. Those two
// bodies are decoded (just the fields that matter) and sent on as JSON; everything else passes through as is, so
// the stand-in counts exactly the requests Multus makes. It adds the stand-in's token (BENCH_PROXY_TOKEN) to every
// request: client-go sent none over plain HTTP here. A separate process: the bench blocks in spawnSync.
//   BENCH_PROXY_TOKEN=T node pb-proxy.mjs UPSTREAM_URL CA_FILE CONTROL_URL   → prints {"event":"listening","url":…}
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Agent, request } from 'node:https';
import { http } from './http.mjs';

const [upstream, caFile, controlUrl] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, ca: readFileSync(caFile, 'utf8') });
const target = new URL(upstream);

/** Protobuf wire format: field number → list of values (varints as numbers, length-delimited as Buffers). */
function fields(buf) {
  const out = new Map();
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const [n, wire] = [Math.floor(key / 8), key % 8];
    let v;
    if (wire === 0) v = varint();
    else if (wire === 2) {
      const len = varint();
      v = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`protobuf wire type ${wire}`);
    if (v !== undefined) out.set(n, [...(out.get(n) ?? []), v]);
  }
  return out;
}
const str = (f, n) => f.get(n)?.[0]?.toString('utf8');
const time = (f, n) =>
  f.get(n) ? new Date((fields(f.get(n)[0]).get(1)?.[0] ?? 0) * 1000).toISOString().replace('.000Z', 'Z') : undefined;
const map = (f, n) =>
  Object.fromEntries((f.get(n) ?? []).map((e) => fields(e)).map((e) => [str(e, 1), str(e, 2) ?? '']));
const meta = (m) => ({
  name: str(m, 1),
  generateName: str(m, 2),
  namespace: str(m, 3),
  resourceVersion: str(m, 6),
  labels: map(m, 11),
  annotations: map(m, 12),
});

/** The object inside the "k8s\0" + runtime.Unknown envelope. */
const unwrap = (body) => fields(fields(body.subarray(4)).get(2)[0]);

async function podStatusJson(body, ns, name) {
  const m = meta(fields(unwrap(body).get(1)[0]));
  const { items } = JSON.parse((await http(`${controlUrl}/objects/pods?namespace=${encodeURIComponent(ns)}`)).text);
  const pod = items.find((p) => p.metadata.name === name) ?? {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
  };
  return { ...pod, metadata: { ...pod.metadata, annotations: m.annotations, resourceVersion: m.resourceVersion } };
}

function eventJson(body) {
  const e = unwrap(body);
  const m = meta(fields(e.get(1)[0]));
  const o = fields(e.get(2)[0]);
  const src = e.get(5) ? fields(e.get(5)[0]) : new Map();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: m.name, generateName: m.generateName, namespace: m.namespace },
    involvedObject: { kind: str(o, 1), namespace: str(o, 2), name: str(o, 3), uid: str(o, 4), apiVersion: str(o, 5) },
    reason: str(e, 3),
    message: str(e, 4),
    source: { component: str(src, 1), host: str(src, 2) },
    firstTimestamp: time(e, 6),
    lastTimestamp: time(e, 7),
    count: e.get(8)?.[0],
    type: str(e, 9),
  };
}

async function translate(req, body) {
  if (!String(req.headers['content-type'] ?? '').includes('protobuf') || body.length === 0) return body;
  const path = new URL(req.url, 'http://x').pathname;
  const pod = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/status$/.exec(path);
  if (req.method === 'PUT' && pod) return Buffer.from(JSON.stringify(await podStatusJson(body, pod[1], pod[2])));
  if (req.method === 'POST' && /\/events$/.test(path)) return Buffer.from(JSON.stringify(eventJson(body)));
  throw new Error(`no protobuf translation for ${req.method} ${path}`);
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body;
  try {
    body = await translate(req, Buffer.concat(chunks));
  } catch (err) {
    res.writeHead(415, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 415,
        message: `bench proxy: ${err.message}`,
      }),
    );
    return;
  }
  const headers = {
    ...req.headers,
    host: target.host,
    accept: 'application/json',
    'content-length': String(body.length),
    authorization: `Bearer ${process.env.BENCH_PROXY_TOKEN}`,
  };
  if (headers['content-type']?.includes('protobuf')) headers['content-type'] = 'application/json';
  const up = request(
    { agent, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    },
  );
  up.on('error', (err) => {
    res.writeHead(502, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 502, message: err.message }));
  });
  up.end(body);
});
server.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${server.address().port}` })),
);
process.stdin.on('end', () => process.exit(0)).resume(); // exits with the bench
