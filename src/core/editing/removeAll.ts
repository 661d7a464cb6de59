/**
 * `removeAllQdqPairs`: the float reference of a Q/DQ model (what the numeric check compares the
 * quantized model against). Every Q→DQ pair is bypassed (its readers read the Q input), every DQ of
 * a stored quantized weight is replaced by the dequantized float weight, and the Q/DQ nodes (and the
 * scale / zero-point constants only they read) are removed. A DQ output that is a graph output is
 * kept as the output of an Identity. Everything else in the model is untouched (saves copy it
 * byte for byte).
 */
import type { DecodedModel, Node } from '../onnx/index';
import { EditContext, newNode } from './context';
import type { Journal } from './journal';
import { dequantizeStored, feedOf, isDq, isQ } from './quant';

export interface RemoveAllResult {
  /** Q→DQ pairs bypassed: [Q name, DQ name]. */
  readonly pairs: [string, string][];
  /** Stored quantized weights replaced by float ones: DQ name -> new float initializer. */
  readonly dequantizedWeights: { dq: string; weight: string }[];
  /** Names of every node removed (Q, DQ, and the Constant nodes only they read). */
  readonly removedNodes: string[];
  readonly removedInitializers: string[];
  /** Q/DQ left in place and why (e.g. a DQ of a quantized graph input, a Q read by something else). */
  readonly kept: { node: string; reason: string }[];
  /** What the edit changed; `journal.undo()` restores the model exactly. */
  readonly journal: Journal;
}

/**
 * Turn `decoded` (in place) into its float reference: no QuantizeLinear/DequantizeLinear left
 * except those listed in `kept`. Throws `EditError` (model unchanged) if the result would not be a
 * valid graph. Save with `saveModelFile` / `encodeModelToBytes` as usual.
 */
export function removeAllQdqPairs(decoded: DecodedModel): RemoveAllResult {
  const ctx = new EditContext(decoded);
  const pairs: [string, string][] = [];
  const dequantizedWeights: { dq: string; weight: string }[] = [];
  const kept: { node: string; reason: string }[] = [];
  const candidates: Node[] = [];
  const identities: { dq: Node; replacement: Node }[] = [];
  const cache = new Map<Node, string>();
  try {
    const dqs = ctx.nodes.filter((n) => isDq(n));
    // Readers are found once; rewiring changes inputs only, never producers.
    const readersByTensor = new Map<string, { node: Node; slot: number }[]>();
    for (const dq of dqs) readersByTensor.set(dq.output[0] ?? '', ctx.readersOf(dq.output[0] ?? ''));
    for (const dq of dqs) {
      const out = dq.output[0] ?? '';
      const feed = feedOf(ctx, out);
      if (!feed) continue;
      let source: string;
      if (feed.kind === 'pair') {
        source = feed.source;
        pairs.push([feed.q.name, dq.name]);
        candidates.push(feed.q);
      } else if (feed.kind === 'stored') {
        source = dequantizeStored(ctx, dq, cache);
        dequantizedWeights.push({ dq: dq.name, weight: source });
      } else {
        kept.push({ node: dq.name, reason: 'its input is not produced by a QuantizeLinear nor a constant (a quantized graph input or activation)' });
        continue;
      }
      for (const r of readersByTensor.get(out) ?? []) {
        if (r.slot < 0) continue; // read from a subgraph: keep the name alive through the Identity below
        const input = r.node.input.slice();
        for (let k = 0; k < input.length; k++) if (input[k] === out) input[k] = source;
        ctx.journal.set(r.node, 'input', input);
      }
      if (ctx.isGraphOutput(out) || (readersByTensor.get(out) ?? []).some((r) => r.slot < 0)) {
        identities.push({ dq, replacement: newNode('Identity', ctx.fresh(`${dq.name || 'DequantizeLinear'}/Identity`), [source], [out]) });
      } else candidates.push(dq);
    }
    ctx.invalidate();
    for (const { dq, replacement } of identities) {
      ctx.replaceNode(dq, replacement);
      const q = ctx.producerOf(dq.input[0] ?? '');
      if (q) candidates.push(q);
      const s = ctx.producerOf(dq.input[1] ?? '');
      if (s) candidates.push(s);
      const z = ctx.producerOf(dq.input[2] ?? '');
      if (z) candidates.push(z);
    }
    // Qs nobody reads any more (dangling, or whose DQs were all bypassed).
    for (const n of ctx.nodes) if (isQ(n)) candidates.push(n);
    const removed = ctx.dropUnread(candidates);
    for (const n of ctx.nodes) {
      if (isQ(n)) kept.push({ node: n.name, reason: 'its output is read by something other than a DequantizeLinear (or is a graph output)' });
    }
    ctx.commit();
    return {
      pairs,
      dequantizedWeights,
      removedNodes: removed.nodes.map((n) => n.name),
      removedInitializers: removed.initializers,
      kept,
      journal: ctx.journal,
    };
  } catch (e) {
    if (e instanceof Error && e.name === 'EditError' && e.message.startsWith('refused')) throw e;
    ctx.rollback();
    throw e;
  }
}
