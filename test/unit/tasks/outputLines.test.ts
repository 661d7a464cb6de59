/**
 * `OutputLines`, which cuts a task's output into lines for the traceback watcher as chunks arrive
 * (src/tasks/processTerminal.ts): a progress bar redrawn with `\r` keeps the buffer bounded, and a
 * traceback that follows still reaches the watcher whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_PARTIAL_LINE, OutputLines, TracebackWatcher } from '../../../src/core/tasks/index';

const root = path.resolve(__dirname, '..', '..', '..');
const traceback = fs.readFileSync(path.join(root, 'test', 'fixtures', 'python', 'library.traceback.txt'), 'utf8');

/** A tqdm redraw: `\r` and the bar, no `\n`. */
function bar(i: number, n: number): string {
  const done = Math.round((20 * i) / n);
  return `\r${String(Math.round((100 * i) / n)).padStart(3)}%|${'█'.repeat(done)}${' '.repeat(20 - done)}| ${i}/${n} [00:01<00:02, 812.50it/s]`;
}

/** Feeds chunks through OutputLines into a TracebackWatcher; returns what the watcher printed and the largest buffer seen. */
function watch(chunks: Iterable<string>): { printed: string[]; lines: string[]; maxPending: number } {
  const split = new OutputLines();
  const watcher = new TracebackWatcher();
  const printed: string[] = [];
  const lines: string[] = [];
  let maxPending = 0;
  const feed = (line: string) => {
    lines.push(line);
    printed.push(...watcher.line(line));
  };
  for (const chunk of chunks) {
    for (const line of split.write(chunk)) feed(line);
    maxPending = Math.max(maxPending, split.pending);
  }
  for (const line of split.end()) feed(line);
  return { printed, lines, maxPending };
}

function* pieces(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

const expectedNote = ['QDQ Studio: File "/tmp/qdq py/yolov9-qat/qat.py", line 7: yaml.parser.ParserError: while parsing a flow sequence'];

test('a progress bar redrawn with \\r keeps the buffer to one line, and the traceback after it is still seen', () => {
  const n = 20_000;
  function* output(): Generator<string> {
    for (let i = 0; i <= n; i++) yield bar(i, n);
    yield '\n';
    yield* pieces(traceback, 7);
  }
  const { printed, lines, maxPending } = watch(output());
  // Never more than the longest line (a bar, or a traceback line), where splitting on \n alone holds every redraw.
  const longest = Math.max(bar(n, n).length, ...traceback.split('\n').map((l) => l.length));
  assert.ok(maxPending <= longest, `the buffer grew to ${maxPending} characters (longest line: ${longest})`);
  assert.equal(lines.filter((l) => l.includes('it/s]')).length, n + 1, 'each redraw is a line');
  assert.deepEqual(printed, expectedNote);
});

test('output with no line end at all keeps only the last MAX_PARTIAL_LINE characters', () => {
  const { lines, maxPending } = watch(Array.from({ length: 1000 }, () => 'x'.repeat(100)));
  assert.equal(maxPending, MAX_PARTIAL_LINE);
  assert.deepEqual(lines, ['x'.repeat(MAX_PARTIAL_LINE)]);
});

test('\\r\\n is one line end, also when a chunk ends between \\r and \\n', () => {
  const crlf = traceback.replace(/\n/g, '\r\n');
  // Every chunk boundary falls between a \r and its \n.
  const { printed, lines } = watch(crlf.split(/(?<=\r)/));
  assert.deepEqual(lines, traceback.replace(/\n$/, '').split('\n'));
  assert.deepEqual(printed, expectedNote);
  assert.deepEqual(watch(['a\r', 'b\r', '\r\n', 'c']).lines, ['a', 'b', '', 'c']);
});

test('end() gives the unfinished last line once', () => {
  const split = new OutputLines();
  assert.deepEqual(split.write('done\npartial'), ['done']);
  assert.deepEqual(split.end(), ['partial']);
  assert.deepEqual(split.end(), []);
  assert.deepEqual(new OutputLines().end(), []);
});
