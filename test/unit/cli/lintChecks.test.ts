/**
 * `qdq lint` does not pass a model it could not fully check, nor one TensorRT's parser refuses:
 *
 * - external data that cannot be read (a missing or short data file, a location refused as `..` or
 *   absolute, a malformed offset, a length its shape contradicts) is an input error: exit 2, every
 *   problem one stderr line naming the model and the data file, the findings it could compute still
 *   printed; JSON `externalDataProblems`, SARIF `executionSuccessful: false` with notifications;
 * - the graph problems `qdq info` lists (duplicate node names, a dangling input, a cycle) are
 *   findings of the graph check G1 (QDQ-GRAPH-INVALID), severity error, exit 1, in every format;
 * - SARIF results carry `region.startLine` (GitHub code scanning needs a line);
 * - `--trt` takes a full version (8.6, 8.6.1, 10.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qdq } from '../../support/qdqCli';
import { makeTempDir } from '../../support/tempDir';
import { encodeModelProto, externalTensor, onnx, vi } from '../onnx/protoHelpers';

const INT8 = onnx.TensorProto.DataType.INT8;

interface DataLayout {
  /** external_data entries of the scale `s` (FLOAT scalar) and the zero point `zp` (INT8 scalar). */
  s: [string, string][];
  zp: [string, string][];
}

/** d.data: the scale 0.05 at 0, the zero point 3 at 4 (R1 is an error when it reads). */
function dataBytes(): Buffer {
  const b = Buffer.alloc(8);
  b.writeFloatLE(0.05, 0);
  b.writeInt8(3, 4);
  return b;
}

const ok: DataLayout = {
  s: [['location', 'd.data'], ['offset', '0'], ['length', '4']],
  zp: [['location', 'd.data'], ['offset', '4'], ['length', '1']],
};

/** x → Q(s, zp) → DQ(s, zp) → Relu → y, scale and zero point stored externally as `layout` says. */
function qdqModel(dir: string, layout: DataLayout = ok, data: Buffer | null = dataBytes()): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      input: [vi('x', [1, 4])],
      output: [vi('y', [1, 4])],
      initializer: [externalTensor('s', [], layout.s), externalTensor('zp', [], layout.zp, INT8)],
      node: [
        { name: 'q', opType: 'QuantizeLinear', input: ['x', 's', 'zp'], output: ['xq'] },
        { name: 'dq', opType: 'DequantizeLinear', input: ['xq', 's', 'zp'], output: ['xd'] },
        { name: 'relu', opType: 'Relu', input: ['xd'], output: ['y'] },
      ],
    },
  }));
  if (data) fs.writeFileSync(path.join(dir, 'd.data'), data);
  return file;
}

interface LintJson {
  findings: { ruleId: string; rule: string; severity: string; message: string; nodes: string[]; data: Record<string, unknown> }[];
  summary: { errors: number };
  externalDataProblems?: { location: string; problem: string; tensor?: string; message: string }[];
}

test('a readable model: R1 errors, exit 1, no externalDataProblems (the check itself)', async () => {
  const model = qdqModel(makeTempDir('qdq-lint-data'));
  const r = await qdq('lint', model, '--format', 'json');
  assert.equal(r.code, 1, r.err);
  assert.equal(r.err, '');
  const j = JSON.parse(r.out) as LintJson;
  assert.deepEqual(j.findings.filter((f) => f.ruleId === 'R1').map((f) => f.nodes[0]), ['q', 'dq']);
  assert.equal('externalDataProblems' in j, false);
});

test('external data that cannot be read: exit 2 in every format, each problem one line naming the file, the findings it could compute printed', async () => {
  const root = makeTempDir('qdq-lint-data');
  const outside = path.join(root, 'elsewhere');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'd.data'), dataBytes());
  const at = (loc: string, offset: string, length: string): [string, string][] => [['location', loc], ['offset', offset], ['length', length]];
  const cases: { name: string; layout?: DataLayout; data?: Buffer | null; problems: { problem: string; location: string; tensor?: string; says: RegExp }[] }[] = [
    { name: 'missing', data: null, problems: [{ problem: 'missing', location: 'd.data', says: /d\.data/ }] },
    { name: 'short', data: dataBytes().subarray(0, 4), problems: [{ problem: 'short', location: 'd.data', says: /d\.data.*short/ }] },
    {
      name: 'dotdot',
      layout: { s: at('../elsewhere/d.data', '0', '4'), zp: at('../elsewhere/d.data', '4', '1') },
      problems: [{ problem: 'refused', location: '../elsewhere/d.data', says: /\.\.\/elsewhere\/d\.data/ }],
    },
    {
      name: 'absolute',
      layout: { s: at(path.join(outside, 'd.data'), '0', '4'), zp: at(path.join(outside, 'd.data'), '4', '1') },
      problems: [{ problem: 'refused', location: path.join(outside, 'd.data'), says: /absolute/ }],
    },
    {
      name: 'bad-offset',
      layout: { s: at('d.data', 'abc', '4'), zp: ok.zp },
      problems: [{ problem: 'malformed', location: 'd.data', tensor: 's', says: /'s'.*offset 'abc'/ }],
    },
    {
      // Inside the file, but 2 bytes for an INT8 scalar: a read refuses it.
      name: 'bad-length',
      layout: { s: ok.s, zp: at('d.data', '4', '2') },
      problems: [{ problem: 'malformed', location: 'd.data', tensor: 'zp', says: /'zp'.*length 2 does not match the 1 bytes/ }],
    },
    {
      // Every problem is listed: two bad data files.
      name: 'two-files',
      layout: { s: at('gone.data', '0', '4'), zp: at('d.data', '4', '1') },
      data: dataBytes().subarray(0, 4),
      problems: [
        { problem: 'missing', location: 'gone.data', says: /gone\.data/ },
        { problem: 'short', location: 'd.data', says: /d\.data/ },
      ],
    },
  ];
  for (const c of cases) {
    const model = qdqModel(path.join(root, c.name), c.layout, c.data === undefined ? dataBytes() : c.data);
    const json = await qdq('lint', model, '--format', 'json');
    assert.equal(json.code, 2, `${c.name}: ${json.err}`);
    const lines = json.err.trimEnd().split('\n');
    assert.equal(lines.length, c.problems.length, `${c.name}: one line per problem: ${json.err}`);
    c.problems.forEach((p, i) => {
      assert.ok(lines[i]!.startsWith(`qdq: ${model}: `), `${c.name}: names the model: ${lines[i]}`);
      assert.match(lines[i]!, p.says, c.name);
    });
    const j = JSON.parse(json.out) as LintJson;
    assert.deepEqual(
      j.externalDataProblems?.map((p) => ({ problem: p.problem, location: p.location, ...(p.tensor !== undefined ? { tensor: p.tensor } : {}) })),
      c.problems.map((p) => ({ problem: p.problem, location: p.location, ...(p.tensor !== undefined ? { tensor: p.tensor } : {}) })),
      c.name,
    );
    assert.deepEqual(j.externalDataProblems!.map((p) => `qdq: ${p.message}`), lines, `${c.name}: the JSON says what stderr says`);
    assert.ok(j.findings.length > 0, `${c.name}: what could be checked is still there`);

    const text = await qdq('lint', model);
    assert.equal(text.code, 2, c.name);
    assert.match(text.out, /TensorRT 10\.x INT8/);
    assert.equal(text.err, json.err, c.name);

    const sarif = await qdq('lint', model, '--format', 'sarif');
    assert.equal(sarif.code, 2, c.name);
    const inv = JSON.parse(sarif.out).runs[0].invocations[0];
    assert.equal(inv.executionSuccessful, false, c.name);
    assert.equal(inv.exitCode, 2);
    assert.deepEqual(inv.toolExecutionNotifications.map((n: { level: string; message: { text: string } }) => [n.level, `qdq: ${n.message.text}`]), lines.map((l) => ['error', l]));
  }
});

test('qdq edit on a model whose external data cannot be read: exit 2 naming the data file, nothing written', async () => {
  const dir = makeTempDir('qdq-edit-data');
  const model = qdqModel(dir, ok, null);
  const out = path.join(dir, 'out.onnx');
  for (const edit of [['--fix', 'all'], ['--remove-qdq', 'x'], ['--disable-quant', 'relu']]) {
    const r = await qdq('edit', model, '-o', out, ...edit);
    assert.equal(r.code, 2, `${edit.join(' ')}: ${r.err}`);
    assert.equal(r.out, '');
    assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
    assert.match(r.err, new RegExp(`^qdq: ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*'d\\.data'.*\\(nothing written\\)\\n$`));
    assert.equal(fs.existsSync(out), false);
  }
  // With its data the same edit works.
  fs.writeFileSync(path.join(dir, 'd.data'), dataBytes());
  const r = await qdq('edit', model, '-o', out, '--fix', 'all');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Applied 1 fix as one edit \(R1\)\.$/m);
});

test('qdq edit with only the weights unreadable: a Q/DQ placement edit goes on with a warning (a plan from a checkout without its data file); fixes are refused', async () => {
  const dir = makeTempDir('qdq-edit-weights');
  const model = path.join(dir, 'm.onnx');
  // x → Q → DQ → Conv(W stored in w.data, which is not there) → y; scale and zero point inline.
  fs.writeFileSync(model, encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      input: [vi('x', [1, 1, 4, 4])],
      output: [vi('y', [1, 1, 4, 4])],
      initializer: [
        { name: 's', dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [0.05] },
        { name: 'zp', dataType: INT8, dims: [], int32Data: [0] },
        externalTensor('W', [1, 1, 1, 1], [['location', 'w.data'], ['offset', '0'], ['length', '4']]),
      ],
      node: [
        { name: 'q', opType: 'QuantizeLinear', input: ['x', 's', 'zp'], output: ['xq'] },
        { name: 'dq', opType: 'DequantizeLinear', input: ['xq', 's', 'zp'], output: ['xd'] },
        { name: 'conv', opType: 'Conv', input: ['xd', 'W'], output: ['y'] },
      ],
    },
  }));
  const out = path.join(dir, 'out.onnx');
  const plan = path.join(dir, 'plan.json');
  const r = await qdq('edit', model, '-o', out, '--disable-quant', 'conv', '--export-plan', plan);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^qdq edit: warning: .*'w\.data'/m);
  assert.ok(fs.existsSync(out) && fs.existsSync(plan));
  // Quantizing the conv reads its weight (per-channel ranges), which is in the missing file: an input error too.
  const enable = await qdq('edit', model, '-o', path.join(dir, 'enabled.onnx'), '--disable-quant', 'conv', '--enable-quant', 'conv:0.1');
  assert.equal(enable.code, 2, enable.err);
  assert.match(enable.err, /'w\.data'.*the edits read 'W' stored there \(nothing written\)$/m);
  assert.equal(fs.existsSync(path.join(dir, 'enabled.onnx')), false);
  const fix = await qdq('edit', model, '-o', path.join(dir, 'fixed.onnx'), '--fix', 'all');
  assert.equal(fix.code, 2, fix.err);
  assert.match(fix.err, /'w\.data'.*--fix and --float-reference read tensor values \(nothing written\)$/m);
  assert.equal(fs.existsSync(path.join(dir, 'fixed.onnx')), false);
});

/** Duplicate node names, an input nothing defines, and a cycle: what TensorRT's parser refuses. */
function brokenGraph(dir: string): string {
  const file = path.join(dir, 'broken.onnx');
  fs.writeFileSync(file, encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      input: [vi('x', [1, 4])],
      output: [vi('y', [1, 4])],
      node: [
        { name: 'dup', opType: 'Relu', input: ['x'], output: ['a'] },
        { name: 'dup', opType: 'Sigmoid', input: ['a'], output: ['b'] },
        { name: 'dangle', opType: 'Add', input: ['b', 'nowhere'], output: ['c'] },
        { name: 'loop1', opType: 'Relu', input: ['e'], output: ['d'] },
        { name: 'loop2', opType: 'Add', input: ['d', 'c'], output: ['e'] },
        { name: 'out', opType: 'Relu', input: ['e'], output: ['y'] },
      ],
    },
  }));
  return file;
}

test('graph problems are G1 findings of severity error: exit 1 in every format; --rules selects them like a rule', async () => {
  const model = brokenGraph(makeTempDir('qdq-lint-graph'));
  const json = await qdq('lint', model, '--format', 'json');
  assert.equal(json.code, 1, json.err);
  const j = JSON.parse(json.out) as LintJson;
  const g1 = j.findings.filter((f) => f.ruleId === 'G1');
  assert.deepEqual(g1.map((f) => f.data.kind), ['duplicate-node-name', 'dangling-input', 'cycle']);
  for (const f of g1) {
    assert.deepEqual(Object.keys(f), ['ruleId', 'rule', 'severity', 'message', 'nodes', 'data'], 'the shape of every finding');
    assert.equal(f.rule, 'QDQ-GRAPH-INVALID');
    assert.equal(f.severity, 'error');
  }
  assert.deepEqual(g1[1]!.nodes, ['dangle']);
  assert.equal(g1[1]!.data.tensor, 'nowhere');
  assert.match(g1[1]!.message, /'nowhere'/);
  assert.ok(g1[2]!.nodes.includes('loop1') && g1[2]!.nodes.includes('loop2'));
  assert.equal(j.summary.errors, j.findings.filter((f) => f.severity === 'error').length);
  assert.deepEqual(j.findings.slice(0, 3), g1, 'first: errors first');

  const text = await qdq('lint', model);
  assert.equal(text.code, 1);
  assert.match(text.out, /^error {3}G1 QDQ-GRAPH-INVALID: node 'dangle' reads 'nowhere'/m);
  assert.match(text.out, /^3 errors, /m);

  const base = 'https://example.invalid/rules/';
  const saved = process.env.QDQ_RULES_DOC_BASE;
  process.env.QDQ_RULES_DOC_BASE = base;
  const sarif = await qdq('lint', model, '--format', 'sarif').finally(() => {
    if (saved === undefined) delete process.env.QDQ_RULES_DOC_BASE;
    else process.env.QDQ_RULES_DOC_BASE = saved;
  });
  assert.equal(sarif.code, 1);
  const run = JSON.parse(sarif.out).runs[0];
  const results = run.results.filter((x: { ruleId: string }) => x.ruleId === 'G1');
  assert.equal(results.length, 3);
  for (const x of results) {
    assert.equal(x.level, 'error');
    const rule = run.tool.driver.rules[x.ruleIndex];
    assert.equal(rule.id, 'G1', 'ruleIndex points at its descriptor');
    assert.equal(rule.properties.longId, 'QDQ-GRAPH-INVALID');
    assert.equal(rule.defaultConfiguration.level, 'error');
    // Its help page, beside the rules' (docs/rules/G1.md, shipped with them).
    assert.ok(fs.existsSync(path.join(__dirname, '..', '..', '..', 'docs', 'rules', 'G1.md')));
    assert.equal(rule.helpUri, `${base}G1.md`);
  }
  assert.equal(run.invocations[0].executionSuccessful, true);

  const only = await qdq('lint', model, '--format', 'json', '--rules', 'G1');
  assert.equal(only.code, 1);
  assert.deepEqual([...new Set((JSON.parse(only.out) as LintJson).findings.map((f) => f.ruleId))], ['G1']);
  const without = await qdq('lint', model, '--format', 'json', '--rules', 'R1,R22');
  assert.equal(without.code, 0, 'a --rules list without G1 leaves it out');
  assert.deepEqual((JSON.parse(without.out) as LintJson).findings, []);
  const longId = await qdq('lint', model, '--format', 'json', '--rules', 'qdq-graph-invalid');
  assert.equal(longId.code, 1);
});

test('SARIF results have a region with startLine 1 (GitHub code scanning needs a line)', async () => {
  const model = qdqModel(makeTempDir('qdq-lint-sarif'));
  const r = await qdq('lint', model, '--format', 'sarif');
  assert.equal(r.code, 1);
  const results = JSON.parse(r.out).runs[0].results as { locations: { physicalLocation: { region?: { startLine: number } } }[] }[];
  assert.ok(results.length > 0);
  for (const x of results) assert.deepEqual(x.locations[0]!.physicalLocation.region, { startLine: 1 });
});

test('--trt takes the version users type: 8.6, 8.6.1, 10.3 (and still 8, 8.x, 10); 9 and 7.1 are refused', async () => {
  const model = qdqModel(makeTempDir('qdq-lint-trt'));
  for (const [v, want] of [['8', '8.x'], ['8.x', '8.x'], ['8.6', '8.x'], ['8.6.1', '8.x'], ['10', '10.x'], ['10.x', '10.x'], ['10.3', '10.x'], ['10.3.0.26', '10.x']]) {
    const r = await qdq('lint', model, '--format', 'json', '--trt', v!);
    assert.equal(r.code, 1, `--trt ${v}: ${r.err}`);
    assert.equal(JSON.parse(r.out).target.trt, want, `--trt ${v}`);
  }
  for (const v of ['9', '7.1', '8.', '8.6x', 'ten']) {
    const r = await qdq('lint', model, '--trt', v);
    assert.equal(r.code, 2, `--trt ${v}`);
    assert.match(r.err, /^qdq lint: --trt must be 8 or 10/);
  }
});

test('lint: a Constant\'s unnamed tensor with a malformed external entry is named by its node attribute, not as tensor \'\'', async () => {
  const dir = makeTempDir('qdq-lint-constant');
  const model = path.join(dir, 'm.onnx');
  fs.writeFileSync(path.join(dir, 'd.data'), dataBytes());
  fs.writeFileSync(model, encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      input: [vi('x', [1, 4])],
      output: [vi('y', [1, 4])],
      node: [
        { name: 'k', opType: 'Constant', output: ['c'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: externalTensor('', [], [['location', 'd.data'], ['offset', 'abc'], ['length', '4']]) }] },
        { name: 'add', opType: 'Add', input: ['x', 'c'], output: ['y'] },
      ],
    },
  }));
  const r = await qdq('lint', model, '--format', 'json');
  assert.equal(r.code, 2, r.err);
  const j = JSON.parse(r.out) as LintJson;
  assert.equal(j.externalDataProblems?.length, 1, JSON.stringify(j.externalDataProblems));
  assert.equal(j.externalDataProblems![0]!.tensor, "Constant node 'k' attribute 'value'");
  assert.match(j.externalDataProblems![0]!.message, /cannot read the tensor of Constant node 'k' attribute 'value': .*offset 'abc'/);
  assert.doesNotMatch(r.err, /tensor ''/);
});
