// Text from the cluster on an operator's terminal. Pod authors write their own network-status annotation and NAD
// authors the names and configs braid shows, so a control character in either could clear the screen, move the cursor
// over a row or rewrite a line: every C0 and C1 control character and DEL is shown as an escape instead.

/** C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** DEL and C1 only: the ones JSON.stringify and yaml's double quotes leave as they are. */
const DEL_C1 = /[\u007f-\u009f]/g;

const SHORT: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` for a line of human-readable output: each control character as JSON writes it (`\t`, `\n`, `\r`, `\u001b`),
 * a newline included, so one value is never more than the line it is printed on.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => SHORT[c] ?? unicodeEscape(c));
}

/**
 * A JSON or YAML document as printed (`-o json|yaml`): DEL and C1, which JSON.stringify leaves raw and yaml leaves raw
 * inside the double quotes it puts around them, written as `\u009b`. The document reads back the same: in either, such
 * a character can only be inside a string (JSON) or a double-quoted scalar (yaml quotes every string that has one),
 * where `\uXXXX` is an escape of both.
 */
export function escapeDocument(text: string): string {
  return text.replace(DEL_C1, unicodeEscape);
}
