// The API's listening socket and its connections, for the outages that happen below HTTP:
// refusing connections (the port is closed) and resetting them (accepted, then closed before TLS).
import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import type { OutageMode } from './faults.js';

export class ApiListener {
  private readonly sockets = new Set<Socket>();
  private resetting = false;
  private port = 0;
  /** Connections accepted since start: shows whether a client reuses connections (keep-alive) or not. */
  accepted = 0;

  constructor(
    private readonly server: Server,
    private readonly host: string,
  ) {
    server.on('connection', (socket: Socket) => {
      if (this.resetting) {
        socket.destroy();
        return;
      }
      this.accepted++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get boundPort(): number {
    return this.port;
  }

  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    return this.port;
  }

  /** Destroy every open connection; returns how many there were. */
  destroyAll(): number {
    const n = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return n;
  }

  /** Enter or leave an outage below HTTP; `status` outages are answered per request and need nothing here. */
  async setOutage(mode: OutageMode | null): Promise<void> {
    this.resetting = mode === 'reset';
    if (mode === 'refuse' && this.server.listening) {
      this.server.close();
      this.destroyAll();
    } else if (mode !== 'refuse' && !this.server.listening) {
      // The same port again, so the clients' kubeconfig stays valid after the outage.
      await this.listen(this.port);
    }
    if (mode === 'reset') this.destroyAll();
  }
}
