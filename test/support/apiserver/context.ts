// What the API and control handlers share, built once by the server entry point.
import type { Tokens } from './auth.js';
import type { Authorizer } from './authz.js';
import type { Counters } from './counters.js';
import type { Faults, OutageMode } from './faults.js';
import type { Store } from './store.js';
import type { GoneAs, WatchHub } from './watch.js';

/** What PUT /config changes and a control reset restores. */
export interface Settings {
  goneAs: GoneAs;
  historyLimit: number;
  /** The 403 window a restart starts when it does not name one. */
  rbacWarmupMs: number;
  /** How often watches that take bookmarks get one; 0: only when asked. */
  bookmarkIntervalMs: number;
  /** Watches without timeoutSeconds end after this times a random 1 to 2. */
  minRequestTimeoutMs: number;
}

export interface Context {
  store: Store;
  watches: WatchHub;
  faults: Faults;
  counters: Counters;
  tokens: Tokens;
  authz: Authorizer;
  /** The settings the server started with, which a control reset restores. */
  initial: Settings;
  /** host:port clients reach the API on, for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  /** Apply an outage mode to the listening socket (refuse / reset need the socket, not the request). */
  setOutage: (mode: OutageMode | null) => Promise<void>;
  /** API connections accepted since start. */
  connections: () => number;
  /** Close every API connection, open watches included, without an answer (a crash rather than a shutdown). */
  dropConnections: () => number;
}
