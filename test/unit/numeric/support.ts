/**
 * Shared helpers of the numeric-check tests: ONNX Runtime (skipped with one line when it cannot be
 * loaded), builder chains, and setting a Q/DQ scale through our ONNX layer.
 */
import { decodeModel, markDirty, MemorySource, type DecodedModel } from '../../../src/core/onnx/index';
import type { NumericRuntime } from '../../../src/core/numeric/index';
import { loadOrt, ortRuntime } from '../../../src/numeric/ortRuntime';
import { ModelBuilder, type QdqMode } from '../../support/modelBuilder';

let cached: NumericRuntime | string | undefined;

/** The real runtime, or the reason it is not available (tests skip with that reason). */
export function runtimeOrSkip(): NumericRuntime | string {
  if (cached === undefined) {
    try {
      cached = ortRuntime(loadOrt([process.env.QDQ_ORT_PATH]), { threads: 1 });
    } catch (e) {
      cached = `onnxruntime-node cannot be loaded here (${(e as Error).message}); numeric-check runs skipped`;
      console.log(`[numeric] ${cached}`);
    }
  }
  return cached;
}

/** input [1,3,16,16] → model.0 … model.{n-1}: Conv+SiLU chain, each conv quantized in `naive` mode. */
export function chain(qdq: QdqMode, n = 4, seed = 3): ModelBuilder {
  const b = new ModelBuilder({ opset: 13, qdq, seed, scalesAs: 'initializer' });
  let x = b.input('images', 'FLOAT', [1, 3, 16, 16]);
  for (let i = 0; i < n; i++) x = b.convSilu(x, { module: `model.${i}`, cout: 8, k: 3 });
  b.output(x, 'output0');
  return b;
}

export function decodeBytes(bytes: Uint8Array, name: string): DecodedModel {
  return decodeModel(new MemorySource(bytes, name), { file: name });
}

/** Set the (per-tensor) scale read by Q node `qNode` and its DQ (they share the initializer). */
export function setActivationScale(d: DecodedModel, qNode: string, scale: number): void {
  const g = d.model.graph!;
  const q = g.node.find((n) => n.name === qNode);
  if (!q) throw new Error(`no node ${qNode}`);
  const t = g.initializer.find((i) => i.name === q.input[1]);
  if (!t) throw new Error(`no scale initializer for ${qNode}`);
  t.rawData = { kind: 'inline', bytes: new Uint8Array(new Float32Array([scale]).buffer) };
  t.floatData = undefined;
  markDirty(t);
}
