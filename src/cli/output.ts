// `-o json|yaml|table`: one data value, printed as the caller asked. Tables are the commands' own.
import { stringify } from 'yaml';
import { escapeDocument } from './terminal.js';

export const OUTPUT_FORMATS = ['json', 'yaml', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `-o`'s value; `text` is the older spelling of `table`. */
export function outputFormat(value: string): OutputFormat {
  const v = value === 'text' ? 'table' : value;
  if ((OUTPUT_FORMATS as readonly string[]).includes(v)) return v as OutputFormat;
  throw new Error(`unknown output format "${value}": use one of ${OUTPUT_FORMATS.join(', ')}`);
}

/**
 * The value as JSON (indented, one trailing newline), YAML, or the command's table. JSON and YAML hold the data
 * exactly, with DEL and C1 control characters escaped as C0 ones already are (terminal.ts); a table escapes its cells.
 */
export function formatOutput(data: unknown, format: OutputFormat, table: () => string): string {
  switch (format) {
    case 'json':
      return escapeDocument(`${JSON.stringify(data, null, 2)}\n`);
    case 'yaml':
      return escapeDocument(stringify(data, { lineWidth: 0 }));
    case 'table':
      return table();
  }
}
