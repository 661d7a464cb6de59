/**
 * Fix All and the Q/DQ chain a pair removal drops upstream: removing a pair whose DQ output nobody
 * reads also drops the Q's input chain once nobody reads it (Q_a → DQ_a → Q_b → DQ_b, DQ_b unread:
 * the pair b goes and so does a). touchedBy must count that chain, and the removal must go before
 * the R19 unify that names Q_a/DQ_a, else the conv output's other Q takes Q_a's scale and the same
 * batch then deletes Q_a.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel, type AnalysisReport } from '../../../src/core/analysis/index';
import { applyEdit, fixAll, touchedBy } from '../../../src/core/editing/index';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { decodeModel, MemorySource, readTensorValues, type DecodedModel } from '../../../src/core/onnx/index';
import { ModelBuilder } from '../../support/modelBuilder';
import { graphOf } from './kit';

const analyse = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(d.model.graph!), {});
const decode = (bytes: Uint8Array): DecodedModel => decodeModel(new MemorySource(bytes, 'm.onnx'), { file: 'm.onnx' });
const Q_IN = '/model.2/conv/_input_quantizer/QuantizeLinear';

/** The per-tensor scale of the named Q/DQ (an initializer or a Constant node's value); undefined when the node is gone. */
function scaleOf(d: DecodedModel, name: string): number | undefined {
  const g = graphOf(d);
  const n = g.node.find((x) => x.name === name);
  if (!n) return undefined;
  const init = g.initializer.find((i) => i.name === n.input[1]);
  if (init) return Number(readTensorValues(d, init)[0]);
  const t = g.node.find((x) => x.output[0] === n.input[1])?.attribute.find((a) => a.name === 'value')?.t;
  return t ? Number(readTensorValues(d, t)[0]) : undefined;
}

/**
 * model.0's conv output y read by Q_a → DQ_a → Q_b → DQ_b (nobody reads DQ_b) and by model.2's
 * input Q/DQ and conv; the scope of a is picked so that Q_a's scale is larger than model.2's input Q's.
 */
function danglingChain(): { bytes: Uint8Array; a: string } {
  for (let k = 0; k < 40; k++) {
    const b = new ModelBuilder({ opset: 13, qdq: 'good' });
    const x = b.input('images', 'FLOAT', [1, 3, 16, 16]);
    const y = b.convSilu(x, { module: 'model.0', cout: 4, k: 1 });
    const t1 = b.qdq(y, { scope: `/model.1/a${k}`, kind: 'activation' });
    b.qdq(t1, { scope: '/model.1/b', kind: 'activation' });
    b.output(b.convSilu(y, { module: 'model.2', cout: 4, k: 1 }), 'out');
    const bytes = b.toBytes();
    const d = decode(bytes);
    if (scaleOf(d, `/model.1/a${k}/QuantizeLinear`)! > scaleOf(d, Q_IN)!) return { bytes, a: `/model.1/a${k}` };
  }
  throw new Error('no scope gives Q_a a larger scale than the model.2 input Q');
}

test('touchedBy: removing a pair whose DQ nobody reads touches the Q/DQ chain before it, which the removal drops too', () => {
  const { bytes, a } = danglingChain();
  const d = decode(bytes);
  const before = graphOf(d).node.map((n) => n.name);
  const fix = { title: 't', edits: [{ kind: 'removeQdqPair' as const, quantize: '/model.1/b/QuantizeLinear', dequantize: '/model.1/b/DequantizeLinear' }] };
  const touched = touchedBy(graphOf(d).node, { nodes: [] }, fix);
  applyEdit(d, { kind: 'applyFix', fix });
  const after = new Set(graphOf(d).node.map((n) => n.name));
  const removed = before.filter((n) => !after.has(n));
  assert.ok(removed.includes(`${a}/QuantizeLinear`) && removed.includes(`${a}/DequantizeLinear`), `the edit drops the pair a: ${removed.join(', ')}`);
  assert.deepEqual(removed.filter((n) => !touched.has(n)), [], 'every node the removal drops is touched');
  assert.ok(!touched.has('/model.0/act/Mul'), 'the op before the chain only loses a reader');
});

test('fixAll: the R25/R26 removal of the unread pair goes before R19 unifying the pair it drops; the conv output Q keeps its scale', () => {
  const { bytes, a } = danglingChain();
  const d = decode(bytes);
  assert.ok(analyse(d).findings.some((f) => f.ruleId === 'R19' && f.fix?.edits.some((e) => e.kind === 'unifyScales' && e.nodes.includes(`${a}/QuantizeLinear`))), 'R19 unifies Q_a with the model.2 input Q');
  const out = fixAll(d, analyse);
  applyEdit(d, out.request!);
  assert.equal(scaleOf(d, `${a}/QuantizeLinear`), undefined, 'Q_a is gone');

  // The reference: remove the unread pair first, then fix what a fresh analysis finds.
  const ref = decode(bytes);
  applyEdit(ref, fixAll(ref, analyse, { rules: ['R25'] }).request!);
  const rest = fixAll(ref, analyse);
  if (rest.request) applyEdit(ref, rest.request);
  assert.equal(scaleOf(d, Q_IN), scaleOf(ref, Q_IN), 'the model.2 input Q has the scale the analysis after the removal gives');
  assert.equal(scaleOf(d, Q_IN), scaleOf(decode(bytes), Q_IN), 'not Q_a\'s larger scale');
});
