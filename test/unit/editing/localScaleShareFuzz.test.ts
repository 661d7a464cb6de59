/**
 * A differential property test of the local scale-sharing walk (src/core/analysis/localAnalysis.ts):
 * "unify scales around a node" finds its set from the maps the editing layer keeps between edits,
 * resolving only the nodes the walk reaches, instead of indexing and analysing the whole graph.
 * Random sequences of edits and undos/redos on builder models (good and naive placement, value infos,
 * initializer scales, a quantizer shared by a Resize and a Concat, unnamed nodes, a problem the model
 * already has, a Shape reader, a Q read only by a dead Q) and, after each step, for every
 * node the walk may start from (the commuting ops) and one in three of the others: whenever the
 * editing context offers the local graph, its set (members and
 * Concats in order, scales, output scales, pinned quantizers, the "does not commute" reason) must be
 * the whole-graph analysis' (`scaleShareIn` over the analysis `scaleShareAround` builds from a fresh
 * graph index), field for field. Graphs the
 * local walk cannot answer for (a node list out of topological order, an initializer name given
 * twice) must not be offered. Runs: 60 with a fixed seed; QDQ_LOCAL_SHARE_RUNS for more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AnalysisContext } from '../../../src/core/analysis/context';
import { scaleShareAroundLocal } from '../../../src/core/analysis/index';
import { Propagation } from '../../../src/core/analysis/propagation';
import { resolveQdq } from '../../../src/core/analysis/qdq';
import { scaleShareIn } from '../../../src/core/analysis/scaleShare';
import { DEFAULT_TARGET } from '../../../src/core/analysis/types';
import { EditContext, newNode, newTensor } from '../../../src/core/editing/context';
import { EditError, EditSession, Journal, type EditRequest } from '../../../src/core/editing/index';
import { buildGraphIndex, nodeLabel } from '../../../src/core/graph/index';
import { DataType, decodeModel, MemorySource, type DecodedModel, type Graph, type Node } from '../../../src/core/onnx/index';
import { build, encode, graphOf, redecode } from './kit';

interface Variant {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Whether the local walk may be offered on the model as built. */
  readonly local: boolean;
}

function variant(name: string, decoded: DecodedModel, change?: (g: Graph, j: Journal) => void, local = true): Variant {
  if (change) change(graphOf(decoded), new Journal());
  const d = change ? redecode(decoded, `${name}.onnx`) : decoded;
  return { name, bytes: encode(d), local };
}

const VARIANTS: readonly Variant[] = [
  variant('good', build().decoded),
  variant('naive', build({ qdq: 'naive' }).decoded),
  variant('described', build({ valueInfo: true, scalesAs: 'initializer', sharedUpsampleDq: true }).decoded, (g, j) => {
    g.node.forEach((n, i) => i % 3 === 1 && j.set(n, 'name', ''));
  }),
  // A Mul reads a tensor nobody produces; a Shape reads a Concat's output (not a consumer of its values).
  variant('problem', build({ defects: { danglingQ: true, biasQdq: true, missingWeightQdq: true } }).decoded, (g, j) => {
    const mul = g.node.find((n) => n.name === '/model.2/cv2/act/Mul')!;
    j.set(mul, 'input', [mul.input[0]!, 'missing']);
    const concat = g.node.findIndex((n) => n.opType === 'Concat');
    const shape = newNode('Shape', '/probe/Shape', [g.node[concat]!.output[0]!], ['/probe/shape']);
    j.set(g, 'node', [...g.node.slice(0, concat + 1), shape, ...g.node.slice(concat + 1)]);
  }),
  // After a Concat, beside its Q/DQ: a Q read only by a Q that nobody reads. The analysis marks the
  // second dead, and the first live (its dead pass runs in node order: a Q after it does not count).
  variant('chained', build({ scalesAs: 'initializer' }).decoded, (g, j) => {
    const at = g.node.findIndex((n) => n.opType === 'QuantizeLinear' && g.node.some((c) => c.opType === 'Concat' && c.output[0] === n.input[0]));
    const q = g.node[at]!;
    const first = newNode('QuantizeLinear', `${q.name}/first`, [q.input[0]!, ...q.input.slice(1)], [`${q.output[0]}/first`]);
    const second = newNode('QuantizeLinear', `${q.name}/second`, [first.output[0]!, ...q.input.slice(1)], [`${q.output[0]}/second`]);
    j.set(g, 'node', [...g.node.slice(0, at + 1), first, second, ...g.node.slice(at + 1)]);
  }),
  // The node list out of topological order: a DQ moved after its readers (the analysis sorts it).
  variant('unsorted', build().decoded, (g, j) => {
    const at = g.node.findIndex((n) => n.opType === 'DequantizeLinear' && g.node.some((c) => c.opType === 'Concat' && c.input.includes(n.output[0]!)));
    j.set(g, 'node', [...g.node.slice(0, at), ...g.node.slice(at + 1), g.node[at]!]);
  }, false),
  // A scale initializer given twice with different values (the index keeps the last, lookups the first).
  variant('twice', build({ scalesAs: 'initializer' }).decoded, (g, j) => {
    const dq = g.node.find((n) => n.opType === 'DequantizeLinear' && g.node.some((c) => c.opType === 'Concat' && c.input.includes(n.output[0]!)))!;
    j.set(g, 'initializer', [...g.initializer, newTensor(dq.input[1]!, DataType.FLOAT, [], [0.5])]);
  }, false),
];

type Step =
  | { op: 'unifyConcat' | 'disable' | 'removeOnTensor'; pick: number }
  | { op: 'insertPair'; pick: number }
  | { op: 'undo' | 'redo' };

const pick = fc.oneof(fc.nat(3), fc.nat(999));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('unifyConcat' as const, 'disable' as const, 'removeOnTensor' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insertPair' as const), pick }) },
  { weight: 3, arbitrary: fc.constantFrom('undo' as const, 'redo' as const).map((op) => ({ op })) },
);

const at = <T>(list: readonly T[], i: number): T | undefined => (list.length ? list[i % list.length] : undefined);

function requestOf(s: Extract<Step, { pick: number }>, g: Graph): EditRequest {
  const nodes = g.node;
  const label = (n: Node | undefined): string => (n ? nodeLabel(n, nodes.indexOf(n)) : 'nothing');
  switch (s.op) {
    case 'unifyConcat':
      return { kind: 'unifyConcat', node: label(at(nodes.filter((n) => n.opType === 'Concat'), s.pick)), mode: 'value', scale: 0.03125 };
    case 'disable':
      return { kind: 'disableQuantization', target: label(at(nodes.filter((n) => n.opType === 'Conv'), s.pick)) };
    case 'removeOnTensor':
      return { kind: 'removeQdqOnTensor', tensor: at(nodes.filter((n) => n.opType === 'QuantizeLinear'), s.pick)?.input[0] ?? 'nothing' };
    case 'insertPair': {
      const tensors = nodes.filter((n) => n.opType !== 'Constant' && n.opType !== 'QuantizeLinear').flatMap((n) => n.output.filter(Boolean));
      return { kind: 'insertQdqPair', tensor: at(tensors, s.pick) ?? 'nothing', scale: 0.05, dtype: 'INT8' };
    }
  }
}

const stats = { checks: 0, local: 0, nonEmpty: 0 };

/** Ops the walk may start from (the analysis' commuting ops); others are checked one in three (their reason). */
const STARTS = new Set(['MaxPool', 'Flatten', 'Transpose', 'Concat', 'Split', 'Squeeze', 'Unsqueeze', 'Reshape', 'Slice', 'Identity', 'Resize', 'Upsample', 'Pad']);

/** The set of every node the walk may start from (and of some others), local against the whole-graph analysis, in the graph as it is now. */
function compareAll(d: DecodedModel, where: string, mayBeLocal: boolean): void {
  const ctx = new EditContext(d);
  try {
    const local = ctx.localGraph();
    if (!mayBeLocal) assert.equal(local, undefined, `${where}: the local walk was offered for a graph it cannot answer for`);
    // The whole-graph analysis, as `scaleShareAround` makes it (once for all the nodes).
    const whole = new AnalysisContext(d, buildGraphIndex(graphOf(d)), DEFAULT_TARGET);
    const qdq = resolveQdq(whole);
    const prop = new Propagation(whole, qdq);
    graphOf(d).node.forEach((n, i) => {
      if (!STARTS.has(n.opType) && i % 3 !== 0) return;
      stats.checks++;
      const mine = local && scaleShareAroundLocal(local, i);
      if (!mine) return;
      stats.local++;
      if (mine.qdq.length) stats.nonEmpty++;
      assert.deepEqual(mine, scaleShareIn(whole, qdq, prop, i), `${where}: node ${nodeLabel(n, i)}`);
    });
  } finally {
    ctx.rollback(); // nothing changed: the maps are kept again
  }
}

function runSequence(v: Variant, steps: readonly Step[]): void {
  const d = decodeModel(new MemorySource(v.bytes, `${v.name}.onnx`), { file: `${v.name}.onnx` });
  const s = new EditSession(d);
  compareAll(d, `${v.name}, as built`, v.local);
  steps.forEach((st, k) => {
    try {
      if ('pick' in st) s.apply(requestOf(st, graphOf(d)));
      else if (st.op === 'undo') s.undo();
      else s.redo();
    } catch (e) {
      if (!(e instanceof EditError)) throw e;
    }
    compareAll(d, `${v.name}, step ${k} (${st.op})`, v.local);
  });
}

const RUNS = Number(process.env.QDQ_LOCAL_SHARE_RUNS) || 60;

test(`local scale-sharing sets are the whole-graph analysis' (${RUNS} random sequences of 1-8 edits, every node)`, () => {
  fc.assert(
    fc.property(fc.nat(VARIANTS.length - 1), fc.array(step, { minLength: 1, maxLength: 8 }), (v, steps) => runSequence(VARIANTS[v]!, steps)),
    { numRuns: RUNS, seed: 4711, includeErrorInReport: true },
  );
  // Meaningful only if most checks went through the local walk and many met a non-empty set.
  assert.ok(stats.local > stats.checks / 2, `local walk on ${stats.local} of ${stats.checks} nodes`);
  assert.ok(stats.nonEmpty > stats.local / 10, `${stats.nonEmpty} of ${stats.local} local sets not empty`);
  if (process.env.QDQ_LOCAL_SHARE_RUNS) console.log(`[localScaleShareFuzz] ${JSON.stringify(stats)}`);
});

test('graphs the local walk cannot answer for are not offered, and a unify there still works', () => {
  for (const v of VARIANTS.filter((x) => !x.local)) {
    const d = decodeModel(new MemorySource(v.bytes, `${v.name}.onnx`), { file: `${v.name}.onnx` });
    const ctx = new EditContext(d);
    assert.equal(ctx.localGraph(), undefined, v.name);
    ctx.rollback();
    const concat = graphOf(d).node.find((n) => n.opType === 'Concat')!;
    const a = new EditSession(d).apply({ kind: 'unifyConcat', node: concat.name, mode: 'value', scale: 0.03125 });
    assert.match(a.message, /quantizers around .* now use scale 0.03125/, v.name);
  }
});
