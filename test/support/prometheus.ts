// Reading Prometheus text exposition in tests.

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * One spelling of a series whatever order its labels were written in: by name, with a histogram's `le` last (where
 * Prometheus' own Go client writes it; prom-client writes it first).
 */
function canonical(series: string): string {
  const i = series.indexOf('{');
  if (i < 0) return series;
  const labels = [...series.slice(i + 1, -1).matchAll(LABEL)].map((m) => [m[1]!, m[2]!] as const);
  labels.sort(([a], [b]) => (a === 'le' ? 1 : b === 'le' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return `${series.slice(0, i)}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/** Prometheus text exposition → `name{labels}` (labels by name, `le` last) → value (HELP/TYPE lines left out). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(canonical(line.slice(0, i)), Number(line.slice(i + 1)));
  }
  return out;
}
