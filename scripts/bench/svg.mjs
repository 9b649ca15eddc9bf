// A small SVG chart, written by hand: left, the ADD+DEL cycle of each scenario (its median split by the ADD and
// DEL medians, a whisker to the cycle's p90); right, the cycle by number of networks for the floor and daemon mode.
import { MAIN_KEYS } from './latency.mjs';
import { NETWORK_COUNTS, SCALE_MODES } from './scaling.mjs';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const text = (x, y, s, attrs = '') => `<text x="${x}" y="${y}" ${attrs}>${esc(s)}</text>`;
const COLORS = {
  add: '#4e79a7',
  del: '#a0cbe8',
  floor: '#7f7f7f',
  'daemon-parallel': '#4e79a7',
  'daemon-sequential': '#f28e2b',
};
/** An axis maximum of 4 round steps (1, 1.5, 2, 2.5, 3, 4, 5 or 7.5 × 10^k), at least v. */
const niceMax = (v) => {
  const mag = 10 ** Math.floor(Math.log10(Math.max(v, 1) / 4));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10].map((m) => m * mag).find((st) => st * 4 >= v);
  return step * 4;
};
const SHORT = {
  floor: 'floor: plugins called directly',
  'floor-parallel': 'plugins directly, all at once',
  'local-parallel': 'local, parallel',
  'local-sequential': 'local, sequential',
  'daemon-parallel': 'daemon, parallel',
  'daemon-sequential': 'daemon, sequential',
  'daemon-nohelper-parallel': 'daemon, no spawn helper, parallel',
  'daemon-hostroot-parallel': 'daemon, hostRoot, parallel',
  'daemon-hostroot-sequential': 'daemon, hostRoot, sequential',
  'thin-parallel': 'thin, parallel',
  'thin-sequential': 'thin, sequential',
  'multus-thin': 'Multus thin',
};

function scenarioPanel(r, x0, y0, w) {
  const rows = MAIN_KEYS.filter((k) => r.latency[k]?.cycle?.n);
  const max = niceMax(Math.max(...rows.map((k) => r.latency[k].cycle.p90)));
  const labelW = 190;
  const barW = w - labelW - 90;
  const sx = (v) => x0 + labelW + (v / max) * barW;
  const rowH = 30;
  const out = [text(x0, y0, '3-network pod: ADD+DEL cycle (median ms), p90 whisker, ratio to floor', 'class="t"')];
  const top = y0 + 20;
  for (let t = 0; t <= 4; t++) {
    const v = (max / 4) * t;
    out.push(
      `<line x1="${sx(v)}" y1="${top}" x2="${sx(v)}" y2="${top + rows.length * rowH}" class="grid"/>`,
      text(sx(v), top + rows.length * rowH + 14, Math.round(v), 'class="ax" text-anchor="middle"'),
    );
  }
  rows.forEach((k, i) => {
    const s = r.latency[k];
    const y = top + i * rowH + 6;
    // The bar is the cycle median, split in the proportion of the ADD and DEL medians.
    const a = (s.cycle.median * s.add.median) / (s.add.median + s.del.median);
    const d = s.cycle.median - a;
    out.push(text(x0 + labelW - 8, y + 13, SHORT[k], 'class="l" text-anchor="end"'));
    out.push(`<rect x="${sx(0)}" y="${y}" width="${sx(a) - sx(0)}" height="18" fill="${COLORS.add}"/>`);
    out.push(`<rect x="${sx(a)}" y="${y}" width="${sx(a + d) - sx(a)}" height="18" fill="${COLORS.del}"/>`);
    out.push(
      `<line x1="${sx(s.cycle.median)}" y1="${y + 9}" x2="${sx(s.cycle.p90)}" y2="${y + 9}" class="wh"/><line x1="${sx(s.cycle.p90)}" y1="${y + 4}" x2="${sx(s.cycle.p90)}" y2="${y + 14}" class="wh"/>`,
    );
    const ratio = k === 'floor' ? 'floor' : s.vsFloor?.cycle != null ? `${s.vsFloor.cycle.toFixed(2)}x` : '';
    out.push(text(sx(s.cycle.p90) + 6, y + 13, `${Math.round(s.cycle.median)} ms  ${ratio}`, 'class="v"'));
  });
  const ly = top + rows.length * rowH + 30;
  out.push(
    `<rect x="${x0 + labelW}" y="${ly - 9}" width="10" height="10" fill="${COLORS.add}"/>`,
    text(x0 + labelW + 14, ly, 'ADD', 'class="l"'),
  );
  out.push(
    `<rect x="${x0 + labelW + 60}" y="${ly - 9}" width="10" height="10" fill="${COLORS.del}"/>`,
    text(x0 + labelW + 74, ly, 'DEL', 'class="l"'),
  );
  return { svg: out.join('\n'), height: ly - y0 + 10 };
}

function scalingPanel(r, x0, y0, w, h) {
  const modes = SCALE_MODES.filter((m) => NETWORK_COUNTS.some((n) => r.scaling[m]?.[n]?.cycle?.n));
  const vals = modes.flatMap((m) => NETWORK_COUNTS.map((n) => r.scaling[m][n]?.cycle?.median).filter(Number.isFinite));
  const max = niceMax(Math.max(1, ...vals));
  const left = x0 + 40;
  const top = y0 + 20;
  const plotW = w - 60;
  const plotH = h - 70;
  const sx = (i) => left + (i / (NETWORK_COUNTS.length - 1)) * plotW;
  const sy = (v) => top + plotH - (v / max) * plotH;
  const out = [text(x0, y0, 'Cycle by number of networks (median ms)', 'class="t"')];
  for (let t = 0; t <= 4; t++)
    out.push(
      `<line x1="${left}" y1="${sy((max / 4) * t)}" x2="${left + plotW}" y2="${sy((max / 4) * t)}" class="grid"/>`,
      text(left - 6, sy((max / 4) * t) + 4, Math.round((max / 4) * t), 'class="ax" text-anchor="end"'),
    );
  NETWORK_COUNTS.forEach((n, i) => out.push(text(sx(i), top + plotH + 16, n, 'class="ax" text-anchor="middle"')));
  out.push(text(left + plotW / 2, top + plotH + 32, 'networks', 'class="ax" text-anchor="middle"'));
  modes.forEach((m, j) => {
    const pts = NETWORK_COUNTS.map((n, i) => [i, r.scaling[m][n]?.cycle?.median]).filter(([, v]) => Number.isFinite(v));
    out.push(
      `<polyline fill="none" stroke="${COLORS[m]}" stroke-width="2" points="${pts.map(([i, v]) => `${sx(i).toFixed(1)},${sy(v).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [i, v] of pts)
      out.push(`<circle cx="${sx(i).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="3" fill="${COLORS[m]}"/>`);
    const ly = top + plotH + 52;
    const lx = left - 30 + [0, 60, 180][j];
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[m]}"/>`,
      text(lx + 14, ly, m === 'floor' ? 'floor' : m.replace('-', ', '), 'class="l"'),
    );
  });
  return out.join('\n');
}

export function renderSvg(r) {
  const W = 1040;
  const left = scenarioPanel(r, 20, 30, 600);
  const H = Math.max(left.height + 60, 380);
  const foot = `${r.date}${r.quick ? ' (quick)' : ''} · braid ${r.braid} · ${r.machine.cpus} cores · node ${r.machine.node} · ${r.settings.rounds} rounds · floor = the same plugins called directly`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">
<style>.t{font-size:13px;font-weight:bold;fill:#222}.l{font-size:11px;fill:#333}.v{font-size:11px;fill:#222}.ax{font-size:10px;fill:#666}.grid{stroke:#e4e4e4}.wh{stroke:#222;stroke-width:1}</style>
<rect width="100%" height="100%" fill="#fff"/>
${left.svg}
${scalingPanel(r, 660, 30, 360, H - 60)}
${text(20, H - 10, foot, 'class="ax"')}
</svg>
`;
}
