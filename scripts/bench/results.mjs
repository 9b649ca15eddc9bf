// bench/results/<date>.json (summaries only, small enough to commit) and <date>.svg beside it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { renderSvg } from './svg.mjs';

export function saveResults(root, opts, results) {
  const dir = isAbsolute(opts.out) ? opts.out : join(root, opts.out);
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${opts.name}.json`);
  const svg = join(dir, `${opts.name}.svg`);
  writeFileSync(json, `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(svg, renderSvg(results));
  console.log(`\nResults: ${relative(process.cwd(), json) || json}, chart: ${relative(process.cwd(), svg) || svg}`);
}
