/**
 * The producer/reader/name maps an edit needs are kept between edits of a graph and follow undo and
 * redo (src/core/editing/maps.ts). Each edit here relies on what an undo, a redo, a batch or a change
 * made outside the edits restored or changed, and must do exactly what it does on a fresh decode of
 * the same bytes (where nothing is kept). Validation checks only the tensors an edit touched: a
 * problem the model already had stays not-new when the edit moves an unnamed node's index.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEdit, EditError, EditSession, graphProblems, Journal, type EditRequest } from '../../../src/core/editing/index';
import { decodeModel, MemorySource, type DecodedModel } from '../../../src/core/onnx/index';
import { build, encode, graphOf, redecode } from './kit';

const CONV = '/model.2/cv1/conv/Conv';
const CONV2 = '/model.2/cv2/conv/Conv';
const Q = '/model.2/cv1/conv/_input_quantizer/QuantizeLinear';
const DQ = '/model.2/cv1/conv/_input_quantizer/DequantizeLinear';

/** What `request` does to a fresh decode of `d` as it is now: the bytes, or the refusal. */
function onFresh(d: DecodedModel, request: EditRequest): { bytes?: Buffer; message: string } {
  const fresh = redecode(d);
  try {
    applyEdit(fresh, request);
    return { bytes: encode(fresh), message: '' };
  } catch (e) {
    if (!(e instanceof EditError)) throw e;
    return { message: e.message };
  }
}

/** Applies `request` to `d` (through `session` when given) and asserts it does what it does on a fresh decode of `d`. */
function sameAsFresh(d: DecodedModel, request: EditRequest, session?: EditSession): void {
  const expected = onFresh(d, request);
  let message = '';
  try {
    if (session) session.apply(request);
    else applyEdit(d, request);
  } catch (e) {
    if (!(e instanceof EditError)) throw e;
    message = e.message;
  }
  assert.equal(message, expected.message, `${request.kind}: refused the same way`);
  if (expected.bytes) assert.ok(encode(d).equals(expected.bytes), `${request.kind}: same bytes as on a fresh decode`);
}

describe('editing: maps kept between edits', () => {
  test('after an undo, an edit sees what the undo restored (the pair the undone disable removed)', () => {
    const { decoded, bytes } = build();
    applyEdit(decoded, { kind: 'disableQuantization', target: CONV }).journal.undo();
    assert.ok(encode(decoded).equals(Buffer.from(bytes)));
    // Names and readers as before the disable: the pair is there, CONV reads it.
    const r = applyEdit(decoded, { kind: 'removeQdqPair', quantize: Q, dequantize: DQ });
    assert.match(r.message, /1 reader now read/);
    assert.deepEqual(r.nodes, [CONV]);
    r.journal.undo();
    sameAsFresh(decoded, { kind: 'removeQdqPair', quantize: Q, dequantize: DQ });
  });

  test('after undo and redo, an edit sees the redone graph (enable what the redone disable removed)', () => {
    const { decoded } = build();
    const off = applyEdit(decoded, { kind: 'disableQuantization', target: CONV });
    off.journal.undo();
    off.journal.redo();
    // Stale maps of the undone state would find CONV still quantized: "nothing to enable".
    sameAsFresh(decoded, off.inverse!);
    assert.match(encode(decoded).toString('latin1'), /_input_quantizer\/QuantizeLinear/);
  });

  test('a batch, its undo, then one of its parts alone; and edits back to back without undo', () => {
    const { decoded } = build();
    const parts = ['/model.2/m/m.0/cv1/conv/Conv', '/model.2/m/m.0/cv2/conv/Conv', CONV2];
    const batch = applyEdit(decoded, { kind: 'batch', label: 'keep', edits: parts.map((target): EditRequest => ({ kind: 'disableQuantization', target })) });
    batch.journal.undo();
    sameAsFresh(decoded, { kind: 'disableQuantization', target: parts[1]! });
    sameAsFresh(decoded, { kind: 'disableQuantization', target: CONV });
    // The scale initializer the unify creates is named with the names in use now.
    sameAsFresh(decoded, { kind: 'unifyScales', nodes: ['/model.2/cv3/conv/_input_quantizer/QuantizeLinear', '/model.2/cv3/conv/_input_quantizer/DequantizeLinear', '/model.1/conv/_input_quantizer/DequantizeLinear'], mode: 'max' });
    sameAsFresh(decoded, { kind: 'disableQuantization', target: CONV });
  });

  test('a session: undo twice, redo once, then an enable from memory and a new edit', () => {
    const { decoded, bytes } = build();
    const session = new EditSession(decoded);
    session.apply({ kind: 'disableQuantization', target: CONV });
    session.apply({ kind: 'disableQuantization', target: CONV2 });
    session.undo();
    session.undo();
    session.redo();
    const expected = onFresh(decoded, { kind: 'enableQuantization', target: CONV, remembered: session.applied[0]!.replaced.removed });
    session.apply({ kind: 'enableQuantization', target: CONV });
    assert.ok(encode(decoded).equals(expected.bytes!));
    sameAsFresh(decoded, { kind: 'disableQuantization', target: CONV2 }, session);
    // Undo replays the newest journal first; the maps follow each step back to the start.
    while (session.undo());
    assert.ok(encode(decoded).equals(Buffer.from(bytes)));
    sameAsFresh(decoded, { kind: 'removeQdqPair', quantize: Q, dequantize: DQ });
  });

  test('an undo or redo repeated (the graph stays as it is) leaves the maps as they are', () => {
    const { decoded } = build();
    const a = applyEdit(decoded, { kind: 'disableQuantization', target: CONV });
    a.journal.undo();
    a.journal.undo();
    const r = applyEdit(decoded, { kind: 'removeQdqPair', quantize: Q, dequantize: DQ });
    assert.match(r.message, / 1 reader now read /);
    r.journal.undo();
    const b = applyEdit(decoded, { kind: 'disableQuantization', target: CONV2 });
    b.journal.undo();
    b.journal.redo();
    b.journal.redo();
    b.journal.undo();
    const cv2 = '/model.2/cv2/conv/_input_quantizer/';
    const r2 = applyEdit(decoded, { kind: 'removeQdqPair', quantize: `${cv2}QuantizeLinear`, dequantize: `${cv2}DequantizeLinear` });
    assert.match(r2.message, / 1 reader now read /);
    r2.journal.undo();
    sameAsFresh(decoded, { kind: 'disableQuantization', target: CONV2 });
  });

  test('a change made outside the edits (another journal) is seen by the next edit', () => {
    const { decoded } = build();
    applyEdit(decoded, { kind: 'disableQuantization', target: CONV2 }).journal.undo();
    const conv = graphOf(decoded).node.find((n) => n.name === CONV)!;
    new Journal().set(conv, 'name', '/renamed/Conv');
    sameAsFresh(decoded, { kind: 'disableQuantization', target: '/renamed/Conv' });
    sameAsFresh(decoded, { kind: 'disableQuantization', target: CONV });
  });

  test('random sequences of edits, undos and redos do what they do on a fresh decode (150 cases)', () => {
    const { bytes, decoded } = build();
    const layers = graphOf(decoded).node.filter((n) => n.opType === 'Conv').map((n) => n.name);
    const qs = graphOf(decoded).node.filter((n) => n.opType === 'QuantizeLinear').map((n) => n.name);
    const layer = fc.constantFrom(...layers);
    const request: fc.Arbitrary<EditRequest> = fc.oneof(
      layer.map((target): EditRequest => ({ kind: 'disableQuantization', target })),
      layer.map((target): EditRequest => ({ kind: 'enableQuantization', target, activationScale: 0.05 })),
      fc.constantFrom(...qs).map((q): EditRequest => ({ kind: 'removeQdqPair', quantize: q, dequantize: q.replace(/QuantizeLinear$/, 'DequantizeLinear') })),
      fc.constantFrom('/model.2/m/m.0/Add_output_0', '/model.1/act/Mul_output_0').map((tensor): EditRequest => ({ kind: 'insertQdqPair', tensor, scale: 0.1, dtype: 'INT8' })),
      fc.constantFrom('model.2', 'model.2.m', '/model.2/m/').map((target): EditRequest => ({ kind: 'disableQuantization', target })),
      fc.array(layer, { minLength: 2, maxLength: 4 }).map((ts): EditRequest => ({ kind: 'batch', label: 'b', edits: ts.map((target) => ({ kind: 'disableQuantization', target })) })),
    );
    const step = fc.oneof({ arbitrary: request, weight: 3 }, { arbitrary: fc.constantFrom('undo' as const, 'redo' as const), weight: 2 });
    let applied = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const d = decodeModel(new MemorySource(bytes, 'model.onnx'), { file: 'model.onnx' });
        const session = new EditSession(d);
        for (const s of steps) {
          if (s === 'undo') session.undo();
          else if (s === 'redo') session.redo();
          else {
            const expected = onFresh(d, s);
            try {
              session.apply(s);
              applied++;
            } catch (e) {
              if (!(e instanceof EditError)) throw e;
              assert.equal(e.message, expected.message);
              continue;
            }
            assert.equal(expected.message, '', `applied, but refused on a fresh decode: ${expected.message}`);
            assert.ok(encode(d).equals(expected.bytes!), `${s.kind}: same bytes as on a fresh decode`);
          }
        }
        while (session.undo());
        assert.ok(encode(d).equals(Buffer.from(bytes)), 'undoing everything gives the original bytes');
      }),
      { numRuns: 150, seed: 22 },
    );
    assert.ok(applied > 150, `${applied} edits applied`);
  });
});

describe('editing: validation of what an edit touched', () => {
  /** The builder model with a problem: an unnamed Mul late in the graph reads a tensor nobody produces. */
  function withProblem(): DecodedModel {
    const { decoded } = build();
    const mul = graphOf(decoded).node.find((n) => n.name === '/model.2/cv2/act/Mul')!;
    const j = new Journal();
    j.set(mul, 'name', '');
    j.set(mul, 'input', [mul.input[0]!, 'missing']);
    return redecode(decoded, 'problem.onnx');
  }

  test('a problem the model already had is not new when the edit moves the unnamed node\'s index', () => {
    const d = withProblem();
    const before = [...graphProblems(graphOf(d)).values()];
    assert.equal(before.length, 1);
    assert.match(before[0]!, /^Mul#\d+ reads "missing"/);
    // The disable removes a Q/DQ pair and its constants before the Mul: its label moves.
    applyEdit(d, { kind: 'disableQuantization', target: CONV });
    const after = [...graphProblems(graphOf(d)).values()];
    assert.equal(after.length, 1);
    assert.notEqual(after[0], before[0], 'the label moved');
  });

  test('a new reader of that tensor, or of one produced later, is refused; the model is unchanged', () => {
    const d = withProblem();
    const bytes = encode(d);
    assert.throws(() => applyEdit(d, { kind: 'rewireInput', node: CONV2, inputIndex: 0, tensor: 'missing' }), new RegExp(`refused: the edit would leave the graph invalid: ${CONV2} reads "missing"`));
    assert.throws(() => applyEdit(d, { kind: 'rewireInput', node: CONV, inputIndex: 0, tensor: '/model.2/cv2/act/Sigmoid_output_0' }), /refused: .*\/model\.2\/cv1\/conv\/Conv reads "\/model\.2\/cv2\/act\/Sigmoid_output_0" before/);
    assert.ok(encode(d).equals(bytes));
    // The refusals took the kept maps back too: CONV2 reads its pair again.
    const removed = applyEdit(d, { kind: 'removeQdqPair', quantize: '/model.2/cv2/conv/_input_quantizer/QuantizeLinear', dequantize: '/model.2/cv2/conv/_input_quantizer/DequantizeLinear' });
    assert.deepEqual(removed.nodes, [CONV2]);
  });

  test('a tensor produced twice (the maps cannot be exact): the whole graph is checked, edits still apply and undo', () => {
    const { decoded } = build();
    const sigmoid = graphOf(decoded).node.find((n) => n.name === '/model.2/cv3/act/Sigmoid')!;
    new Journal().set(sigmoid, 'output', ['/model.2/cv2/act/Mul_output_0']);
    const d = redecode(decoded, 'twice.onnx');
    const bytes = encode(d);
    assert.deepEqual([...graphProblems(graphOf(d)).keys()].filter((k) => k.startsWith('dup:')), ['dup:/model.2/cv2/act/Mul_output_0']);
    const session = new EditSession(d);
    sameAsFresh(d, { kind: 'disableQuantization', target: CONV }, session);
    sameAsFresh(d, { kind: 'disableQuantization', target: CONV2 }, session);
    assert.throws(() => session.apply({ kind: 'rewireInput', node: '/model.0/conv/Conv', inputIndex: 0, tensor: '/model.1/act/Mul_output_0' }), /refused: .*reads "\/model\.1\/act\/Mul_output_0" before/);
    session.undo();
    sameAsFresh(d, { kind: 'removeQdqPair', quantize: '/model.2/cv2/conv/_input_quantizer/QuantizeLinear', dequantize: '/model.2/cv2/conv/_input_quantizer/DequantizeLinear' }, session);
    while (session.undo());
    assert.ok(encode(d).equals(bytes));
  });
});

describe('editing: names for new nodes', () => {
  test('a batch that disables a layer and quantizes it again reuses the names the disable freed, value infos included', () => {
    const { decoded } = build({ valueInfo: true });
    const dqOut = `${DQ}_output_0`;
    assert.ok(graphOf(decoded).valueInfo.some((v) => v.name === dqOut), 'the model describes the DQ output');
    const a = applyEdit(decoded, {
      kind: 'batch', label: 'again', edits: [{ kind: 'disableQuantization', target: CONV }, { kind: 'enableQuantization', target: CONV, activationScale: 0.05 }],
    });
    assert.match(a.message, /Enabled quantization of/);
    const conv = graphOf(decoded).node.find((n) => n.name === CONV)!;
    assert.equal(conv.input[0], dqOut);
    assert.ok(graphOf(decoded).node.some((n) => n.name === Q));
  });
});
