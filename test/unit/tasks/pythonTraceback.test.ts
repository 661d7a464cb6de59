/**
 * `TracebackWatcher` (src/core/tasks/pythonTraceback.ts): the one summary line it gives after a
 * Python traceback, which the task terminal prints for the `$qdq-python-summary` problem matcher
 * (test/unit/tasks/problemMatchers.test.ts runs the matcher over it). Real CPython 3.11 output
 * (test/fixtures/python).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TracebackWatcher, summaryLine } from '../../../src/core/tasks/pythonTraceback';

const root = path.resolve(__dirname, '..', '..', '..');
const py = (f: string) => fs.readFileSync(path.join(root, 'test', 'fixtures', 'python', f), 'utf8');
const userDir = '/tmp/qdq py/yolov9-qat';

/** Each line of `text` with what the watcher gives after it: [line index, printed lines]. */
function printed(text: string): Array<[number, string[]]> {
  const w = new TracebackWatcher();
  return text
    .split('\n')
    .map((l, i): [number, string[]] => [i, w.line(l)])
    .filter(([, p]) => p.length > 0);
}

test('the summary line: "QDQ Studio: File "<file>", line <n>: <exception line>"', () => {
  assert.equal(summaryLine({ file: '/w/q at:1/qat.py', line: 212 }, "FileNotFoundError: [Errno 2] No such file or directory: 'x.pt'"), `QDQ Studio: File "/w/q at:1/qat.py", line 212: FileNotFoundError: [Errno 2] No such file or directory: 'x.pt'`);
});

test('raised in the user\'s file: one line after the exception line, at the frame that raised it', () => {
  const text = py('user.traceback.txt');
  const lines = text.split('\n');
  assert.deepEqual(printed(text), [[lines.indexOf('AssertionError: 0 names in the dataset yaml, but nc=80'), [`QDQ Studio: File "${userDir}/utils_q.py", line 3: AssertionError: 0 names in the dataset yaml, but nc=80`]]]);
});

test('raised in a library: one line after the exception line, at the last frame in the user\'s files, the first line of a multi-line message', () => {
  const text = py('library.traceback.txt');
  const at = text.split('\n').indexOf('yaml.parser.ParserError: while parsing a flow sequence');
  assert.deepEqual(printed(text), [[at, [`QDQ Studio: File "${userDir}/qat.py", line 7: yaml.parser.ParserError: while parsing a flow sequence`]]]);
  assert.deepEqual(printed(py('stdlib.traceback.txt')).map(([, p]) => p), [[`QDQ Studio: File "${userDir}/qat.py", line 15: json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 11 (char 10)`]]);
});

test('a chained exception: a line after each traceback, right after its exception line', () => {
  const text = py('chained.traceback.txt');
  const lines = text.split('\n');
  assert.deepEqual(printed(text), [
    [lines.indexOf("KeyError: 'weights'"), [`QDQ Studio: File "${userDir}/qat.py", line 18: KeyError: 'weights'`]],
    [lines.indexOf('RuntimeError: no weights in the checkpoint'), [`QDQ Studio: File "${userDir}/qat.py", line 20: RuntimeError: no weights in the checkpoint`]],
  ]);
  assert.ok(lines.includes('During handling of the above exception, another exception occurred:'));
});

test('a SyntaxError: in an imported module (inside a traceback) and in the script itself (no "Traceback" line)', () => {
  const dir = '/tmp/qdq runs:2/yolov9-qat';
  const imported = ['Traceback (most recent call last):', `  File "${dir}/qat.py", line 5, in run`, '    import broken', `  File "${dir}/broken.py", line 2`, '    x = (1,', '        ^', "SyntaxError: '(' was never closed"];
  assert.deepEqual(printed(imported.join('\n')), [[6, [`QDQ Studio: File "${dir}/broken.py", line 2: SyntaxError: '(' was never closed`]]]);
  const script = [`  File "${dir}/main_syntax.py", line 2`, '    if True', '           ^', "SyntaxError: expected ':'"];
  assert.deepEqual(printed(script.join('\n')), [[3, [`QDQ Studio: File "${dir}/main_syntax.py", line 2: SyntaxError: expected ':'`]]]);
});

test('KeyboardInterrupt, and a traceback with no frame in the user\'s files: nothing', () => {
  const kbd = ['Traceback (most recent call last):', '  File "/w/qat.py", line 7, in run', '    while True:', 'KeyboardInterrupt'];
  assert.deepEqual(printed(kbd.join('\n')), []);
  const noUser = ['Traceback (most recent call last):', '  File "<frozen runpy>", line 198, in _run_module_as_main', '  File "/usr/lib/python3/dist-packages/torch/distributed/run.py", line 806, in main', '    run(args)', 'ChildFailedError: qat.py FAILED'];
  assert.deepEqual(printed(noUser.join('\n')), []);
});
