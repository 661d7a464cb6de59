/**
 * The backup log after undoing past the save point, on a model without node names: the inverses of
 * the undone saved edits restore the meaning but not the node order, so the requests after them are
 * written with their labels moved to the graph the log replays onto (session.ts). Replaying the log
 * on the saved file gives the session's model (same Q/DQ placement and scales per layer), or the log
 * is refused loudly; never a request that edits another node.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EditError, EditSession, type EditRequest } from '../../../src/core/editing/index';
import { decodeModel, MemorySource, readTensorValues, type DecodedModel, type Node } from '../../../src/core/onnx/index';
import { build, encode, graphOf, unnamed } from './kit';

const fresh = (): DecodedModel => unnamed(build().decoded);
const decode = (bytes: Uint8Array): DecodedModel => decodeModel(new MemorySource(bytes, 'saved.onnx'), { file: 'saved.onnx' });

/** Labels of the convs whose input 0 reads a DQ output. */
function quantizedConvs(d: DecodedModel): string[] {
  const g = graphOf(d);
  const producer = new Map<string, Node>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  return g.node.flatMap((n, i) => (n.opType === 'Conv' && producer.get(n.input[0]!)?.opType === 'DequantizeLinear' ? [`Conv#${i}`] : []));
}

/** The k-th quantized conv's label as the graph is now (labels move as Q/DQ come and go). */
function labelsNow(d: DecodedModel): (k: number) => string {
  const layers = quantizedConvs(d).map((c) => graphOf(d).node[Number(c.slice('Conv#'.length))]!);
  return (k) => `Conv#${graphOf(d).node.indexOf(layers[k]!)}`;
}

/** Labels of the Q→DQ pairs, in node order. */
function pairs(d: DecodedModel): [string, string][] {
  const g = graphOf(d);
  return g.node.flatMap((n, i) => {
    if (n.opType !== 'QuantizeLinear') return [];
    const j = g.node.findIndex((m) => m.opType === 'DequantizeLinear' && m.input[0] === n.output[0]);
    return j >= 0 ? [[`QuantizeLinear#${i}`, `DequantizeLinear#${j}`] as [string, string]] : [];
  });
}

/**
 * The model as TensorRT would see it: per layer (not a Q/DQ/Constant; by its first output), each
 * input either the tensor it reads or "DQ" with the dequantizer's scales, zero points and type.
 */
function placement(d: DecodedModel): string[] {
  const g = graphOf(d);
  const producer = new Map<string, Node>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  const values = (t: string | undefined): string => {
    if (!t) return '-';
    const init = g.initializer.find((i) => i.name === t);
    const tensor = init ?? producer.get(t)?.attribute.find((a) => a.name === 'value')?.t;
    return tensor ? `${tensor.dataType}:${Array.from(readTensorValues(d, tensor), Number).join(',')}` : `?${t}`;
  };
  return g.node
    .filter((n) => !['QuantizeLinear', 'DequantizeLinear', 'Constant'].includes(n.opType))
    .map((n) => {
      const inputs = n.input.map((t) => {
        const p = producer.get(t);
        return p?.opType === 'DequantizeLinear' ? `DQ(${values(p.input[1])} ${values(p.input[2])})` : t;
      });
      return `${n.opType} ${n.output[0]}: ${inputs.join(' | ')}`;
    })
    .sort();
}

/** Replays `log` on the saved bytes: no request refused, and the session's model again. */
function assertReplays(saved: Uint8Array, log: EditRequest[], session: DecodedModel, what: string): void {
  const r = new EditSession(decode(saved));
  assert.deepEqual(r.replay(log), [], `${what}: every request of the log applies`);
  assert.deepEqual(placement(r.decoded), placement(session), `${what}: the replayed log gives the session's model`);
}

describe('backup log after undoing past the save point (unnamed nodes)', () => {
  test('a disable undone past the save point, then another disable by label: the log replays to the session model', () => {
    const convs = quantizedConvs(fresh());
    for (const [i, j] of [[0, 1], [0, 2], [1, 3], [2, 0], [3, 5], [5, 1]] as const) {
      const d = fresh();
      const s = new EditSession(d);
      s.apply({ kind: 'disableQuantization', target: convs[i]! });
      s.markSaved();
      const saved = encode(d);
      s.undo();
      s.apply({ kind: 'disableQuantization', target: convs[j]! });
      const now = encode(d);
      const log = s.backupLog();
      assert.ok(encode(d).equals(now), 'writing the log leaves the model as it was');
      assertReplays(saved, log, d, `saved ${convs[i]}, then ${convs[j]}`);
      // The history still works: undo and redo are exact.
      s.undo();
      s.redo();
      assert.ok(encode(d).equals(now));
    }
  });

  test('a pair removal undone past the save point, then another pair removal by labels: the log replays to the session model', () => {
    const ps = pairs(fresh());
    for (const [i, j] of [[0, 1], [0, 4], [2, 3], [4, 7]] as const) {
      const d = fresh();
      const s = new EditSession(d);
      s.apply({ kind: 'removeQdqPair', quantize: ps[i]![0], dequantize: ps[i]![1] });
      s.markSaved();
      const saved = encode(d);
      s.undo();
      s.apply({ kind: 'removeQdqPair', quantize: ps[j]![0], dequantize: ps[j]![1] });
      assertReplays(saved, s.backupLog(), d, `saved pair ${i}, then pair ${j}`);
    }
  });

  test('two saved disables undone (two inverses in the log), with and without a later edit: the log replays to the session model', () => {
    const d = fresh();
    const now = labelsNow(d);
    const s = new EditSession(d);
    s.apply({ kind: 'disableQuantization', target: now(1) });
    s.apply({ kind: 'disableQuantization', target: now(3) });
    s.markSaved();
    const saved = encode(d);
    s.undo();
    s.undo();
    assert.equal(s.backupLog().length, 2);
    assertReplays(saved, s.backupLog(), d, 'both undone');
    s.apply({ kind: 'disableQuantization', target: now(4) });
    assert.equal(s.backupLog().length, 3);
    assertReplays(saved, s.backupLog(), d, 'both undone, then another disable');
    s.undo();
    s.apply({ kind: 'disableQuantization', target: now(2) });
    s.apply({ kind: 'disableQuantization', target: now(0) });
    assertReplays(saved, s.backupLog(), d, 'both undone, then two other disables');
  });

  test('undoing past the save point twice (one saved disable at a time, a new edit after each): the log replays to the session model', () => {
    const d = fresh();
    const now = labelsNow(d);
    const s = new EditSession(d);
    s.apply({ kind: 'disableQuantization', target: now(1) });
    s.apply({ kind: 'disableQuantization', target: now(3) });
    s.markSaved();
    const saved = encode(d);
    s.undo();
    s.apply({ kind: 'disableQuantization', target: now(5) });
    assertReplays(saved, s.backupLog(), d, 'first round');
    s.undo();
    s.undo(); // past the first saved disable too
    s.apply({ kind: 'disableQuantization', target: now(2) });
    assert.equal(s.backupLog().length, 3);
    assertReplays(saved, s.backupLog(), d, 'second round');
    while (s.undo());
    assertReplays(saved, s.backupLog(), d, 'everything undone');
  });

  test('a later request naming a Q/DQ the log\'s inverse re-creates under a new name: the log is refused, not written', () => {
    const d = fresh();
    const convs = quantizedConvs(d);
    const g = graphOf(d);
    const conv = g.node[Number(convs[1]!.slice('Conv#'.length))]!;
    const dq = g.node.find((n) => n.output[0] === conv.input[0])!;
    const q = g.node.find((n) => n.output[0] === dq.input[0])!;
    const s = new EditSession(d);
    s.apply({ kind: 'disableQuantization', target: convs[1]! });
    s.markSaved();
    s.undo(); // the very Q/DQ objects are back, unnamed
    s.apply({ kind: 'removeQdqPair', quantize: `QuantizeLinear#${g.node.indexOf(q)}`, dequantize: `DequantizeLinear#${graphOf(d).node.indexOf(dq)}` });
    const now = encode(d);
    assert.throws(() => s.backupLog(), (e: Error) => e instanceof EditError && /cannot be written as an edit log: QuantizeLinear#\d+ is not in the graph the log replays onto/.test(e.message));
    assert.ok(encode(d).equals(now), 'the refused log leaves the model as it was');
  });
});
