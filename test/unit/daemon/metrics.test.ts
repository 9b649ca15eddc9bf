// Metrics: Prometheus text exposition format 0.0.4, through prom-client in a registry of the daemon's own.
import { BRAID_COMMIT_ID, BRAID_VERSION } from '../../../src/core/build-info.js';
import { Metrics } from '../../../src/daemon/metrics.js';
import { parseMetrics as samples } from '../../support/prometheus.js';

const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30'];

/** The lines of one metric family (HELP, TYPE and its samples), in order. */
const family = (text: string, name: string) =>
  text
    .split('\n')
    .filter(
      (l) =>
        l === `# HELP ${name}` ||
        l.startsWith(`# HELP ${name} `) ||
        l.startsWith(`# TYPE ${name} `) ||
        l.startsWith(`${name}{`) ||
        l.startsWith(`${name}_`) ||
        l.startsWith(`${name} `),
    );

describe('Metrics', () => {
  it('renders every family with HELP and TYPE even before anything is observed, and ends with a newline', async () => {
    const text = await new Metrics({ processMetrics: false }).render();
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE'))).toEqual([
      '# TYPE braid_requests_total counter',
      '# TYPE braid_request_duration_seconds histogram',
      '# TYPE braid_delegate_duration_seconds histogram',
      '# TYPE braid_errors_total counter',
      '# TYPE braid_status_writes_total counter',
      '# TYPE braid_api_errors_total counter',
      '# TYPE braid_watch_restarts_total counter',
      '# TYPE braid_relists_total counter',
      '# TYPE braid_event_send_failures_total counter',
      '# TYPE braid_del_without_record_total counter',
      '# TYPE braid_hotplug_total counter',
      '# TYPE braid_build_info gauge',
    ]);
    // Only the unlabelled counter and the build's info have a sample before anything happens.
    expect([...samples(text)]).toEqual([
      ['braid_del_without_record_total', 0],
      [`braid_build_info{commit="${BRAID_COMMIT_ID}",version="${BRAID_VERSION}"}`, 1],
    ]);
  });

  it('counts per label set, whatever the order the labels were given in', async () => {
    const m = new Metrics({ processMetrics: false });
    m.requests.inc({ command: 'ADD', result: 'success' });
    m.requests.inc({ result: 'success', command: 'ADD' });
    m.requests.inc({ command: 'ADD', result: 'error' }, 3);
    m.requests.inc({ command: 'DEL', result: 'success' });
    expect(family(await m.render(), 'braid_requests_total')).toEqual([
      '# HELP braid_requests_total CNI requests served, by command and result',
      '# TYPE braid_requests_total counter',
      'braid_requests_total{command="ADD",result="success"} 2',
      'braid_requests_total{command="ADD",result="error"} 3',
      'braid_requests_total{command="DEL",result="success"} 1',
    ]);
  });

  it.each<[string, number[], number[]]>([
    // observations, then the expected cumulative count for each bucket in LE
    ['one fast request', [0.003], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    ['on a bucket boundary (le is inclusive)', [0.1], [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]],
    ['spread out', [0.004, 0.02, 0.3, 0.3, 4], [1, 1, 2, 2, 2, 2, 4, 4, 4, 5, 5, 5]],
    ['slower than the last bucket', [0.5, 45], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]],
  ])('histogram %s: cumulative buckets, +Inf, _sum and _count', async (_, observed, cumulative) => {
    const m = new Metrics({ processMetrics: false });
    for (const s of observed) m.requestSeconds.observe({ command: 'ADD' }, s);
    const s = samples(await m.render());
    LE.forEach((le, i) =>
      expect(s.get(`braid_request_duration_seconds_bucket{command="ADD",le="${le}"}`)).toBe(cumulative[i]),
    );
    expect(s.get('braid_request_duration_seconds_bucket{command="ADD",le="+Inf"}')).toBe(observed.length);
    expect(s.get('braid_request_duration_seconds_sum{command="ADD"}')).toBeCloseTo(observed.reduce((a, b) => a + b, 0));
    expect(s.get('braid_request_duration_seconds_count{command="ADD"}')).toBe(observed.length);
    expect(family(await m.render(), 'braid_request_duration_seconds').slice(0, 2)).toEqual([
      '# HELP braid_request_duration_seconds CNI request latency, by command',
      '# TYPE braid_request_duration_seconds histogram',
    ]);
  });

  it('keeps one histogram series per label set (delegates by plugin and command)', async () => {
    const m = new Metrics({ processMetrics: false });
    m.delegateSeconds.observe({ plugin: 'bridge', command: 'ADD' }, 0.2);
    m.delegateSeconds.observe({ command: 'ADD', plugin: 'bridge' }, 0.2);
    m.delegateSeconds.observe({ plugin: 'macvlan', command: 'ADD' }, 2);
    const s = samples(await m.render());
    expect(s.get('braid_delegate_duration_seconds_count{command="ADD",plugin="bridge"}')).toBe(2);
    expect(s.get('braid_delegate_duration_seconds_sum{command="ADD",plugin="bridge"}')).toBeCloseTo(0.4);
    expect(s.get('braid_delegate_duration_seconds_bucket{command="ADD",plugin="bridge",le="0.25"}')).toBe(2);
    expect(s.get('braid_delegate_duration_seconds_bucket{command="ADD",plugin="macvlan",le="1"}')).toBe(0);
    expect(s.get('braid_delegate_duration_seconds_bucket{command="ADD",plugin="macvlan",le="2.5"}')).toBe(1);
    expect(s.get('braid_delegate_duration_seconds_count{command="ADD",plugin="macvlan"}')).toBe(1);
  });

  // Exposition format: in label values backslash, double quote and line feed are written \\, \" and \n.
  it.each([
    ['a"quoted"type', 'a\\"quoted\\"type'],
    ['back\\slash', 'back\\\\slash'],
    ['two\nlines', 'two\\nlines'],
    ['plain-type_1.0', 'plain-type_1.0'],
  ])('escapes the label value %j as %j', async (value, escaped) => {
    const m = new Metrics({ processMetrics: false });
    m.delegateSeconds.observe({ plugin: value, command: 'ADD' }, 1);
    m.requests.inc({ command: value });
    const text = await m.render();
    expect(text).toContain(`braid_delegate_duration_seconds_count{command="ADD",plugin="${escaped}"} 1\n`);
    expect(text).toContain(`braid_requests_total{command="${escaped}"} 1\n`);
    expect(text.split('\n').filter((l) => l.startsWith('braid_requests_total{'))).toHaveLength(1);
  });

  it('keeps values that differ only in characters that need escaping apart', async () => {
    const m = new Metrics({ processMetrics: false });
    m.requests.inc({ command: 'a"b' });
    m.requests.inc({ command: 'a_b' });
    expect(family(await m.render(), 'braid_requests_total').slice(2)).toEqual([
      'braid_requests_total{command="a\\"b"} 1',
      'braid_requests_total{command="a_b"} 1',
    ]);
  });

  it('adds the default process and Node.js metrics unless told not to', async () => {
    const s = samples(await new Metrics().render());
    expect(s.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(s.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(s.get('process_start_time_seconds')).toBeGreaterThan(1e9);
  });

  it('renders gauges from their read function at render time', async () => {
    const m = new Metrics({ processMetrics: false });
    let queued = 0;
    m.gauge('braid_requests_queued', 'CNI requests waiting for a slot', () => queued);
    m.gauge('braid_cached_nads', 'NADs cached', () => 10_000);
    expect(family(await m.render(), 'braid_requests_queued')).toEqual([
      '# HELP braid_requests_queued CNI requests waiting for a slot',
      '# TYPE braid_requests_queued gauge',
      'braid_requests_queued 0',
    ]);
    queued = 3;
    const s = samples(await m.render());
    expect(s.get('braid_requests_queued')).toBe(3);
    expect(s.get('braid_cached_nads')).toBe(10_000);
  });
});
