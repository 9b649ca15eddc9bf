// Request counters ("VERB /path" → n) and a short log of recent requests, so tests can assert how many API calls an
// operation made and with which Content-Type. Watches are counted under the verb WATCH, never as GETs. Lists are also
// counted by the resourceVersion they asked for: 0 is served from the watch cache, none is a read from etcd.

export interface RequestRecord {
  verb: string;
  path: string;
  query: string;
  contentType?: string;
  userAgent?: string;
  /** The HTTP status answered; 0 when the connection was dropped without an answer, or while it is open. */
  code: number;
  /** Still in flight (an open watch, a held write): logged on arrival, so a test sees the watch it is waiting on. */
  open?: boolean;
}

/** LISTs of one path by what they asked for: resourceVersion=0, none (or empty), another one, or a continue token. */
export interface ListCounts {
  rv0: number;
  unset: number;
  specific: number;
  continued: number;
}

const logLimit = 1000;

function listKind(query: URLSearchParams): keyof ListCounts {
  if (query.get('continue')) return 'continued';
  const rv = query.get('resourceVersion');
  return rv === null || rv === '' ? 'unset' : rv === '0' ? 'rv0' : 'specific';
}

export class Counters {
  private counts = new Map<string, number>();
  private log: RequestRecord[] = [];
  private listCounts = new Map<string, ListCounts>();

  count(verb: string, path: string): void {
    const key = `${verb} ${path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  countList(path: string, query: URLSearchParams): void {
    let counts = this.listCounts.get(path);
    if (!counts) this.listCounts.set(path, (counts = { rv0: 0, unset: 0, specific: 0, continued: 0 }));
    counts[listKind(query)]++;
  }

  lists(): Record<string, ListCounts> {
    return Object.fromEntries(this.listCounts);
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
    this.listCounts = new Map();
  }
}
