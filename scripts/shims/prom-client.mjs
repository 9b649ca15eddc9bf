// Build-time stand-in for prom-client's entry point in the daemon bundle: only the parts src/daemon/metrics.ts uses
// (Registry, Counter, Gauge, Histogram and the default metrics). The entry point also loads the Pushgateway, the
// cluster aggregator and Summary with its t-digest, which the daemon never uses and which cost its RSS budget
// (docs/metrics.md, "Memory"). Relative paths: the bundle's alias of prom-client would rewrite its own subpaths.
import Counter from '../../node_modules/prom-client/lib/counter.js';
import collectDefaultMetrics from '../../node_modules/prom-client/lib/defaultMetrics.js';
import Gauge from '../../node_modules/prom-client/lib/gauge.js';
import Histogram from '../../node_modules/prom-client/lib/histogram.js';
import Registry from '../../node_modules/prom-client/lib/registry.js';

export { collectDefaultMetrics, Counter, Gauge, Histogram, Registry };
