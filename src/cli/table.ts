// `--output text`: the plan as a table for people.
import type { JsonObject } from '../cni/types.js';
import { SELECTION_FIELDS } from '../core/selection-fields.js';

export function renderTable(plan: JsonObject): string {
  const rows = (plan.attachments as JsonObject[]).map((a) => {
    const conf = a.config as JsonObject;
    const plugins = Array.isArray(conf.plugins)
      ? (conf.plugins as JsonObject[]).map((p) => p.type).join('+')
      : String(conf.type);
    const sel = (a.selection ?? {}) as JsonObject;
    const extras = SELECTION_FIELDS.filter((f) => f.key !== 'interface' && sel[f.key] !== undefined).map(
      (f) => `${f.key}=${JSON.stringify(sel[f.key])}`,
    );
    return [
      String(a.interface),
      String(a.name),
      a.default ? 'yes' : '',
      plugins,
      String(conf.cniVersion ?? ''),
      extras.join(' '),
    ];
  });
  const head = ['INTERFACE', 'NETWORK', 'DEFAULT', 'PLUGINS', 'CNI', 'REQUESTS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n`;
}
