/**
 * The problem matchers package.json contributes (`$qdq-python`, `$qdq-trtexec`), run over real
 * output the way VS Code runs them: a buffer of the last N lines (N = the longest pattern), every
 * pattern of a multi-line matcher on consecutive lines, a marker only with a file, a message and a
 * line (or `kind: file`), the buffer cleared after a match (VS Code's problemMatcher.ts,
 * AbstractProblemCollector / MultiLineMatcher). Python output goes through the task terminal's
 * `TracebackWatcher` first, as in the task, which prints the last frame in the user's files after
 * a traceback raised in library code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TracebackWatcher, isLibraryFile } from '../../../src/core/tasks/index';

const root = path.resolve(__dirname, '..', '..', '..');
const pythonFixtures = path.join(root, 'test', 'fixtures', 'python');
const sharedTrtexec = path.join(root, '..', 'shared', 'fixtures', 'trtexec');

interface Pattern {
  regexp: string;
  file?: number;
  line?: number;
  message?: number;
  code?: number;
  kind?: 'file' | 'location';
  loop?: boolean;
}
interface Matcher {
  name: string;
  owner: string;
  pattern: Pattern | Pattern[];
  fileLocation: unknown;
}
interface Marker {
  file: string;
  line?: number;
  message: string;
  code?: string;
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { problemMatchers?: Matcher[] } };

function matcher(name: string): Matcher {
  const m = pkg.contributes.problemMatchers?.find((x) => x.name === name);
  assert.ok(m, `package.json contributes the ${name} problem matcher`);
  return m;
}

/** VS Code's start/stop collector over `lines`, for one matcher. */
function run(m: Matcher, lines: string[]): Marker[] {
  const patterns = (Array.isArray(m.pattern) ? m.pattern : [m.pattern]).map((p) => ({ ...p, re: new RegExp(p.regexp) }));
  assert.ok(!patterns.some((p) => p.loop), 'no looping patterns here');
  const markers: Marker[] = [];
  let buffer: string[] = [];
  for (const line of lines) {
    buffer.push(line);
    if (buffer.length > patterns.length) buffer.shift();
    if (buffer.length < patterns.length) continue;
    const data: Partial<Record<'file' | 'line' | 'message' | 'code', string>> = {};
    let kind: string | undefined;
    const matched = patterns.every((p, i) => {
      const x = p.re.exec(buffer[i]!);
      if (!x) return false;
      kind ??= p.kind;
      for (const k of ['file', 'line', 'message', 'code'] as const) {
        const g = p[k];
        if (g === undefined || g >= x.length || x[g] === undefined) continue;
        const v = k === 'line' ? x[g]! : x[g]!.trim();
        if (k === 'message' && data.message !== undefined) data.message += `\n${v}`;
        else data[k] ??= v;
      }
      return true;
    });
    if (!matched) continue;
    if (data.file && data.message && (kind === 'file' || data.line)) {
      markers.push({ file: data.file, ...(data.line ? { line: Number(data.line) } : {}), message: data.message, ...(data.code ? { code: data.code } : {}) });
      buffer = [];
    }
  }
  return markers;
}

/** A task terminal's lines: the output, with what TracebackWatcher prints after each line. */
function terminalLines(text: string): string[] {
  const w = new TracebackWatcher();
  return text.split('\n').flatMap((l) => [l, ...w.line(l)]);
}

const py = (f: string) => fs.readFileSync(path.join(pythonFixtures, f), 'utf8');
const userDir = '/tmp/qdq py/yolov9-qat';

test('$qdq-python: an exception raised in the user\'s file is marked at that frame, with the exception', () => {
  const markers = run(matcher('qdq-python'), terminalLines(py('user.traceback.txt')));
  assert.deepEqual(markers, [
    { file: `${userDir}/utils_q.py`, line: 3, message: 'AssertionError: 0 names in the dataset yaml, but nc=80', code: 'AssertionError' },
  ]);
});

test('$qdq-python: an exception raised in site-packages is marked at the last frame in the user\'s files', () => {
  const text = py('library.traceback.txt');
  // The traceback alone gives no marker: its last frame is PyYAML's.
  assert.deepEqual(run(matcher('qdq-python'), text.split('\n')), []);
  const markers = run(matcher('qdq-python'), terminalLines(text));
  assert.deepEqual(markers, [
    { file: `${userDir}/qat.py`, line: 7, message: 'yaml.parser.ParserError: while parsing a flow sequence', code: 'yaml.parser.ParserError' },
  ]);
});

test('$qdq-python: a library traceback glued to a progress bar (redrawn with \\r, no newline) is still marked', () => {
  const text = py('library.traceback.txt').replace(/^Traceback/m, ' 100%|##########| 100/100 [00:02<00:00]Traceback');
  assert.ok(/100\/100 \[00:02<00:00\]Traceback \(most recent call last\):/.test(text), 'the fixture starts its traceback on a line of its own');
  const markers = run(matcher('qdq-python'), terminalLines(text));
  assert.deepEqual(markers.map((m) => [m.file, m.line]), [[`${userDir}/qat.py`, 7]]);
});

test('$qdq-python: an exception raised in the standard library is marked in the user\'s files too', () => {
  const markers = run(matcher('qdq-python'), terminalLines(py('stdlib.traceback.txt')));
  assert.deepEqual(markers, [
    {
      file: `${userDir}/qat.py`,
      line: 15,
      message: 'json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 11 (char 10)',
      code: 'json.decoder.JSONDecodeError',
    },
  ]);
});

test('$qdq-python: both tracebacks of a chained exception are marked', () => {
  const markers = run(matcher('qdq-python'), terminalLines(py('chained.traceback.txt')));
  assert.deepEqual(
    markers.map((m) => [m.line, m.message]),
    [
      [18, "KeyError: 'weights'"],
      [20, 'RuntimeError: no weights in the checkpoint'],
    ],
  );
});

test('$qdq-python needs the traceback without 3.11 range lines, which is why the tasks set PYTHONNODEBUGRANGES', () => {
  assert.deepEqual(run(matcher('qdq-python'), py('user-ranges.traceback.txt').split('\n')), []);
});

test('$qdq-python: ordinary output, and a traceback with no frame in the user\'s files, give no marker', () => {
  const lines = [
    'Epoch 1/10: 100%|██████████| 200/200 [00:31<00:00,  6.40it/s]',
    'Done',
    'Traceback (most recent call last):',
    '  File "<frozen runpy>", line 198, in _run_module_as_main',
    '  File "/usr/lib/python3/dist-packages/torch/distributed/run.py", line 806, in main',
    '    run(args)',
    'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: qat.py FAILED',
  ];
  assert.deepEqual(run(matcher('qdq-python'), terminalLines(lines.join('\n'))), []);
});

test('the frame regex of $qdq-python and isLibraryFile agree on which files are the user\'s', () => {
  const frame = new RegExp((matcher('qdq-python').pattern as Pattern[])[0]!.regexp);
  const files = [
    `${userDir}/qat.py`,
    '/work/yolov9-qat/models/quantize.py',
    'C:\\work\\yolov9-qat\\qat.py',
    '/home/me/my "quoted" dir/qat.py',
    '/home/me/library/qat.py',
    '/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/yaml/__init__.py',
    '/usr/lib/python3/dist-packages/torch/serialization.py',
    '/usr/lib/python3.10/runpy.py',
    'C:\\Python311\\Lib\\site-packages\\torch\\nn\\modules\\module.py',
    '<frozen runpy>',
    '<string>',
  ];
  for (const f of files) {
    const m = frame.exec(`  File "${f}", line 12, in main`);
    assert.equal(!m, isLibraryFile(f), f);
    if (m) assert.equal(m[1], f);
  }
});

// ---- trtexec ------------------------------------------------------------------------------------

const trtLogs = [path.join(root, 'test', 'fixtures', 'trtexec', 'short.console.log'), path.join(sharedTrtexec, 'cookbook-trt10.16-fp16-perf.console.log'), path.join(sharedTrtexec, 'cookbook-trt10.16-dumpprofile.console.log')];

test('$qdq-trtexec: a passing build gives no marker (real console logs)', () => {
  let read = 0;
  for (const f of trtLogs) {
    if (!fs.existsSync(f)) continue;
    read++;
    assert.deepEqual(run(matcher('qdq-trtexec'), fs.readFileSync(f, 'utf8').split('\n')), [], f);
  }
  assert.ok(read >= 1);
});

test('$qdq-trtexec: "&&&& FAILED" marks the model trtexec ran on (its RUNNING frame, as trtexec repeats it)', () => {
  // trtexec ends a failed run with its RUNNING line, RUNNING replaced by FAILED (real frames of the logs above).
  const cases: Array<[string, string]> = [];
  for (const f of trtLogs) {
    if (!fs.existsSync(f)) continue;
    const running = fs.readFileSync(f, 'utf8').split('\n').find((l) => l.startsWith('&&&& RUNNING'))!;
    cases.push([running.replace('&&&& RUNNING', '&&&& FAILED'), /--(?:onnx|loadEngine)=(\S+)/.exec(running)![1]!]);
  }
  // What our task runs: absolute paths, spaces and all, echoed unquoted by trtexec.
  cases.push(['&&&& FAILED TensorRT.trtexec [TensorRT v100300] # /usr/src/tensorrt/bin/trtexec --onnx=/data/my models/yolo v9 $(id).onnx --stronglyTyped --saveEngine=/data/x.engine', '/data/my models/yolo v9 $(id).onnx']);
  cases.push(['&&&& FAILED TensorRT.trtexec [TensorRT v8601] # trtexec --int8 --onnx=/m/last.onnx', '/m/last.onnx']);
  for (const [line, model] of cases) {
    const lines = ['[12/01/2023-10:00:00] [E] [TRT] ModelImporter.cpp:771: While parsing node number 3 [Conv -> "x"]:', '[12/01/2023-10:00:00] [E] Engine set up failed', line];
    const markers = run(matcher('qdq-trtexec'), lines);
    assert.equal(markers.length, 1, line);
    assert.equal(markers[0]!.file, model);
    assert.match(markers[0]!.message, /^&&&& FAILED TensorRT\.trtexec \[TensorRT v\d+\]/);
  }
  assert.equal((matcher('qdq-trtexec').pattern as Pattern).kind, 'file', 'the whole model file (no line)');
});
