/**
 * Which nodes a layer target names: an ONNX node name (`/model.22/cv2.0/cv2.0.0/conv/Conv`), an
 * unnamed node's label (`Conv#12`, graph/nodeRefs.ts), an ONNX scope prefix (`/model.22/`: every
 * compute node under it) or a PyTorch module name (`model.22`, `model.22.cv2.0.0.conv`: every
 * compute node of that module or below it).
 */
import { labelRef } from '../graph/index';
import type { Node } from '../onnx/index';
import { layerOfModule, moduleOfNodeName } from '../util/torchNames';
import { COMPUTE_OPS, EditError } from './context';

export { moduleOfNodeName };

/** `model.N` of a node (`/model.22/cv2.0/cv2.0.0/conv/Conv` → `model.22`), or null. */
export function yoloModuleOf(nodeName: string): string | null {
  const m = moduleOfNodeName(nodeName);
  return m ? layerOfModule(m) : null;
}

const KINDS = 'an ONNX node name, an unnamed node\'s label such as Conv#12, a scope prefix such as /model.22/, or a module name such as model.22';

/**
 * The nodes of `nodes` that `target` names. A node name wins; else a label names the unnamed node
 * at that index of `labelsIn` (the node list as the edit began, as for every other edit: see
 * docs/ARCHITECTURE.md "Naming a node"), which must still be in `nodes`; a label of a named node or
 * of another op type is refused saying what is there; else a scope or a module.
 */
export function resolveTarget(nodes: readonly Node[], target: string, labelsIn: readonly Node[] = nodes): Node[] {
  const t = target.trim();
  if (!t) throw new EditError(`empty target: give ${KINDS}`);
  const exact = nodes.filter((n) => n.name === t);
  if (exact.length) return exact;
  const ref = labelRef(labelsIn, t);
  if (ref.why) throw new EditError(ref.why);
  if (ref.node) {
    if (labelsIn !== nodes && !nodes.includes(ref.node)) throw new EditError(`${t} is no longer in the graph (an earlier part of this edit removed it)`);
    return [ref.node];
  }
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
  if (hits.length === 0) throw new EditError(`no node matches "${t}" (give ${KINDS})`);
  return hits;
}
