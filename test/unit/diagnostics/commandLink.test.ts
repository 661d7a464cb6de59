/**
 * A diagnostic's code link (`command:qdqStudio.revealFindingNode?<query>`) must bring the command
 * the model URI and node name it was made with, whatever the name holds. VS Code decodes the query
 * on its way to the command; the two paths below follow VS Code 1.100.3 (the version the
 * integration and e2e tests run), function by function:
 *
 * - the Problems panel (markersTreeViewer / markersTable) renders the link as
 *   `target.toString(true)` (encodeURIComponentMinimal: only `#` and `?` are encoded), the Link
 *   widget opens that string, and the CommandOpener `URI.parse`s it (percentDecode: every `%xx`
 *   run decoded) before reading `JSON.parse(decodeURIComponent(query))`, or `JSON.parse(query)`
 *   when that throws;
 * - an editor hover opens the URI object itself: the CommandOpener's decoding only;
 * - a URI sent whole (`toString()`, encodeURIComponentFast) and parsed back: the same as the hover.
 *
 * test/integration/suite/diagnostics.test.ts runs the same paths with the real URI class in VS Code
 * and checks the graph selects the node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLinkQuery } from '../../../src/diagnostics/commandLink';

/** VS Code's URI regexp (base/common/uri.ts); group 7 is the query. */
const URI_REGEX = /^(([^:/?#]+?):)?(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?/;

function decodeURIComponentGraceful(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.length > 3 ? s.substring(0, 3) + decodeURIComponentGraceful(s.substring(3)) : s;
  }
}

/** URI.parse's percentDecode. */
function percentDecode(s: string): string {
  const encoded = /(%[0-9A-Za-z][0-9A-Za-z])+/g;
  return s.match(encoded) ? s.replace(encoded, decodeURIComponentGraceful) : s;
}

/** encodeURIComponentMinimal: what `toString(true)` does to a query. */
function encodeMinimal(s: string): string {
  return s.replace(/[#?]/g, (c) => (c === '#' ? '%23' : '%3F'));
}

/** encodeURIComponentFast for a query: every character but the unreserved ones. */
function encodeFast(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._~]/gu, (c) => (c.length === 1 && "!'()*".includes(c) ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(c)));
}

/** The CommandOpener (platform/opener/browser/openerService.ts): the arguments it runs the command with. */
function openerArgs(query: string): unknown[] {
  let args: unknown = [];
  try {
    args = JSON.parse(decodeURIComponent(query));
  } catch {
    try {
      args = JSON.parse(query);
    } catch {
      // ignored, as VS Code does
    }
  }
  return Array.isArray(args) ? args : [args];
}

const parsedQuery = (href: string): string => percentDecode(URI_REGEX.exec(href)?.[7] ?? '');
const COMMAND = 'command:qdqStudio.revealFindingNode';
const paths: Record<string, (query: string) => unknown[]> = {
  'Problems panel (toString(true), URI.parse, opener)': (q) => openerArgs(parsedQuery(`${COMMAND}?${encodeMinimal(q)}`)),
  'editor hover (the URI, opener)': (q) => openerArgs(q),
  'whole URI (toString(), URI.parse, opener)': (q) => openerArgs(parsedQuery(`${COMMAND}?${encodeFast(q)}`)),
};

const ODD_NAMES = [
  '/model.0/conv%20x/Conv',
  'a%2Fb',
  '100%',
  '%',
  '%25',
  '%zz',
  '%E2%9C%93 done',
  '/model.2/ünïcödé/卷积/Conv 🙂',
  '"quoted" and \'single\'',
  'with  two spaces',
  'hash#tag',
  'what?now',
  'a&b=c',
  'back\\slash \\u0025',
  'plus+sign',
  '[brackets]{braces}',
];
const MODELS = ['file:///w/models/tiny.onnx', 'file:///w/models/scratch%20link%20%2541%20%C3%BC.onnx', 'vscode-remote://127.0.0.1%3A8080/w/a%23b.onnx'];

test('a code link brings the command its model URI and node name as they are, on every path VS Code decodes it by', () => {
  for (const model of MODELS) {
    for (const name of ODD_NAMES) {
      const query = commandLinkQuery([model, name]);
      assert.ok(!query.includes('%'), query);
      for (const [path, run] of Object.entries(paths)) assert.deepEqual(run(query), [model, name], `${path}: ${JSON.stringify(name)} in ${model}`);
    }
  }
});

test('the link as it was (the JSON as the query) reached the command with another name or model: the paths above are where', () => {
  const run = paths['Problems panel (toString(true), URI.parse, opener)']!;
  assert.deepEqual(run(JSON.stringify(['file:///m.onnx', '/model.0/conv%20x/Conv'])), ['file:///m.onnx', '/model.0/conv x/Conv']);
  assert.deepEqual(run(JSON.stringify(['file:///m.onnx', '%25'])), ['file:///m.onnx', '%']);
  assert.deepEqual(run(JSON.stringify([MODELS[1], 'x'])), ['file:///w/models/scratch link A ü.onnx', 'x']);
  assert.deepEqual(paths['editor hover (the URI, opener)']!(JSON.stringify(['file:///m.onnx', 'a%2Fb'])), ['file:///m.onnx', 'a/b']);
});
