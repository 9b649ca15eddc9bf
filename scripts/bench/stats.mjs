// Summary statistics and the few formatting helpers every table uses.

/** The q-quantile by linear interpolation between closest ranks (q in [0, 1]). */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const round1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

/** median, p90, p99 (ms, one decimal) and the sample count. */
export function summary(xs) {
  return {
    median: round1(quantile(xs, 0.5)),
    p90: round1(quantile(xs, 0.9)),
    p99: round1(quantile(xs, 0.99)),
    n: xs.length,
  };
}

export const ratio = (a, b) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 100) / 100 : null;

export const ms = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(1)}`);
export const times = (r) => (r === null || r === undefined ? '–' : `${r.toFixed(2)}x`);
export const mib = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(1)} MiB`);

/** A plain text table: the first row is the header; `align` has an l or r per column (default: l, then r). */
export function table(rows, align = '', indent = '  ') {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const left = (i) => (align[i] ?? (i === 0 ? 'l' : 'r')) === 'l';
  const line = (r) =>
    indent +
    widths
      .map((w, i) => (left(i) ? String(r[i] ?? '').padEnd(w) : String(r[i] ?? '').padStart(w)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
