/**
 * Which nodes a layer target names: an ONNX node name (`/model.22/cv2.0/cv2.0.0/conv/Conv`), an
 * ONNX scope prefix (`/model.22/`: every compute node under it) or a PyTorch module name
 * (`model.22`, `model.22.cv2.0.0.conv`: every compute node of that module or below it).
 */
import type { Node } from '../onnx/index';
import { layerOfModule, moduleOfNodeName } from '../util/torchNames';
import { COMPUTE_OPS, EditError } from './context';

export { moduleOfNodeName };

/** `model.N` of a node (`/model.22/cv2.0/cv2.0.0/conv/Conv` → `model.22`), or null. */
export function yoloModuleOf(nodeName: string): string | null {
  const m = moduleOfNodeName(nodeName);
  return m ? layerOfModule(m) : null;
}

export function resolveTarget(nodes: readonly Node[], target: string): Node[] {
  const t = target.trim();
  if (!t) throw new EditError('empty target: give an ONNX node name, a scope prefix such as /model.22/, or a module name such as model.22');
  const exact = nodes.filter((n) => n.name === t);
  if (exact.length) return exact;
  let hits: Node[];
  if (t.startsWith('/')) {
    const prefix = t.endsWith('/') ? t : `${t}/`;
    hits = nodes.filter((n) => COMPUTE_OPS.has(n.opType) && n.name.startsWith(prefix));
  } else {
    hits = nodes.filter((n) => {
      if (!COMPUTE_OPS.has(n.opType)) return false;
      const m = moduleOfNodeName(n.name);
      return m !== null && (m === t || m.startsWith(`${t}.`));
    });
  }
  if (hits.length === 0) throw new EditError(`no node matches "${t}" (give an ONNX node name, a scope prefix such as /model.22/, or a module name such as model.22)`);
  return hits;
}
