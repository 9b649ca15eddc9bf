// Injected faults: added latency, the next N matching requests failing with a status code or losing their
// connection, a full outage (a hanging one included), and storage (etcd) down. Only API requests are affected; the
// control API always answers.

/** Which requests a fault applies to: verb (GET, LIST is GET, WATCH, PATCH, ...) and a substring of the path. */
export interface RequestMatch {
  verb?: string;
  path?: string;
}

export interface FailNext extends RequestMatch {
  count: number;
  /** HTTP status of the Status answered; 500 unless given. */
  code?: number;
  message?: string;
  /** A Retry-After header (seconds) on the answer, as an API server or the load balancer in front of it may send. */
  retryAfterSeconds?: number;
  /** Sent instead of a Status, as text/html (a load balancer's error page): the client gets no Status to read. */
  body?: string;
}

export interface DropNext extends RequestMatch {
  count: number;
}

/** The next N matching requests get 200 OK with a body that is not JSON (a broken proxy, a confused server). */
export interface GarbageNext extends RequestMatch {
  count: number;
}

/**
 * status: every API request answers 503 ServiceUnavailable.
 * reset:  every new connection is closed before TLS (ECONNRESET / socket hang up).
 * refuse: the API port stops listening (ECONNREFUSED); open connections are destroyed.
 * hang:   connections are accepted and every API request (watches included) is read and never answered, as from an
 *         overloaded API server or a stuck proxy in front of it; when the outage ends the held requests go through,
 *         except those whose client has gone away meanwhile (they are not made). Open watches stay open, silent.
 */
export type OutageMode = 'status' | 'reset' | 'refuse' | 'hang';

/**
 * Storage down, as a real API server shows it when etcd is: what its watch cache can answer is served (watches, and
 * a GET or LIST with a resourceVersion, "0" or any other), while writes and quorum reads (a GET or LIST without
 * resourceVersion, which must read etcd) are held and answered 504 Timeout after timeoutMs (default 10 s, the request
 * timeout observed). A request still held when storage comes back goes through; one whose client has gone away
 * meanwhile is not made. (A continued LIST page is served: the stand-in pages a resourceVersion=0 LIST, which a real
 * server would answer whole from its cache.)
 */
export interface StorageDown {
  timeoutMs?: number;
  /** Serve quorum reads anyway, as the stand-in once did: for a test about writes alone. */
  serveQuorumReads?: boolean;
}

export interface FaultSettings {
  latencyMs?: number;
  failNext?: FailNext | null;
  dropNext?: DropNext | null;
  garbageNext?: GarbageNext | null;
  outage?: OutageMode | null;
  storageDown?: StorageDown | null;
}

export const NO_FAULTS: Required<FaultSettings> = {
  latencyMs: 0,
  failNext: null,
  dropNext: null,
  garbageNext: null,
  outage: null,
  storageDown: null,
};

export type FaultAction =
  | { action: 'fail'; code: number; message: string; retryAfterSeconds?: number; body?: string }
  | { action: 'drop' }
  | { action: 'garbage' };

const matches = (m: RequestMatch, verb: string, path: string): boolean =>
  (m.verb === undefined || m.verb.toUpperCase() === verb) && (m.path === undefined || path.includes(m.path));

export class Faults {
  latencyMs = 0;
  failNext: FailNext | null = null;
  dropNext: DropNext | null = null;
  garbageNext: GarbageNext | null = null;
  outage: OutageMode | null = null;
  storageDown: StorageDown | null = null;
  /** Writes and quorum reads held while storage is down, woken when it comes back. */
  private readonly held = new Set<() => void>();
  /** Requests held by a hang outage, woken when it ends. */
  private readonly hung = new Set<() => void>();

  /** Change the given settings only; null clears one. */
  set(settings: FaultSettings): void {
    if (settings.storageDown !== undefined) this.storageDown = settings.storageDown && { ...settings.storageDown };
    if (!this.storageDown) for (const wake of [...this.held]) wake();
    if (settings.latencyMs !== undefined) this.latencyMs = Math.max(0, Number(settings.latencyMs) || 0);
    if (settings.failNext !== undefined) this.failNext = settings.failNext && { ...settings.failNext };
    if (settings.dropNext !== undefined) this.dropNext = settings.dropNext && { ...settings.dropNext };
    if (settings.garbageNext !== undefined) this.garbageNext = settings.garbageNext && { ...settings.garbageNext };
    if (settings.outage !== undefined) this.outage = settings.outage;
    if (this.outage !== 'hang') for (const wake of [...this.hung]) wake();
  }

  clear(): void {
    this.set(NO_FAULTS);
  }

  snapshot(): Required<FaultSettings> {
    return {
      latencyMs: this.latencyMs,
      failNext: this.failNext,
      dropNext: this.dropNext,
      garbageNext: this.garbageNext,
      outage: this.outage,
      storageDown: this.storageDown,
    };
  }

  /** A write or quorum read while storage is down waits: true when storage came back in time, false on timeout. */
  waitForStorage(): Promise<boolean> {
    const down = this.storageDown;
    if (!down) return Promise.resolve(true);
    return new Promise((resolve) => {
      const end = (back: boolean) => {
        clearTimeout(timer);
        this.held.delete(wake);
        resolve(back);
      };
      const wake = () => end(true);
      const timer = setTimeout(() => end(false), down.timeoutMs ?? 10_000);
      this.held.add(wake);
    });
  }

  /** A request during a hang outage waits, unanswered, until the outage ends. */
  untilHangEnds(): Promise<void> {
    if (this.outage !== 'hang') return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.hung.delete(wake);
        resolve();
      };
      this.hung.add(wake);
    });
  }

  /** What to do with one API request; consumes one count of a matching fail/drop fault. */
  decide(verb: string, path: string): FaultAction | undefined {
    if (this.outage === 'status')
      return { action: 'fail', code: 503, message: 'the API server is unavailable (injected outage)' };
    if (this.dropNext && this.dropNext.count > 0 && matches(this.dropNext, verb, path)) {
      if (--this.dropNext.count === 0) this.dropNext = null;
      return { action: 'drop' };
    }
    if (this.garbageNext && this.garbageNext.count > 0 && matches(this.garbageNext, verb, path)) {
      if (--this.garbageNext.count === 0) this.garbageNext = null;
      return { action: 'garbage' };
    }
    const fail = this.failNext;
    if (fail && fail.count > 0 && matches(fail, verb, path)) {
      if (--fail.count === 0) this.failNext = null;
      return {
        action: 'fail',
        code: fail.code ?? 500,
        message: fail.message ?? `injected failure (${fail.code ?? 500})`,
        ...(fail.retryAfterSeconds !== undefined ? { retryAfterSeconds: fail.retryAfterSeconds } : {}),
        ...(fail.body !== undefined ? { body: fail.body } : {}),
      };
    }
    return undefined;
  }
}
