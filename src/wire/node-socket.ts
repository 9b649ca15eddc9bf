// unix-post.ts's transport on node:net: what Node (bin/braid, the tests) uses.
import { connect } from 'node:net';
import type { Peer } from './transport.js';

/** Connects to `socketPath`, sends `request` and reports to `peer`; returns a function that closes at once. */
export function dialNode(socketPath: string, request: Buffer, peer: Peer): () => void {
  const socket = connect({ path: socketPath });
  // Not end(): node:http's server drops a request whose client half-closes before the reply is written.
  socket.write(request);
  socket.on('data', (chunk: Buffer) => peer.data(chunk));
  socket.on('end', () => peer.end());
  socket.on('close', () => peer.end()); // a close with neither 'end' nor 'error' before it is judged like an end
  socket.on('error', (err: NodeJS.ErrnoException) => peer.error(err.code ?? err.message, err.message));
  return () => socket.destroy();
}
