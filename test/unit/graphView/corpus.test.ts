/**
 * The view graph and its layout on the checked-in fixtures and the shared real exports
 * (../shared/fixtures/onnx, when present): fold counts, the unused Q/DQ pairs of the yolov9-qat
 * exports stay drawn, every activation badge's scale and zero point equal the values of the
 * Constant nodes as decoded by the reference decoder (onnx-proto), and the layout of every view is
 * valid (no overlaps, edges downward).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { buildViewGraph, layoutViewGraph, viewNodeSizes, type ViewGraph } from '../../../src/core/graphView/index';
import { type DecodedModel, openModelFile } from '../../../src/core/onnx/index';
import { localOnnxFixtures, sharedOnnxModels } from '../../support/fixtures';
import { tensorValues } from '../../support/modelBuilder';
import { assertLayoutValid } from '../layout/layoutChecks';
import { onnx } from '../onnx/protoHelpers';

const local = fs.readdirSync(localOnnxFixtures).filter((f) => f.endsWith('.onnx')).sort().map((f) => path.join(localOnnxFixtures, f));
const shared = sharedOnnxModels({ cases: 6 });

/** Reference facts from the raw protobuf: DQ nodes whose output nobody reads, Constant values by output name. */
function reference(file: string): { unusedDq: number; qCount: number; constants: Map<string, number[]>; nodes: onnx.INodeProto[] } {
  const m = onnx.ModelProto.decode(fs.readFileSync(file));
  const nodes = m.graph!.node!;
  const read = new Set<string>();
  for (const n of nodes) for (const i of n.input ?? []) read.add(i);
  for (const o of m.graph!.output ?? []) read.add(o.name!);
  const constants = new Map<string, number[]>();
  for (const n of nodes) {
    if (n.opType !== 'Constant') continue;
    const t = n.attribute?.find((a) => a.name === 'value')?.t;
    if (t) constants.set(n.output![0]!, tensorValues(t as onnx.ITensorProto));
  }
  return {
    unusedDq: nodes.filter((n) => n.opType === 'DequantizeLinear' && !read.has(n.output![0]!)).length,
    qCount: nodes.filter((n) => n.opType === 'QuantizeLinear').length,
    constants,
    nodes,
  };
}

function checkModel(file: string, d: DecodedModel): { folded: ViewGraph; raw: ViewGraph } {
  const index = buildGraphIndex(d.model.graph!);
  const folded = buildViewGraph(d, { index });
  const raw = buildViewGraph(d, { index, mode: 'raw' });
  assert.equal(raw.stats.opNodes - folded.stats.opNodes, 2 * folded.stats.foldedPairs + folded.stats.foldedWeightDq, `${file}: removed nodes`);
  for (const v of [folded, raw]) {
    const sizes = viewNodeSizes(v);
    const sources = v.edges.map((e) => e.s);
    const targets = v.edges.map((e) => e.t);
    const layout = layoutViewGraph(v, { sizes });
    assertLayoutValid({ nodeCount: v.nodes.length, sources, targets, widths: sizes.widths, heights: sizes.heights }, layout);
  }
  return { folded, raw };
}

describe('view graph and layout of the checked-in fixtures', () => {
  for (const file of local) {
    test(path.basename(file), () => {
      const d = openModelFile(file);
      try {
        const { folded } = checkModel(file, d);
        assert.ok(folded.badges.every((b) => b.error === undefined), 'all scales readable (external data included)');
      } finally {
        d.source.close?.();
      }
    });
  }
});

describe('view graph and layout of the shared real exports', () => {
  if (shared.length === 0) {
    test('shared corpus absent: real-model cases skipped (see the [fixtures] line above)', () => {});
  }
  for (const file of shared) {
    test(path.basename(file), () => {
      const ref = reference(file);
      const d = openModelFile(file);
      try {
        const { folded } = checkModel(file, d);
        // Every Q is folded, except those of pairs whose DQ output is unread (kept drawn).
        assert.equal(folded.stats.unfoldedDq, ref.unusedDq, 'unused pairs stay drawn');
        assert.equal(folded.stats.foldedPairs + folded.stats.unfoldedQ, ref.qCount);
        assert.equal(folded.stats.unfoldedQ, ref.unusedDq);
        // Scales and zero points (Constant nodes in these exports) against the reference decoder.
        let checked = 0;
        for (const b of folded.badges) {
          assert.equal(b.error, undefined);
          const q = ref.nodes[b.q!]!;
          assert.equal(q.name, b.qName);
          const scale = ref.constants.get(q.input![1]!)!;
          const zp = ref.constants.get(q.input![2]!)!;
          if (scale.length === 1) assert.equal(b.scale, scale[0], `${b.qName}: scale`);
          else {
            assert.equal(b.scales!.count, scale.length);
            assert.equal(b.scales!.min, Math.min(...scale));
            assert.equal(b.scales!.max, Math.max(...scale));
          }
          assert.equal(b.zeroPoint, zp[0]);
          assert.ok(zp.every((z) => z === zp[0]));
          checked++;
        }
        assert.equal(checked, folded.stats.foldedPairs);
        assert.ok(folded.badges.filter((b) => b.kind === 'weight').every((b) => b.scales !== undefined || b.scale !== undefined));
      } finally {
        d.source.close?.();
      }
    });
  }
});
