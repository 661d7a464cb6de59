/**
 * Which nodes a layer target names: an ONNX node name (`/model.22/cv2.0/cv2.0.0/conv/Conv`), an
 * ONNX scope prefix (`/model.22/`: every compute node under it) or a PyTorch module name
 * (`model.22`, `model.22.cv2.0.0.conv`: every compute node of that module or below it).
 */
import type { Node } from '../onnx/index';
import { COMPUTE_OPS, EditError } from './context';

/**
 * The PyTorch module path of a torch.onnx node name (`/model.22/cv2.0/cv2.0.0/conv/Conv` →
 * `model.22.cv2.0.0.conv`), or null. The same scope rule as src/core/sensitivity/nameMapping.ts
 * (which depends on this layer, so the dozen lines are repeated here rather than imported): a
 * segment that is the previous one plus `.<digits>` adds only those indices, any other segment is
 * a child attribute, the last segment (the op) is dropped.
 */
export function moduleOfNodeName(nodeName: string): string | null {
  if (!nodeName.startsWith('/')) return null;
  const segs = nodeName.split('/').slice(1, -1).filter((s) => s.length > 0);
  let path = '';
  let prev = '';
  for (const seg of segs) {
    if (!path) path = seg;
    else if (seg.startsWith(`${prev}.`) && /^(\.\d+)+$/.test(seg.slice(prev.length))) path += seg.slice(prev.length);
    else path += `.${seg}`;
    prev = seg;
  }
  return path || null;
}

/** `model.N` of a node (`/model.22/cv2.0/cv2.0.0/conv/Conv` → `model.22`), or null. */
export function yoloModuleOf(nodeName: string): string | null {
  const m = moduleOfNodeName(nodeName);
  return m ? (/^(model\.\d+)(?:\.|$)/.exec(m)?.[1] ?? null) : null;
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
