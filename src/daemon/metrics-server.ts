// /healthz, /readyz and Prometheus /metrics over HTTP on metricsAddress ("host:port"; an IPv6 host in brackets;
// ":port" listens on every address, IPv6 and IPv4, as Go's ":port" does, which is what Multus' metricsPort gives).
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export interface Probes {
  healthy: () => boolean;
  ready: () => { ok: boolean; reason?: string };
}

export async function listenForMetrics(address: string, metrics: Metrics, probes: Probes): Promise<Server> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(i + 1));
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.render().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(`cannot collect metrics: ${err.message}`),
      );
      return;
    }
    if (req.url === '/healthz') {
      const ok = probes.healthy();
      res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'unhealthy');
      return;
    }
    if (req.url === '/readyz') {
      const r = probes.ready();
      res.writeHead(r.ok ? 200 : 503).end(r.ok ? 'ok' : `not ready: ${r.reason ?? ''}`);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(host ? { port, host } : { port }, () => resolve());
  });
  return server;
}
