// Plain HTTP to the loopback servers the bench drives (the daemon's /metrics, the stand-in's control API): a fresh
// connection per request, because fetch's keep-alive can reuse a socket the server has just timed out and fail
// ("fetch failed"); a connection error is retried once.
import { request } from 'node:http';

function once(url, method, body) {
  return new Promise((resolve, reject) => {
    const headers =
      body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${url}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** { status, text }; `body` is sent as JSON. Rejects after a second connection error. */
export async function http(url, { method = 'GET', body } = {}) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  try {
    return await once(url, method, data);
  } catch {
    await new Promise((r) => setTimeout(r, 50));
    return once(url, method, data);
  }
}
