/**
 * The query of a `command:` link (a diagnostic's code link) whose arguments reach the command as
 * they are, whatever the names in them hold. No `vscode` import: unit-tested in plain Node.
 *
 * VS Code percent-decodes a command link's query once or twice before it reads it as JSON
 * (1.100: the opener's CommandOpener runs `JSON.parse(decodeURIComponent(uri.query))`, falling
 * back to `JSON.parse(uri.query)`; the Problems panel hands it the link as the string
 * `target.toString(true)`, which `URI.parse` percent-decodes first; an editor hover hands it the
 * URI). So a node named `conv%20x` arrived as `conv x`, `a%2Fb` as `a/b`, and a model URI with
 * `%20` in it as another path. The JSON written here holds no `%` at all (JSON.stringify puts `%`
 * only inside strings, where `\u0025` means the same), so each of those decodings leaves it as it
 * is, and `#`, `?`, `&`, quotes, spaces and non-ASCII survive as URI.toString encodes and
 * URI.parse decodes them. test/unit/diagnostics/commandLink.test.ts follows both paths.
 */
export function commandLinkQuery(args: readonly unknown[]): string {
  return JSON.stringify(args).replace(/%/g, '\\u0025');
}
