// Injected faults: added latency, the next N matching requests failing with a status code or losing their
// connection, and a full outage. Only API requests are affected; the control API always answers.

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
 */
export type OutageMode = 'status' | 'reset' | 'refuse';

export interface FaultSettings {
  latencyMs?: number;
  failNext?: FailNext | null;
  dropNext?: DropNext | null;
  garbageNext?: GarbageNext | null;
  outage?: OutageMode | null;
}

export type FaultAction = { action: 'fail'; code: number; message: string } | { action: 'drop' } | { action: 'garbage' };

const matches = (m: RequestMatch, verb: string, path: string): boolean =>
  (m.verb === undefined || m.verb.toUpperCase() === verb) && (m.path === undefined || path.includes(m.path));

export class Faults {
  latencyMs = 0;
  failNext: FailNext | null = null;
  dropNext: DropNext | null = null;
  garbageNext: GarbageNext | null = null;
  outage: OutageMode | null = null;

  /** Change the given settings only; null clears one. */
  set(settings: FaultSettings): void {
    if (settings.latencyMs !== undefined) this.latencyMs = Math.max(0, Number(settings.latencyMs) || 0);
    if (settings.failNext !== undefined) this.failNext = settings.failNext && { ...settings.failNext };
    if (settings.dropNext !== undefined) this.dropNext = settings.dropNext && { ...settings.dropNext };
    if (settings.garbageNext !== undefined) this.garbageNext = settings.garbageNext && { ...settings.garbageNext };
    if (settings.outage !== undefined) this.outage = settings.outage;
  }

  clear(): void {
    this.set({ latencyMs: 0, failNext: null, dropNext: null, garbageNext: null, outage: null });
  }

  snapshot(): Required<FaultSettings> {
    return { latencyMs: this.latencyMs, failNext: this.failNext, dropNext: this.dropNext, garbageNext: this.garbageNext, outage: this.outage };
  }

  /** What to do with one API request; consumes one count of a matching fail/drop fault. */
  decide(verb: string, path: string): FaultAction | undefined {
    if (this.outage === 'status') return { action: 'fail', code: 503, message: 'the API server is unavailable (injected outage)' };
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
      return { action: 'fail', code: fail.code ?? 500, message: fail.message ?? `injected failure (${fail.code ?? 500})` };
    }
    return undefined;
  }
}
