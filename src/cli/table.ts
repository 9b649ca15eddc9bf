// Tables for people (`-o table`): columns padded to their widest cell, two spaces apart, no trailing blanks.
import type { JsonObject } from '../cni/types.js';
import { SELECTION_FIELDS } from '../core/selection-fields.js';
import { escapeControls } from './terminal.js';

/**
 * A header row and its rows, aligned; a cell holding nothing is shown as `empty` (kubectl shows `<none>`). Cells come
 * from the cluster (a pod's own network-status, NAD names and configs): their control characters are shown escaped
 * (terminal.ts), so no cell can hide a row or rewrite the screen, nor hold a line break.
 */
export function formatTable(head: string[], rows: string[][], empty = ''): string {
  const cells = [
    head.map(escapeControls),
    ...rows.map((r) => head.map((_, i) => escapeControls(r[i] === undefined || r[i] === '' ? empty : r[i]!))),
  ];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${cells.map(line).join('\n')}\n`;
}

/** The plugins of an attachment's config, `bridge+tuning`; an attachment without one shows why in brackets. */
function pluginsOf(a: JsonObject): string {
  const conf = a.config as JsonObject | undefined;
  if (!conf) return a.unavailable ? '(unavailable)' : '(on the node)';
  return Array.isArray(conf.plugins) ? (conf.plugins as JsonObject[]).map((p) => p.type).join('+') : String(conf.type);
}

/** `braid explain`'s plan: one row per attachment. */
export function renderTable(plan: JsonObject): string {
  const rows = (plan.attachments as JsonObject[]).map((a) => {
    const conf = (a.config ?? {}) as JsonObject;
    const sel = (a.selection ?? {}) as JsonObject;
    const extras = SELECTION_FIELDS.filter((f) => f.key !== 'interface' && sel[f.key] !== undefined).map(
      (f) => `${f.key}=${JSON.stringify(sel[f.key])}`,
    );
    return [
      String(a.interface),
      String(a.name),
      a.default ? 'yes' : '',
      pluginsOf(a),
      String(conf.cniVersion ?? ''),
      extras.join(' '),
    ];
  });
  return formatTable(['INTERFACE', 'NETWORK', 'DEFAULT', 'PLUGINS', 'CNI', 'REQUESTS'], rows);
}
