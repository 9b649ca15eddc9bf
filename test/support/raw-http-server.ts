// A raw HTTP server on a unix socket for the executable's hand-written client: it reads each whole request (head +
// Content-Length bytes) and hands the socket to `answer`, which writes whatever the test needs, well-formed or not.
import { createServer, type Socket } from 'node:net';

export interface ReceivedRequest {
  head: string;
  body: Buffer;
}

export interface RawServer {
  path: string;
  /** Every request read, in order. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function rawHttpServer(
  path: string,
  answer: (s: Socket, req: ReceivedRequest) => unknown,
): Promise<RawServer> {
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      s.off('data', onData);
      const req = { head, body: buf.subarray(end + 4, end + 4 + length) };
      received.push(req);
      void answer(s, req);
    };
    s.on('data', onData);
  });
  await new Promise<void>((done) => server.listen(path, done));
  return {
    path,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
