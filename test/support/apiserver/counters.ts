// Request counters ("VERB /path" → n) and a short log of recent requests, so tests can assert how many API calls an
// operation made and with which Content-Type. Watches are counted under the verb WATCH, never as GETs.

export interface RequestRecord {
  verb: string;
  path: string;
  query: string;
  contentType?: string;
  userAgent?: string;
  /** The HTTP status answered; 0 when the connection was dropped without an answer. */
  code: number;
}

const logLimit = 1000;

export class Counters {
  private counts = new Map<string, number>();
  private log: RequestRecord[] = [];

  count(verb: string, path: string): void {
    const key = `${verb} ${path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  record(entry: RequestRecord): void {
    this.log.push(entry);
    if (this.log.length > logLimit * 2) this.log = this.log.slice(-logLimit);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  requests(): RequestRecord[] {
    return this.log.slice(-logLimit);
  }

  reset(): void {
    this.counts = new Map();
    this.log = [];
  }
}
