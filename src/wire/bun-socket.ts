// unix-post.ts's transport on Bun.connect, for the compiled executable: there node:net costs about 4 ms more per
// call than bun's own socket. Bun is not in @types/node: the few parts used are typed here.
import type { Peer } from './transport.js';

interface BunSocket {
  /** Bytes taken, maybe fewer than given: the rest waits for drain. */
  write(data: Uint8Array): number;
  terminate(): void;
}

interface BunSocketHandler {
  open(s: BunSocket): void;
  drain(s: BunSocket): void;
  data(s: BunSocket, chunk: Buffer): void;
  end(s: BunSocket): void;
  close(s: BunSocket, err?: Error): void;
  error(s: BunSocket, err: Error): void;
  connectError(s: BunSocket, err: Error): void;
}

interface BunRuntime {
  connect(options: { unix: string; socket: BunSocketHandler }): Promise<BunSocket>;
}

/** The native socket API when running in bun; undefined in Node. */
export const bunRuntime = (): BunRuntime | undefined => (globalThis as { Bun?: BunRuntime }).Bun;

const codeOf = (err: Error) => (err as NodeJS.ErrnoException).code ?? err.message;

/** Connects to `socketPath`, sends `request` and reports to `peer`; returns a function that closes at once. */
export function dialBun(bun: BunRuntime, socketPath: string, request: Buffer, peer: Peer): () => void {
  let socket: BunSocket | undefined;
  let closed = false;
  let unsent = request;
  // A request larger than the socket's buffer goes in parts, the rest on each drain. No half-close after it,
  // as with node:net.
  const send = (s: BunSocket) => {
    if (unsent.length) unsent = unsent.subarray(Math.max(0, s.write(unsent)));
  };
  const failed = (_s: BunSocket, err: Error) => peer.error(codeOf(err), err.message);
  const handler: BunSocketHandler = {
    open(s) {
      socket = s;
      if (closed) s.terminate();
      else send(s);
    },
    drain: send,
    data: (_s, chunk) => peer.data(chunk),
    end: () => peer.end(),
    close: (s, err) => (err ? failed(s, err) : peer.end()),
    error: failed,
    connectError: failed,
  };
  try {
    bun.connect({ unix: socketPath, socket: handler }).catch(() => {}); // connectError has reported it
  } catch (err) {
    // What it refuses (an empty path) throws at once; node:net fails on the socket instead: unreachable either way.
    peer.error(codeOf(err as Error), (err as Error).message);
  }
  return () => {
    closed = true;
    socket?.terminate();
  };
}
