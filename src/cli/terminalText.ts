/**
 * What `qdq` prints goes to a terminal, and model files are not trusted: a node named
 * `n\x1b]0;title\x07` would set the window title, `\x1b[2J` clear the screen, and a cursor-up with
 * an erase-line hide the lint errors printed above it. So every line is made inert before it is
 * written: C0 controls other than tab and newline, DEL, the C1 controls (U+0080-U+009F, U+009B being
 * a one-character CSI) and lone surrogates (a name that is not valid UTF-8, see the wire reader) are
 * written as `\uXXXX`. Inside JSON output that is the same escape JSON uses, so `--format json` and
 * SARIF still parse to the model's exact strings (JSON.stringify already escapes C0 and lone
 * surrogates; DEL and C1 it leaves raw).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function terminalSafe(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
