/**
 * The FP32 reference derived from the Q/DQ model itself: the same decoded model with every Q→DQ
 * pair removed by the editing layer (`removeAllQdqPairs`: readers read the Q input, stored
 * quantized weights become float weights). Node names are unchanged, so every layer matches by
 * name. Q/DQ the editing layer has to keep (a DQ of a quantized graph input, …) are returned.
 */
import { removeAllQdqPairs } from '../editing/index';
import type { DecodedModel } from '../onnx/index';

export function deriveReference(decoded: DecodedModel): { pairs: number; kept: readonly { node: string; reason: string }[] } {
  const r = removeAllQdqPairs(decoded);
  return { pairs: r.pairs.length, kept: r.kept };
}
