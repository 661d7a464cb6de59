/**
 * How `qdq` is called, in one form for every command (docs/cli.md, "Messages"):
 * `qdq CMD --help` / `-h` / `qdq help CMD` print that command's usage (exit 0); bad usage is one
 * stderr line `qdq CMD: <problem> (usage: <one-line usage>; run 'qdq CMD --help' for more)`, exit
 * 2, with no doubled prefix and none of Node's parseArgs sentences; `qdq edit -o` elsewhere says
 * which data files to copy, as `qdq save` does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qdq } from '../../support/qdqCli';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'onnx', 'tiny-qat-good.onnx');
const COMMANDS = ['info', 'save', 'lint', 'sensitivity', 'numeric', 'edit', 'engine'];

test('--help and -h on every command print its usage and exit 0; so does qdq help CMD', async () => {
  for (const c of COMMANDS) {
    const texts: string[] = [];
    for (const args of [[c, '--help'], [c, '-h'], ['help', c], [c, MODEL, '--help'], [c, '--bogus', '-h']]) {
      const r = await qdq(...args);
      assert.equal(r.code, 0, `qdq ${args.join(' ')}: ${r.err}`);
      assert.equal(r.err, '', `qdq ${args.join(' ')}`);
      assert.match(r.out, new RegExp(`^Usage:\\n {2}qdq ${c} `), `qdq ${args.join(' ')}`);
      assert.doesNotMatch(r.out, new RegExp(`qdq (?!${c}\\b)(info|save|lint|sensitivity|numeric|edit|engine) [A-Z]`), `only ${c}'s usage`);
      assert.match(r.out, /Exit codes: 0/);
      texts.push(r.out);
    }
    assert.equal(new Set(texts).size, 1, `${c}: the same help each way`);
  }
  // After `--`, `--help` is an argument (a file of that name), not a request for help.
  const r = await qdq('info', '--', '--help');
  assert.equal(r.code, 2);
  assert.match(r.err, /^qdq: --help: cannot read: no such file/);
  // The whole usage still lists every command.
  const all = await qdq('--help');
  assert.equal(all.code, 0);
  for (const c of COMMANDS) assert.match(all.out, new RegExp(`^ {2}qdq ${c} `, 'm'));
});

test('bad usage: one line, `qdq CMD: problem (usage: …; run \'qdq CMD --help\' for more)`, exit 2, for every command', async () => {
  const dir = makeTempDir('qdq-usage');
  const out = path.join(dir, 'out.onnx');
  const cases: [string[], string][] = [
    [['info'], 'needs a MODEL'],
    [['info', 'a.onnx', 'b.onnx'], 'takes exactly one MODEL'],
    [['info', MODEL, '--json=yes'], '--json takes no value'],
    [['save', MODEL], 'needs -o OUT'],
    [['save'], 'needs a MODEL'],
    [['save', MODEL, '-o'], '--output needs a value'],
    [['lint', MODEL, '--top', '3'], "unknown option '--top'"],
    [['lint', MODEL, '--format', 'xml'], "--format must be text, json or sarif (got 'xml')"],
    [['lint', MODEL, '--format', '-x'], "--format needs a value (one starting with '-' is given as --format=-VALUE)"],
    [['lint', MODEL, '--rules', 'R16,R99'], "unknown rule 'R99'"],
    [['engine', 'a.json', 'b.json'], 'takes exactly one LAYER_JSON'],
    [['engine'], 'needs a LAYER_JSON'],
    [['sensitivity', 'r.json'], 'needs --model MODEL'],
    [['numeric'], 'needs a QDQ_MODEL'],
    [['numeric', MODEL, '--random', '0'], "--random must be a positive integer (got '0')"],
    [['edit', MODEL], 'needs -o OUT (or --export-plan PLAN.json)'],
    [['edit', MODEL, '-o', out, '--fix', 'R99'], "--fix: unknown rule 'R99'"],
    [['edit', MODEL, '-o', out, '--fix', 'R22', '--trt', '9'], '--trt must be 8 or 10'],
    [['edit', MODEL, '-o', out, '--insert-qdq', 'images'], '--insert-qdq images: give TENSOR:SCALE'],
  ];
  for (const [args, problem] of cases) {
    const r = await qdq(...args);
    const c = args[0]!;
    assert.equal(r.code, 2, `qdq ${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '', `qdq ${args.join(' ')}`);
    assert.equal(r.err.split('\n').length, 2, `one line: ${r.err}`);
    assert.ok(r.err.startsWith(`qdq ${c}: ${problem}`), `qdq ${args.join(' ')}: ${r.err}`);
    assert.match(r.err, new RegExp(` \\(usage: qdq ${c} [^\\n]*; run 'qdq ${c} --help' for more\\)\\n$`), `qdq ${args.join(' ')}`);
    assert.doesNotMatch(r.err, /qdq \w+: qdq |To specify|as in '/, `no doubled prefix, none of parseArgs' sentences: ${r.err}`);
  }
  assert.equal(fs.existsSync(out), false);
  const unknown = await qdq('bogus');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^qdq: unknown command 'bogus' \(usage: qdq info\|save\|lint\|sensitivity\|numeric\|edit\|engine …; run 'qdq --help' for more\)\n$/);
  for (const name of ['constructor', '__proto__', 'toString']) {
    const r = await qdq(name, '--help');
    assert.equal(r.code, 2, name);
    assert.match(r.err, new RegExp(`^qdq: unknown command '${name}'`));
  }
});

test('qdq edit -o in another folder says which external data file to copy where, as qdq save does', async () => {
  const dir = makeTempDir('qdq-edit-detached');
  const src = path.join(dir, 'src', 'm.onnx');
  yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).writeFile(src, { external: { location: 'm.data' } });
  const elsewhere = path.join(dir, 'out', 'edited.onnx');
  const r = await qdq('edit', src, '-o', elsewhere, '--disable-quant', 'model.2');
  assert.equal(r.code, 0, r.err);
  assert.ok(fs.existsSync(elsewhere));
  assert.equal(r.err, `qdq edit: ${elsewhere} reads its external data from 'm.data', which is not beside it: copy ${path.join(dir, 'src', 'm.data')} to ${path.join(dir, 'out', 'm.data')}\n`);
  const save = await qdq('save', src, '-o', path.join(dir, 'out', 'saved.onnx'));
  assert.equal(save.err.replace('qdq save: ', 'qdq edit: ').replace('saved.onnx', 'edited.onnx'), r.err, 'the same words as qdq save');
  // Beside the original (or once the data is there): nothing to say.
  const beside = await qdq('edit', src, '-o', path.join(dir, 'src', 'edited.onnx'), '--disable-quant', 'model.2');
  assert.equal(beside.code, 0);
  assert.equal(beside.err, '');
});
