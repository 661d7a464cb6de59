/**
 * The problem matchers package.json contributes (`$qdq-python`, `$qdq-python-summary`,
 * `$qdq-trtexec`), run over real output the way VS Code runs them: a buffer of the last N lines
 * (N = the longest pattern), every pattern of a multi-line matcher on consecutive lines, a marker
 * only with a file, a message and a line (or `kind: file`), the buffer cleared after a match
 * (VS Code's problemMatcher.ts, AbstractProblemCollector / MultiLineMatcher). `$qdq-python` reads
 * the traceback as Python prints it (a user's own shell task); `$qdq-python-summary`, which our
 * Python tasks carry, reads the output as our task terminal shows it: each line followed by what
 * `TracebackWatcher` prints, the one summary line after a traceback.
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

/** A task terminal's rows: the output, with what TracebackWatcher prints after each line (the terminal dims it; the matchers read the row's text). */
function terminalLines(text: string): string[] {
  const w = new TracebackWatcher();
  return text.split('\n').flatMap((l) => [l, ...w.line(l)]);
}

/** What VS Code 1.100 hands the matchers when a task re-runs in its reused terminal: each line twice (microsoft/vscode#170898). */
const twice = (lines: string[]) => lines.flatMap((l) => [l, l]);

/** Markers as VS Code keeps them: one per distinct marker (the collector keys them by their data). */
const distinct = (markers: Marker[]) => [...new Map(markers.map((m) => [JSON.stringify(m), m])).values()];

const py = (f: string) => fs.readFileSync(path.join(pythonFixtures, f), 'utf8');
const userDir = '/tmp/qdq py/yolov9-qat';
const SUMMARY = 'qdq-python-summary';

// ---- $qdq-python: three lines, over the traceback itself (users' own shell tasks) ---------------

test('$qdq-python: an exception raised in the user\'s file is marked at that frame, with the exception', () => {
  const markers = run(matcher('qdq-python'), py('user.traceback.txt').split('\n'));
  assert.deepEqual(markers, [
    { file: `${userDir}/utils_q.py`, line: 3, message: 'AssertionError: 0 names in the dataset yaml, but nc=80', code: 'AssertionError' },
  ]);
});

test('$qdq-python: both tracebacks of a chained exception are marked', () => {
  const markers = run(matcher('qdq-python'), py('chained.traceback.txt').split('\n'));
  assert.deepEqual(
    markers.map((m) => [m.line, m.message]),
    [
      [18, "KeyError: 'weights'"],
      [20, 'RuntimeError: no weights in the checkpoint'],
    ],
  );
});

test('$qdq-python: an exception raised in a library is not marked (its last frame is not the user\'s); our tasks print a summary for that', () => {
  assert.deepEqual(run(matcher('qdq-python'), py('library.traceback.txt').split('\n')), []);
  assert.deepEqual(run(matcher('qdq-python'), py('stdlib.traceback.txt').split('\n')), []);
});

test('$qdq-python needs the traceback without 3.11 range lines, which is why the tasks set PYTHONNODEBUGRANGES', () => {
  assert.deepEqual(run(matcher('qdq-python'), py('user-ranges.traceback.txt').split('\n')), []);
});

test('$qdq-python finds nothing when each line comes twice (a task re-run in its reused terminal), which is why our tasks do not use it', () => {
  assert.equal(run(matcher('qdq-python'), py('user.traceback.txt').split('\n')).length, 1);
  assert.deepEqual(run(matcher('qdq-python'), twice(py('user.traceback.txt').split('\n'))), []);
});

// ---- $qdq-python-summary: one line, the summary our task terminal prints -----------------------

test('$qdq-python-summary: the same owner and source as $qdq-python, one line, absolute paths', () => {
  const summary = matcher(SUMMARY);
  const three = matcher('qdq-python') as Matcher & { source?: string; severity?: string };
  assert.equal(summary.owner, three.owner, 'one owner: a re-run clears both, and equal markers are one problem');
  assert.equal((summary as typeof three).source, three.source);
  assert.equal((summary as typeof three).severity, three.severity);
  assert.equal(summary.fileLocation, 'absolute');
  assert.ok(!Array.isArray(summary.pattern), 'a single-line pattern');
});

test('$qdq-python-summary: an exception raised in the user\'s file is marked at that frame, the same marker $qdq-python gives', () => {
  const lines = terminalLines(py('user.traceback.txt'));
  const expected = [{ file: `${userDir}/utils_q.py`, line: 3, message: 'AssertionError: 0 names in the dataset yaml, but nc=80', code: 'AssertionError' }];
  assert.deepEqual(run(matcher(SUMMARY), lines), expected);
  // A task carrying both would not show it twice: same owner, same marker.
  assert.deepEqual(run(matcher('qdq-python'), lines), expected);
});

test('$qdq-python-summary: an exception raised in site-packages is marked at the last frame in the user\'s files', () => {
  assert.deepEqual(run(matcher(SUMMARY), terminalLines(py('library.traceback.txt'))), [
    { file: `${userDir}/qat.py`, line: 7, message: 'yaml.parser.ParserError: while parsing a flow sequence', code: 'yaml.parser.ParserError' },
  ]);
});

test('$qdq-python-summary: an exception raised in the standard library is marked in the user\'s files too', () => {
  assert.deepEqual(run(matcher(SUMMARY), terminalLines(py('stdlib.traceback.txt'))), [
    {
      file: `${userDir}/qat.py`,
      line: 15,
      message: 'json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 11 (char 10)',
      code: 'json.decoder.JSONDecodeError',
    },
  ]);
});

test('$qdq-python-summary: both tracebacks of a chained exception are marked', () => {
  const markers = run(matcher(SUMMARY), terminalLines(py('chained.traceback.txt')));
  assert.deepEqual(
    markers.map((m) => [m.line, m.message, m.code]),
    [
      [18, "KeyError: 'weights'", 'KeyError'],
      [20, 'RuntimeError: no weights in the checkpoint', 'RuntimeError'],
    ],
  );
});

test('$qdq-python-summary: a library traceback glued to a progress bar (redrawn with \\r, no newline) is still marked', () => {
  const text = py('library.traceback.txt').replace(/^Traceback/m, ' 100%|##########| 100/100 [00:02<00:00]Traceback');
  assert.ok(/100\/100 \[00:02<00:00\]Traceback \(most recent call last\):/.test(text), 'the fixture starts its traceback on a line of its own');
  const markers = run(matcher(SUMMARY), terminalLines(text));
  assert.deepEqual(markers.map((m) => [m.file, m.line]), [[`${userDir}/qat.py`, 7]]);
});

test('$qdq-python-summary: a re-run in the reused terminal (every line twice) still gives each marker, once', () => {
  for (const f of ['user.traceback.txt', 'library.traceback.txt', 'stdlib.traceback.txt', 'chained.traceback.txt']) {
    const once = run(matcher(SUMMARY), terminalLines(py(f)));
    assert.ok(once.length >= 1, f);
    const rerun = run(matcher(SUMMARY), twice(terminalLines(py(f))));
    assert.deepEqual(distinct(rerun), once, f);
  }
});

test('$qdq-python-summary: SyntaxError and IndentationError, in an imported module and in the script itself (real CPython 3.11 output)', () => {
  const dir = '/tmp/qdq runs:2/yolov9-qat';
  const imported = [
    'Traceback (most recent call last):',
    `  File "${dir}/qat.py", line 17, in <module>`,
    '    run(sys.argv[1])',
    `  File "${dir}/qat.py", line 5, in run`,
    '    import broken',
    `  File "${dir}/broken.py", line 2`,
    '    x = (1,',
    '        ^',
    "SyntaxError: '(' was never closed",
  ];
  // The script itself does not compile: no "Traceback" line.
  const script = [`  File "${dir}/main_syntax.py", line 2`, '    if True', '           ^', "SyntaxError: expected ':'"];
  const indent = [`  File "${dir}/indent.py", line 1`, '    x = 1', 'IndentationError: unexpected indent'];
  assert.deepEqual(run(matcher(SUMMARY), terminalLines([...imported, ...script, ...indent].join('\n'))), [
    { file: `${dir}/broken.py`, line: 2, message: "SyntaxError: '(' was never closed", code: 'SyntaxError' },
    { file: `${dir}/main_syntax.py`, line: 2, message: "SyntaxError: expected ':'", code: 'SyntaxError' },
    { file: `${dir}/indent.py`, line: 1, message: 'IndentationError: unexpected indent', code: 'IndentationError' },
  ]);
  // The caret line keeps $qdq-python from reading a SyntaxError.
  assert.deepEqual(run(matcher('qdq-python'), [...imported, ...script].join('\n').split('\n')), []);
});

test('$qdq-python-summary: KeyboardInterrupt (Ctrl+C) is no problem, wherever it was raised', () => {
  const dir = '/tmp/qdq runs:2/yolov9-qat';
  const user = ['Traceback (most recent call last):', `  File "${dir}/qat.py", line 17, in <module>`, '    run(sys.argv[1])', `  File "${dir}/qat.py", line 7, in run`, '    while True:', 'KeyboardInterrupt'];
  const library = [
    'Traceback (most recent call last):',
    `  File "${dir}/qat.py", line 17, in <module>`,
    '    run(sys.argv[1])',
    `  File "${dir}/qat.py", line 12, in run`,
    "    import subprocess; subprocess.run(['sleep', '30'])",
    '  File "/root/.pyenv/versions/3.11.7/lib/python3.11/subprocess.py", line 550, in run',
    '    stdout, stderr = process.communicate(input, timeout=timeout)',
    '  File "/root/.pyenv/versions/3.11.7/lib/python3.11/subprocess.py", line 2004, in _try_wait',
    '    (pid, sts) = os.waitpid(self.pid, wait_flags)',
    'KeyboardInterrupt',
  ];
  for (const lines of [user, library]) {
    const rows = terminalLines(lines.join('\n'));
    assert.deepEqual(rows, lines, 'nothing printed');
    assert.deepEqual(run(matcher(SUMMARY), rows), []);
  }
});

test('$qdq-python-summary: paths with spaces, colons, quotes, and Windows paths come through whole', () => {
  const files = [
    '/tmp/qdq runs:2/yolov9-qat/qat.py',
    '/home/me/my "quoted" dir/qat.py',
    '/data/a", line 3: b/qat.py',
    'C:\\Users\\me\\QAT runs\\yolov9-qat\\qat.py',
    '\\\\server\\share\\yolov9-qat\\qat.py',
  ];
  const message = `FileNotFoundError: [Errno 2] No such file or directory: '/w/x.pt' (File "y", line 4: z) ${'long '.repeat(400)}end`;
  for (const file of files) {
    const text = [
      'Traceback (most recent call last):',
      `  File "${file}", line 212, in run_quantize`,
      '    model = load_model(weight, device)',
      '  File "C:\\Python311\\Lib\\site-packages\\torch\\serialization.py", line 986, in load',
      '    with _open_file_like(f, \'rb\') as opened_file:',
      message,
    ].join('\n');
    assert.deepEqual(run(matcher(SUMMARY), terminalLines(text)), [{ file, line: 212, message: message.trim(), code: 'FileNotFoundError' }], file);
  }
});

test('$qdq-python-summary and $qdq-python: ordinary output, and a traceback with no frame in the user\'s files, give no marker', () => {
  const lines = [
    'Epoch 1/10: 100%|██████████| 200/200 [00:31<00:00,  6.40it/s]',
    'Done',
    'Traceback (most recent call last):',
    '  File "<frozen runpy>", line 198, in _run_module_as_main',
    '  File "/usr/lib/python3/dist-packages/torch/distributed/run.py", line 806, in main',
    '    run(args)',
    'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: qat.py FAILED',
  ];
  assert.deepEqual(terminalLines(lines.join('\n')), lines, 'nothing printed');
  assert.deepEqual(run(matcher(SUMMARY), lines), []);
  assert.deepEqual(run(matcher('qdq-python'), lines), []);
  // A frame with no function outside a traceback is a SyntaxError report only if a SyntaxError ends it.
  const notCompile = ['  File "/work/yolov9-qat/qat.py", line 3', '    x = 1', 'RuntimeError: not a file that does not compile'];
  assert.deepEqual(terminalLines(notCompile.join('\n')), notCompile, 'nothing printed');
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
