// What the executable's HTTP client needs of a socket: dial, send, and report what comes back (bun-socket.ts,
// node-socket.ts).

/** What a transport reports as the socket's events come. */
export interface Peer {
  data(chunk: Buffer): void;
  /** The peer closed, or the socket did without an error. */
  end(): void;
  error(code: string, message: string): void;
}

/** Connects, sends `request` (all of it, without half-closing) and reports to `peer`; returns a function that closes at once. */
export type Dial = (socketPath: string, request: Buffer, peer: Peer) => () => void;
