// Prometheus metrics through prom-client, in a registry of the daemon's own: braid's request, delegate, API, watch
// and Event counters, gauges read at scrape time, braid_build_info, and prom-client's default process and Node.js
// metrics (process_resident_memory_bytes, nodejs_heap_*, process_start_time_seconds, …). docs/metrics.md lists them.
import {
  collectDefaultMetrics,
  Counter as PromCounter,
  Gauge,
  Histogram as PromHistogram,
  Registry,
  type LabelValues,
} from 'prom-client';
import { BRAID_COMMIT_ID, BRAID_VERSION } from '../core/build-info.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels<L extends string> = Partial<Record<L, string>>;

/** Labels in name order, whatever order they were given in: one spelling of each series in the exposition. */
function sorted<L extends string>(labels: Labels<L>): LabelValues<L> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))) as LabelValues<L>;
}

class Counter<L extends string = never> {
  private readonly m: PromCounter<L>;
  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[] = []) {
    this.m = new PromCounter({ name, help, labelNames, registers: [registry] });
  }

  inc(labels: Labels<L> = {}, by = 1): void {
    this.m.inc(sorted(labels), by);
  }
}

class Histogram<L extends string> {
  private readonly m: PromHistogram<L>;
  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    this.m = new PromHistogram({ name, help, labelNames, buckets: BUCKETS, registers: [registry] });
  }

  observe(labels: Labels<L>, seconds: number): void {
    this.m.observe(sorted(labels), seconds);
  }
}

export interface MetricsOptions {
  /** prom-client's default process and Node.js metrics; on unless false (the unit tests leave them out). */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter(this.registry, 'braid_requests_total', 'CNI requests served, by command and result', [
    'command',
    'result',
  ]);
  readonly requestSeconds = new Histogram(
    this.registry,
    'braid_request_duration_seconds',
    'CNI request latency, by command',
    ['command'],
  );
  readonly delegateSeconds = new Histogram(
    this.registry,
    'braid_delegate_duration_seconds',
    'Delegate plugin latency, by plugin type and command',
    ['plugin', 'command'],
  );
  /** CNI requests that failed, by command and CNI error code. */
  readonly errors = new Counter(
    this.registry,
    'braid_errors_total',
    'CNI requests that failed, by command and CNI error code',
    ['command', 'code'],
  );
  readonly statusWrites = new Counter(
    this.registry,
    'braid_status_writes_total',
    'network-status writes, by op and result',
    ['op', 'result'],
  );
  readonly apiErrors = new Counter(
    this.registry,
    'braid_api_errors_total',
    'API server requests that failed, by HTTP status ("none": no answer)',
    ['status'],
  );
  readonly watchRestarts = new Counter(
    this.registry,
    'braid_watch_restarts_total',
    'watches started again after one ended, by resource and how it ended',
    ['resource', 'end'],
  );
  readonly relists = new Counter(
    this.registry,
    'braid_relists_total',
    'lists made again after the first (a watch answered 410 Gone), by resource',
    ['resource'],
  );
  readonly eventFailures = new Counter(
    this.registry,
    'braid_event_send_failures_total',
    'Kubernetes Events given up without being sent, by Event reason',
    ['reason'],
  );
  readonly delWithoutRecord = new Counter(
    this.registry,
    'braid_del_without_record_total',
    'DELs that found no plan, Multus record or result cache entry (the configured networks were deleted instead)',
  );
  /** Issue 13's dynamic networks: hot-plug requests, by result. */
  readonly hotplug = new Counter(this.registry, 'braid_hotplug_total', 'network hot-plug operations, by result', [
    'result',
  ]);

  constructor(opts: MetricsOptions = {}) {
    const info = new Gauge({
      name: 'braid_build_info',
      help: 'the braid build: always 1, with its version and commit as labels',
      labelNames: ['version', 'commit'],
      registers: [this.registry],
    });
    info.set({ version: BRAID_VERSION, commit: BRAID_COMMIT_ID }, 1);
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge read from `read` at every scrape. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition (format 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
