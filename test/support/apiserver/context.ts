// What the API and control handlers share, built once by the server entry point.
import type { Tokens } from './auth.js';
import type { Counters } from './counters.js';
import type { Faults, OutageMode } from './faults.js';
import type { Store } from './store.js';
import type { GoneAs, WatchHub } from './watch.js';

export interface Context {
  store: Store;
  watches: WatchHub;
  faults: Faults;
  counters: Counters;
  tokens: Tokens;
  /** The settings the server started with, which a control reset restores. */
  initial: { goneAs: GoneAs; historyLimit: number };
  /** host:port clients reach the API on, for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  /** Apply an outage mode to the listening socket (refuse / reset need the socket, not the request). */
  setOutage: (mode: OutageMode | null) => Promise<void>;
  /** API connections accepted since start. */
  connections: () => number;
  /** Close every API connection, open watches included, without an answer (a crash rather than a shutdown). */
  dropConnections: () => number;
}
