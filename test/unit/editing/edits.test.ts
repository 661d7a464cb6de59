/** Each edit and its inverse on builder models: validation, unique names, topological order, lossless bytes, checker. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../../src/core/analysis/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { applyEdit, EditError, EditSession, exportPlan, resolveTarget, type EditRequest } from '../../../src/core/editing/index';
import type { DecodedModel } from '../../../src/core/onnx/index';
import { assertOnnxChecker, assertValid, build, encode, graphOf, havePyOnnx, noPyOnnxReason, redecode } from './kit';

const CONV = '/model.2/cv1/conv/Conv';
const analyze = (d: DecodedModel) => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const inputsOf = (d: DecodedModel, name: string) => graphOf(d).node.find((n) => n.name === name)!.input;
const producerOp = (d: DecodedModel, t: string) => graphOf(d).node.find((n) => n.output.includes(t))?.opType;

/** apply, then undo gives the original bytes; redo gives the applied bytes; the result is valid. */
function roundTrip(d: DecodedModel, original: Uint8Array, r: EditRequest): Buffer {
  const a = applyEdit(d, r);
  const applied = encode(d);
  assertValid(redecode(d));
  a.journal.undo();
  assert.ok(encode(d).equals(Buffer.from(original)), `${r.kind}: undo is byte-identical`);
  a.journal.redo();
  assert.ok(encode(d).equals(applied), `${r.kind}: redo gives the same bytes`);
  return applied;
}

describe('editing: targets', () => {
  test('node name, scope prefix and module name', () => {
    const { decoded } = build();
    const nodes = graphOf(decoded).node;
    assert.deepEqual(resolveTarget(nodes, CONV).map((n) => n.name), [CONV]);
    const byPrefix = resolveTarget(nodes, '/model.2/').map((n) => n.name);
    const byModule = resolveTarget(nodes, 'model.2').map((n) => n.name);
    assert.ok(byPrefix.length >= 4 && byPrefix.every((n) => n.startsWith('/model.2/') && n.endsWith('Conv')));
    assert.deepEqual(byModule, byPrefix);
    assert.deepEqual(resolveTarget(nodes, 'model.2.cv1').map((n) => n.name), [CONV]);
    assert.throws(() => resolveTarget(nodes, 'model.99'), /no node matches "model.99"/);
  });
});

describe('editing: disable / enable quantization', () => {
  for (const scalesAs of ['constant', 'initializer'] as const) {
    test(`disable one conv (${scalesAs}): inputs float, others untouched, undo byte-identical`, () => {
      const { decoded, bytes } = build({ scalesAs });
      const other = inputsOf(decoded, '/model.2/cv2/conv/Conv').slice();
      const out = roundTrip(decoded, bytes, { kind: 'disableQuantization', target: CONV });
      const d2 = redecode(decoded);
      const input = inputsOf(d2, CONV);
      assert.equal(producerOp(d2, input[0]!), 'Mul', 'activation input reads the float tensor');
      assert.equal(input[1], 'model.2.cv1.conv.weight', 'weight input reads the float initializer');
      assert.deepEqual(inputsOf(d2, '/model.2/cv2/conv/Conv'), other);
      // Untouched weights keep their bytes: the saved file is the original minus removed bytes.
      assert.ok(out.length < bytes.length);
      const pred = analyze(d2).layers.find((l) => l.node === CONV)!;
      assert.ok(pred.precision === 'FP16' || pred.precision === 'FP32', pred.precision);
      assert.equal(analyze(decoded).layers.find((l) => l.node === '/model.2/cv2/conv/Conv')!.precision, 'INT8');
    });
  }

  test('disable a module: every conv under it; a shared input Q/DQ stays for its other readers', () => {
    const { decoded, bytes } = build();
    roundTrip(decoded, bytes, { kind: 'disableQuantization', target: 'model.2.m' });
    const d2 = redecode(decoded);
    const convs = graphOf(d2).node.filter((n) => n.opType === 'Conv' && n.name.startsWith('/model.2/m/'));
    assert.ok(convs.length >= 2);
    for (const c of convs) for (const x of c.input) assert.notEqual(producerOp(d2, x), 'DequantizeLinear', `${c.name} reads ${x}`);
    const layers = analyze(d2).layers;
    for (const c of convs) assert.notEqual(layers.find((l) => l.node === c.name)!.precision, 'INT8');
  });

  test('disabling a layer removes the findings about its quantizers (R1 on model.0 of the defects model)', () => {
    const { decoded } = build({ defects: { nonZeroZeroPoint: true } });
    const about = (d: DecodedModel) => analyze(d).findings.filter((f) => f.ruleId === 'R1' && f.nodes.some((n) => n.startsWith('/model.0/')));
    assert.ok(about(decoded).length > 0, 'the defect is reported');
    applyEdit(decoded, { kind: 'disableQuantization', target: 'model.0' });
    const after = redecode(decoded);
    assert.deepEqual(about(after).map((f) => f.message), []);
    assert.notEqual(analyze(after).layers.find((l) => l.node === '/model.0/conv/Conv')!.precision, 'INT8');
  });

  test('enable re-inserts the remembered quantizers (session), with axis-0 per-channel INT8 weights', () => {
    const { decoded } = build();
    const s = new EditSession(decoded);
    const before = analyze(decoded).layers.find((l) => l.node === CONV)!.precision;
    s.apply({ kind: 'disableQuantization', target: CONV });
    const e = s.apply({ kind: 'enableQuantization', target: CONV });
    assert.match(e.message, /2 Q\/DQ pairs inserted/);
    const d2 = redecode(decoded);
    assertValid(d2);
    assert.equal(analyze(d2).layers.find((l) => l.node === CONV)!.precision, before);
    const w = inputsOf(d2, CONV)[1]!;
    const dq = graphOf(d2).node.find((n) => n.output[0] === w)!;
    assert.equal(dq.opType, 'DequantizeLinear');
    assert.equal(Number(dq.attribute.find((a) => a.name === 'axis')!.i), 0);
    // Undo twice: back to the original bytes.
    s.undo();
    s.undo();
    assert.equal(s.canUndo, false);
  });

  test('a disable inside a batch whose layers an earlier part already disabled is a note, in either order (a module, then one of its layers)', () => {
    const outer = 'model.2';
    const { decoded } = build();
    const inner = resolveTarget(graphOf(decoded).node, outer).find((n) => n.name === CONV)!.name;
    const alone = build().decoded;
    applyEdit(alone, { kind: 'disableQuantization', target: outer });
    for (const edits of [
      [outer, inner],
      [inner, outer],
    ]) {
      const d = build().decoded;
      const original = encode(d);
      const e = applyEdit(d, { kind: 'batch', label: 'keep', edits: edits.map((target) => ({ kind: 'disableQuantization' as const, target })) });
      assert.ok(encode(d).equals(encode(alone)), `${edits.join(' then ')}: the same model as the module alone`);
      if (edits[0] === outer) assert.ok((e.notes ?? []).some((n) => n.includes(`${inner}: already in higher precision (an earlier part of this edit disabled it)`)), (e.notes ?? []).join('\n'));
      e.journal.undo();
      assert.ok(encode(d).equals(original));
    }
    // Alone, a disable with nothing to disable is still refused.
    assert.throws(() => applyEdit(alone, { kind: 'disableQuantization', target: inner }), (x: Error) => x instanceof EditError && /nothing to disable/.test(x.message));
  });

  test('a disable part that is a note still counts as a part: the exported plan keeps the later enable (review)', () => {
    const other = '/model.4/cv1/conv/Conv';
    const { decoded } = build();
    const s = new EditSession(decoded);
    s.apply({ kind: 'disableQuantization', target: other });
    const e = s.apply({
      kind: 'batch',
      label: 'plan',
      edits: [
        { kind: 'disableQuantization', target: 'model.2' },
        { kind: 'disableQuantization', target: CONV },
        { kind: 'enableQuantization', target: other },
      ],
    });
    assert.deepEqual(e.layers?.map((l) => [l.kind, l.target]), [
      ['disableQuantization', 'model.2'],
      ['disableQuantization', CONV],
      ['enableQuantization', other],
    ]);
    const plan = exportPlan(s.applied, 'm.onnx');
    assert.ok(!(plan.keepHigherPrecision ?? []).some((k) => k.target === other), JSON.stringify(plan.keepHigherPrecision));
    assert.equal((plan.keepHigherPrecision ?? []).find((k) => k.target === CONV)?.reason, 'disabled with target model.2', JSON.stringify(plan.keepHigherPrecision));
  });

  test('a disable part whose quantized layers an earlier part disabled and whose others never had Q/DQ is a note (a YOLO head)', () => {
    // model.12.cv2.0 holds a quantized conv and /model.12/cv2.0/cv2.0.1/Conv, which never had Q/DQ.
    const { decoded } = build();
    const original = encode(decoded);
    const e = applyEdit(decoded, { kind: 'batch', label: 'keep', edits: [{ kind: 'disableQuantization', target: 'model.12' }, { kind: 'disableQuantization', target: 'model.12.cv2.0' }] });
    assert.ok((e.notes ?? []).some((n) => /^model\.12\.cv2\.0: its \d+ layers are already in higher precision \(earlier parts of this edit disabled \d+, the others had no Q\/DQ\)$/.test(n)), (e.notes ?? []).join('\n'));
    const alone = build().decoded;
    applyEdit(alone, { kind: 'disableQuantization', target: 'model.12' });
    assert.ok(encode(decoded).equals(encode(alone)));
    e.journal.undo();
    assert.ok(encode(decoded).equals(original));
  });

  test('the parts of a batch (a plan, the layer tree) get the remembered quantizers too: same bytes as the enable alone', () => {
    const alone = build().decoded;
    const s1 = new EditSession(alone);
    s1.apply({ kind: 'disableQuantization', target: CONV });
    s1.apply({ kind: 'enableQuantization', target: CONV });
    const { decoded } = build();
    const s = new EditSession(decoded);
    s.apply({ kind: 'disableQuantization', target: CONV });
    const other = '/model.4/cv1/conv/Conv';
    const e = s.apply({ kind: 'batch', label: 'Apply plan', edits: [{ kind: 'enableQuantization', target: CONV }, { kind: 'disableQuantization', target: other }] });
    assert.ok(e.nodes.includes(CONV));
    assert.equal(analyze(redecode(decoded)).layers.find((l) => l.node === CONV)!.precision, analyze(redecode(alone)).layers.find((l) => l.node === CONV)!.precision);
    // The batch's log replays without the session's memory: it carries what it re-inserted.
    const replayed = build().decoded;
    const r = new EditSession(replayed);
    assert.deepEqual(r.replay(s.backupLog()!), []);
    assert.ok(encode(replayed).equals(encode(decoded)));
    s.undo();
    assert.notEqual(analyze(redecode(decoded)).layers.find((l) => l.node === CONV)!.precision, 'INT8', 'undo of the batch: disabled again');
  });

  test('enable of a module some of whose layers never had Q/DQ: the remembered ones come back, the others are named', () => {
    // The head (model.12) has final convs without Q/DQ, as a yolov9-qat export's model.22 does.
    const { decoded } = build();
    const s = new EditSession(decoded);
    const off = s.apply({ kind: 'disableQuantization', target: 'model.12' });
    const removed = off.replaced.removed!.length;
    assert.ok(removed >= 2);
    const on = s.apply({ kind: 'enableQuantization', target: 'model.12' });
    assert.equal(on.replaced.removed, undefined);
    assert.match(on.message, /^Enabled quantization of \d+ layers under model\.12: \d+ Q\/DQ pairs inserted\. Note: 2 layers under model\.12 left as they are: no scale is known for their input \(\/model\.12\/cv2\.0\/cv2\.0\.1\/Conv, \/model\.12\/cv2\.1\/cv2\.1\.1\/Conv\); give one with qdq edit --enable-quant NODE:SCALE\.$/);
    assert.equal(analyze(redecode(decoded)).findings.filter((f) => f.ruleId === 'R18').length, analyze(build().decoded).findings.filter((f) => f.ruleId === 'R18').length, 'as before the disable');
    // Nothing remembered at all: refused, with the code, naming how many.
    const fresh = build({ qdq: 'none', opset: 13 }).decoded;
    assert.throws(() => applyEdit(fresh, { kind: 'enableQuantization', target: 'model.12' }), (e: Error) => e instanceof EditError && e.code === 'noActivationScale' && /^model\.12: no scale is known for the inputs of \d+ of its layers/.test(e.message));
  });

  test('enable without memory needs an activation scale; weights get max|w|/127 per channel', () => {
    const { decoded } = build({ qdq: 'none', opset: 13 });
    assert.throws(() => applyEdit(decoded, { kind: 'enableQuantization', target: CONV }), (e: Error) => e instanceof EditError && /give one/.test(e.message));
    // The extension acts on the code (a friendlier message in the sensitivity view), not on the words.
    assert.throws(() => applyEdit(decoded, { kind: 'enableQuantization', target: CONV }), (e: Error) => e instanceof EditError && e.code === 'noActivationScale');
    assert.throws(() => applyEdit(decoded, { kind: 'disableQuantization', target: CONV }), (e: Error) => e instanceof EditError && e.code === undefined, 'other refusals carry no code');
    const original = encode(decoded);
    const a = applyEdit(decoded, { kind: 'enableQuantization', target: CONV, activationScale: 0.02 });
    assert.ok(a.nodes.includes(CONV));
    assertValid(redecode(decoded));
    assert.equal(analyze(redecode(decoded)).layers.find((l) => l.node === CONV)!.precision, 'INT8');
    a.journal.undo();
    assert.ok(encode(decoded).equals(original));
  });

  test('refusals leave the model unchanged', () => {
    const { decoded, bytes } = build();
    applyEdit(decoded, { kind: 'disableQuantization', target: CONV });
    const after = encode(decoded);
    assert.throws(() => applyEdit(decoded, { kind: 'disableQuantization', target: CONV }), /nothing to disable/);
    assert.throws(() => applyEdit(decoded, { kind: 'disableQuantization', target: '/nope/' }), /no node matches/);
    assert.ok(encode(decoded).equals(after));
    const fresh = build().decoded;
    // Reading a tensor produced later would break the topological order: refused.
    const late = graphOf(fresh).node.at(-1)!.output[0]!;
    assert.throws(() => applyEdit(fresh, { kind: 'rewireInput', node: '/model.0/conv/Conv', inputIndex: 0, tensor: late }), /refused: the edit would leave the graph invalid: .*reads/);
    assert.throws(() => applyEdit(fresh, { kind: 'rewireInput', node: '/model.0/conv/Conv', inputIndex: 0, tensor: 'no-such-tensor' }), /refused/);
    assert.throws(() => applyEdit(fresh, { kind: 'insertQdqPair', tensor: 'no-such-tensor', scale: 0.1, dtype: 'INT8' }), /no reader|no tensor/);
    assert.throws(() => applyEdit(fresh, { kind: 'insertQdqPair', tensor: '/model.0/conv/Conv_output_0', scale: -1, dtype: 'INT8' }), /positive/);
    assert.throws(() => applyEdit(fresh, { kind: 'insertQdqPair', tensor: '/model.0/conv/Conv_output_0', scale: 0.1, dtype: 'FLOAT8E4M3FN' }), /opset 19/);
    assert.throws(() => applyEdit(fresh, { kind: 'unifyConcat', node: CONV }), /Concat/);
    assert.ok(encode(fresh).equals(Buffer.from(bytes)));
  });
});

describe('editing: pairs, scales and fixes', () => {
  test('insert then remove a pair; new names are unique; order stays topological', () => {
    const { decoded, bytes } = build({ qdq: 'none' });
    const t = '/model.1/conv/Conv_output_0';
    const a = applyEdit(decoded, { kind: 'insertQdqPair', tensor: t, consumers: ['/model.1/act/Sigmoid'], scale: 0.05, dtype: 'INT8' });
    const b = applyEdit(decoded, { kind: 'insertQdqPair', tensor: t, consumers: ['/model.1/act/Mul'], scale: 0.05, dtype: 'INT8' });
    assert.throws(() => applyEdit(decoded, { kind: 'insertQdqPair', tensor: t, scale: 0.05, dtype: 'INT8' }), /no reader/);
    const names = graphOf(decoded).node.map((n) => n.name).filter(Boolean);
    assert.equal(new Set(names).size, names.length, 'node names unique');
    const tensors = graphOf(decoded).node.flatMap((n) => n.output);
    assert.equal(new Set(tensors).size, tensors.length, 'tensor names unique');
    assert.notEqual(a.nodes[0], b.nodes[0]);
    assertValid(redecode(decoded));
    b.journal.undo();
    a.journal.undo();
    assert.ok(encode(decoded).equals(Buffer.from(bytes)));
    // The inverse request of an insert removes it again (as data, not through the journal).
    const c = applyEdit(decoded, { kind: 'insertQdqPair', tensor: t, scale: 0.05, dtype: 'INT8' });
    applyEdit(decoded, c.inverse!);
    assertValid(redecode(decoded));
    assert.equal(graphOf(redecode(decoded)).node.length, graphOf(build({ qdq: 'none' }).decoded).node.length);
  });

  test('unify scales around a Concat (max, min, value) clears its scale finding', () => {
    const { decoded } = build();
    const concat = graphOf(decoded).node.find((n) => n.opType === 'Concat' && n.name.startsWith('/model.2/'))!.name;
    // Break the shared scale on purpose, then let the analysis find it.
    const around = applyEdit(decoded, { kind: 'unifyConcat', node: concat, scale: 0.5, mode: 'value' });
    assert.ok(around.nodes.length >= 2);
    const one = around.nodes.find((n) => n.endsWith('DequantizeLinear'))!;
    applyEdit(decoded, { kind: 'setScales', scales: [{ node: one, scale: 0.25 }] });
    const r16 = analyze(redecode(decoded)).findings.filter((f) => f.ruleId === 'R16' && f.nodes[0] === concat);
    assert.equal(r16.length, 1, 'the finding appears');
    for (const mode of ['max', 'min'] as const) {
      const d = redecode(decoded);
      const u = applyEdit(d, { kind: 'unifyConcat', node: concat, mode });
      assert.match(u.message, new RegExp(`scale ${mode === 'max' ? 0.5 : 0.25}`));
      assertValid(redecode(d));
      assert.equal(analyze(redecode(d)).findings.filter((f) => f.ruleId === 'R16' && f.nodes[0] === concat).length, 0);
      applyEdit(d, u.inverse!);
      assert.equal(analyze(redecode(d)).findings.filter((f) => f.ruleId === 'R16' && f.nodes[0] === concat).length, 1, 'inverse brings the finding back');
    }
    // The analysis' own fix applies as is.
    const d = redecode(decoded);
    applyEdit(d, { kind: 'applyFix', fix: r16[0]!.fix! });
    assert.equal(analyze(redecode(d)).findings.filter((f) => f.ruleId === 'R16' && f.nodes[0] === concat).length, 0);
  });

  for (const qdq of ['good', 'naive'] as const) {
    test(`every fix the analysis proposes on the defects model (${qdq}) applies, undoes exactly, and clears its finding`, () => {
      const { decoded, bytes } = build({ qdq, defects: { nonZeroZeroPoint: true, uint8Activation: true, missingWeightQdq: true, danglingQ: true, biasQdq: true } });
      const findings = analyze(decoded).findings.filter((f) => f.fix);
      assert.ok(findings.length >= 5);
      let applied = 0;
      for (const f of findings) {
        const key = (x: { ruleId: string; nodes: string[] }) => `${x.ruleId}:${x.nodes[0]}`;
        let a;
        try {
          a = applyEdit(decoded, { kind: 'applyFix', fix: f.fix! });
        } catch (e) {
          assert.ok(e instanceof EditError, String(e));
          continue;
        }
        applied++;
        const d2 = redecode(decoded);
        assertValid(d2);
        assert.ok(!analyze(d2).findings.some((x) => key(x) === key(f) && x.message === f.message), `${key(f)} still reported after its fix`);
        a.journal.undo();
        assert.ok(encode(decoded).equals(Buffer.from(bytes)), `${key(f)}: undo`);
      }
      assert.ok(applied >= findings.length - 2, `${applied} of ${findings.length} fixes applied`);
    });
  }

  test('reference checker accepts edited models', { skip: havePyOnnx ? false : noPyOnnxReason }, () => {
    const out: { name: string; bytes: Uint8Array }[] = [];
    const cases: [string, Parameters<typeof build>[0], EditRequest][] = [
      ['disable-conv', {}, { kind: 'disableQuantization', target: CONV }],
      ['disable-module', { scalesAs: 'initializer' }, { kind: 'disableQuantization', target: 'model.2' }],
      ['enable-fp32', { qdq: 'none' }, { kind: 'enableQuantization', target: 'model.2', activationScale: 0.02 }],
      ['insert', { qdq: 'none' }, { kind: 'insertQdqPair', tensor: '/model.1/act/Mul_output_0', scale: 0.05, dtype: 'INT8' }],
      ['unify', {}, { kind: 'unifyConcat', node: '/model.2/Concat', scale: 0.5, mode: 'value' }],
    ];
    for (const [name, opts, r] of cases) {
      const { decoded } = build({ ...opts, valueInfo: true });
      applyEdit(decoded, r);
      out.push({ name, bytes: encode(decoded) });
    }
    assertOnnxChecker(out);
  });
});
