// HTTP over a unix socket (the daemon's CNI socket, the stand-in's control socket): reachable from any netns.
import { request } from 'node:http';

export function unixRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: string,
  contentType?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> =
      body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) };
    if (contentType && body !== undefined) headers['Content-Type'] = contentType;
    const req = request({ socketPath, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
