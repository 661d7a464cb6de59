/**
 * The temporary copy each model runs as: the decoded model (a private decode, never the one an
 * editor holds) with the compared tensors added as graph outputs, external data read inline, and
 * encoded to bytes through the ONNX layer. Nothing is written to disk; ONNX Runtime gets the bytes.
 * Open input dimensions can be pinned to the samples' shape (`pinInputShapes`).
 *
 * Edits follow the codec's rules (docs/ARCHITECTURE.md, "Codec"): new arrays are assigned, never
 * pushed into decoded ones, and every changed message is marked dirty. Added outputs carry only a
 * name (ONNX Runtime infers their type and shape).
 */
import {
  DataLocation, eachTensor, encodeModelToBytes, markDirty, readTensorBytes, tensorByteLength,
  type DecodedModel, type Dimension, type FileReader, type ValueInfo,
} from '../onnx/index';
import { NumericInputError } from './errors';

export function addGraphOutputs(decoded: DecodedModel, tensors: Iterable<string>): string[] {
  const g = decoded.model.graph;
  if (!g) throw new NumericInputError(decoded.file, 'the model has no graph');
  const have = new Set(g.output.map((o) => o.name));
  const added: ValueInfo[] = [];
  for (const t of tensors) {
    if (have.has(t)) continue;
    have.add(t);
    added.push({ name: t, docString: '', metadataProps: [] });
  }
  if (added.length) {
    g.output = [...g.output, ...added];
    markDirty(g);
  }
  return added.map((v) => v.name);
}

/**
 * Give the open (symbolic or missing) dimensions of the graph inputs in `shapes` the samples' sizes,
 * so ONNX Runtime infers every tensor's shape when the session is created and the fetch batches are
 * sized from real shapes (a `--dynamic` export otherwise leaves nearly every size unknown). Fixed
 * dimensions are left as they are: a sample that contradicts one fails in ONNX Runtime, by name.
 * When an input was pinned, the shapes declared elsewhere are dropped (`forgetDeclaredShapes`).
 * Returns the names of the inputs changed.
 */
export function pinInputShapes(decoded: DecodedModel, shapes: ReadonlyMap<string, readonly number[]>): string[] {
  const g = decoded.model.graph;
  if (!g) return [];
  const pinned: string[] = [];
  for (const v of g.input) {
    const want = shapes.get(v.name);
    const shape = v.type?.tensorType?.shape;
    if (!want || !shape || shape.dim.length !== want.length) continue;
    let changed = false;
    // New Dimension messages, not the decoded ones changed: those may be shared (see model.ts).
    const dims = shape.dim.map((d, axis): Dimension => {
      const fixed = d.dimValue !== undefined && Number(d.dimValue) > 0;
      if (fixed) return d;
      changed = true;
      return { dimValue: want[axis]!, denotation: d.denotation };
    });
    if (changed) {
      shape.dim = dims;
      markDirty(shape);
      pinned.push(v.name);
    }
  }
  if (pinned.length) forgetDeclaredShapes(decoded);
  return pinned;
}

/**
 * Drop the shapes the graph declares beyond its inputs, so ONNX Runtime infers them from the pinned
 * inputs: the graph outputs' (it reports a declared output's own shape, `[batch, 84, anchors]` of a
 * dynamic export, instead of the inferred one) and the `value_info` hints (a static export made
 * dynamic afterwards keeps `8400` anchors there, which a 320×320 sample contradicts: ONNX Runtime
 * then refuses the model).
 */
function forgetDeclaredShapes(decoded: DecodedModel): void {
  const g = decoded.model.graph;
  if (!g) return;
  for (const o of g.output) {
    const tt = o.type?.tensorType;
    if (!tt?.shape) continue;
    tt.shape = undefined;
    markDirty(tt);
  }
  if (g.valueInfo.length) {
    g.valueInfo = [];
    markDirty(g);
  }
}

/**
 * Replace every externally stored tensor (initializers of every graph, sparse parts, attribute
 * tensors, function and training graphs) by inline raw_data: the bytes go to ONNX Runtime, which
 * has no model folder to find data files in.
 */
export function inlineExternalData(decoded: DecodedModel, reader?: FileReader): number {
  let n = 0;
  eachTensor(decoded.model, (t) => {
    if (t.dataLocation !== DataLocation.EXTERNAL) return;
    const bytes = readTensorBytes(decoded, t, reader);
    t.rawData = { kind: 'inline', bytes };
    t.floatData = t.int32Data = t.int64Data = t.doubleData = t.uint64Data = t.stringData = undefined;
    t.externalData = [];
    t.dataLocation = DataLocation.DEFAULT;
    markDirty(t);
    n++;
  });
  return n;
}

/**
 * Protobuf caps a serialised model at 2 GB, and ONNX Runtime gets each model in one piece here: a
 * bigger one (its external data counted; a tensor whose size cannot be told counts 0) is refused,
 * by name, before any data is read. Call it for every model of a run before preparing any.
 */
export function assertFitsInOneMessage(decoded: DecodedModel): void {
  let external = 0;
  eachTensor(decoded.model, (t) => void (t.dataLocation === DataLocation.EXTERNAL && (external += tensorByteLength(t) ?? 0)));
  if (decoded.source.size + external > MAX_PROTO_BYTES) {
    const gb = (n: number) => `${(n / 2 ** 30).toFixed(2)} GB`;
    throw new NumericInputError(decoded.file, `with its external data the model is ${gb(decoded.source.size + external)}; the numeric check hands ONNX Runtime one serialised model, which protobuf caps at 2 GB`);
  }
}

/** Graph outputs added, external data inlined, encoded. */
export function prepareModelBytes(decoded: DecodedModel, tensors: Iterable<string>, reader?: FileReader): Uint8Array {
  assertFitsInOneMessage(decoded);
  addGraphOutputs(decoded, tensors);
  inlineExternalData(decoded, reader);
  return encodeModelToBytes(decoded);
}

/** Largest serialised protobuf message (2 GB - 1). */
const MAX_PROTO_BYTES = 2 ** 31 - 1;
