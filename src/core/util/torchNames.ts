/**
 * torch.onnx names: the scope rule that maps an exported node name back to the PyTorch module it
 * came from. Shared by the editing layer (targets such as `model.22`) and the sensitivity layer
 * (results keyed by module names). No imports.
 */

/**
 * The PyTorch module path of a torch.onnx node name (`/model.22/cv2.0/cv2.0.0/conv/Conv` →
 * `model.22.cv2.0.0.conv`), or null for names that are not scoped. A segment that is the previous
 * one plus `.<digits>` adds only those indices (`cv2.0` then `cv2.0.0` → `cv2.0.0`), any other
 * segment is a child attribute, and the last segment (the op) is dropped.
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

/** `model.N` of a module path (`model.22.cv2.0.0.conv` → `model.22`), or null. */
export function layerOfModule(module: string): string | null {
  return /^(model\.\d+)(?:\.|$)/.exec(module)?.[1] ?? null;
}
