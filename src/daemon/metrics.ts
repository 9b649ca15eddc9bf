// Prometheus text exposition, written by hand: request counts and latency histograms per command and
// per delegate (Multus has counters only).
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;
// Label values escape backslash, double quote and line feed as \\, \" and \n (text exposition format 0.0.4).
const escape = (v: string) => v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
const key = (l: Labels) =>
  Object.entries(l)
    .sort()
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(',');

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  observe(labels: Labels, seconds: number): void {
    const k = key(labels);
    const s = this.series.get(k) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) s.counts[i]!++;
    });
    s.sum += seconds;
    s.count++;
    this.series.set(k, s);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      BUCKETS.forEach((b, i) => lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(
        `${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`,
        `${this.name}_sum{${k}} ${s.sum}`,
        `${this.name}_count{${k}} ${s.count}`,
      );
    }
    return lines.join('\n');
  }
}

class Counter {
  private readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels, by = 1): void {
    const k = key(labels);
    this.series.set(k, (this.series.get(k) ?? 0) + by);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.series) lines.push(`${this.name}{${k}} ${v}`);
    return lines.join('\n');
  }
}

export class Metrics {
  readonly requests = new Counter('braid_requests_total', 'CNI requests served, by command and result');
  readonly requestSeconds = new Histogram('braid_request_duration_seconds', 'CNI request latency, by command');
  readonly delegateSeconds = new Histogram(
    'braid_delegate_duration_seconds',
    'Delegate plugin latency, by plugin type and command',
  );
  readonly statusWrites = new Counter('braid_status_writes_total', 'network-status writes, by result');
  private gauges: Array<() => string> = [];

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.push(() => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${read()}`);
  }

  render(): string {
    return `${[this.requests, this.requestSeconds, this.delegateSeconds, this.statusWrites]
      .map((m) => m.render())
      .concat(this.gauges.map((g) => g()))
      .join('\n')}\n`;
  }
}
