/**
 * PyTorch module names ↔ ONNX node names, by the scope rule of `torch.onnx.export`.
 *
 * The exporter names a node after the chain of modules whose `forward` was running, one path
 * segment per module, each written as the module's *unqualified* name: its last non-numeric
 * attribute plus the numeric indices after it. Containers that are indexed but never called
 * (the top-level `nn.Sequential` of a YOLO model, a detect head's `nn.ModuleList`) get no
 * segment of their own; their name shows up inside the child's segment instead. From the real
 * yolov9 exports:
 *
 *   /model.22/cv2.0/cv2.0.0/conv/Conv           module model.22.cv2.0.0.conv   (ModuleList cv2 not called)
 *   /model.4/cv2/cv2.0/m/m.1/cv1/conv/Conv      module model.4.cv2.0.m.1.cv1.conv (Sequential cv2 called)
 *   /model.4/cv4/conv/_input_quantizer/QuantizeLinear   module model.4.cv4.conv._input_quantizer
 *   /model/model.22/cv3.0/cv3.0.1/conv/Conv     (end2end wrapper) module model.22.cv3.0.1.conv
 *
 * So the module path is rebuilt segment by segment: a segment that is the previous segment plus
 * `.<digits>` adds only those indices (`cv2` then `cv2.0` → `….cv2.0`); any other segment is a
 * child attribute (`….cv2.0` then `cv1` → `….cv2.0.cv1`). The last segment is the op
 * (`Conv`, `Slice_1`) and is dropped. Names without a leading `/` (older exporters' `Conv_12`,
 * tools' own names) have no module.
 */
import type { Node } from '../onnx/index';
import { layerOfModule, moduleOfNodeName } from '../util/torchNames';

/** Op types that carry the weights a "keep in higher precision" decision is about. */
export const COMPUTE_OP_TYPES: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export { layerOfModule, moduleOfNodeName };

/** N of `model.N…`, or null. */
export function layerIndexOf(name: string): number | null {
  const m = /^model\.(\d+)(?:\.|$)/.exec(name);
  return m ? Number(m[1]) : null;
}

export interface IndexedNode {
  readonly name: string;
  readonly opType: string;
  /** Position in graph.node. */
  readonly order: number;
  readonly module: string | null;
}

export interface NameMapping {
  /** The name as the result file wrote it. */
  readonly name: string;
  /** How it matched: an ONNX node name, or a module path (every node at or below it). */
  readonly kind: 'node' | 'module';
  /** The module path (the node's module for a node name). */
  readonly module: string | null;
  /** `model.N` (for the YAML line and the YOLO export), or null. */
  readonly layer: string | null;
  /** All matched node names, in graph order. */
  readonly nodes: readonly string[];
  /** The Conv/ConvTranspose/Gemm/MatMul among them. */
  readonly computeNodes: readonly string[];
}

/** Nodes by name and by every module path they sit under. Built once per model. */
export class ModuleIndex {
  private readonly byName = new Map<string, IndexedNode>();
  private readonly under = new Map<string, IndexedNode[]>();

  private constructor(readonly nodes: readonly IndexedNode[]) {
    for (const n of nodes) {
      if (n.name && !this.byName.has(n.name)) this.byName.set(n.name, n);
      if (!n.module) continue;
      // Register under the module and each ancestor path (cut at every '.'): a prefix query is a lookup.
      const m = n.module;
      for (let i = m.indexOf('.'); ; i = m.indexOf('.', i + 1)) {
        const key = i < 0 ? m : m.slice(0, i);
        let list = this.under.get(key);
        if (!list) this.under.set(key, (list = []));
        if (list[list.length - 1] !== n) list.push(n);
        if (i < 0) break;
      }
    }
  }

  /** From a decoded model's `graph.node` (only `name` and `opType` are read). */
  static fromNodes(nodes: readonly Pick<Node, 'name' | 'opType'>[]): ModuleIndex {
    return new ModuleIndex(nodes.map((n, order) => ({ name: n.name, opType: n.opType, order, module: moduleOfNodeName(n.name) })));
  }

  node(name: string): IndexedNode | undefined {
    return this.byName.get(name);
  }

  /** Nodes at or below `module` (`model.4` matches `model.4.cv1.conv`, not `model.40`), graph order. */
  nodesUnder(module: string): readonly IndexedNode[] {
    return this.under.get(module) ?? [];
  }

  /** The `model.N` layers that have nodes, by N. */
  layers(): { layer: string; index: number; nodes: readonly IndexedNode[] }[] {
    const out: { layer: string; index: number; nodes: readonly IndexedNode[] }[] = [];
    for (const [key, nodes] of this.under) {
      const m = /^model\.(\d+)$/.exec(key);
      if (m) out.push({ layer: key, index: Number(m[1]), nodes });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /**
   * A node name from another export of the same network (the end2end wrapper adds a `/model`
   * scope): the one node with the same module path and the same op segment (`Conv`, `Add_1`).
   */
  private sameModuleAndOp(name: string): IndexedNode | undefined {
    const module = moduleOfNodeName(name);
    if (!module) return undefined;
    const op = name.slice(name.lastIndexOf('/'));
    const hits = this.nodesUnder(module).filter((n) => n.module === module && n.name.endsWith(op));
    return hits.length === 1 ? hits[0] : undefined;
  }

  /**
   * Map a result's name. `auto`: an ONNX node name wins (exact, else the single node with the same
   * module path and op segment), else a module path. Returns null when nothing matches (callers
   * list such names as unmapped).
   */
  resolve(name: string, kind: 'module' | 'node' | 'auto' = 'auto'): NameMapping | null {
    if (kind !== 'module') {
      const n = this.byName.get(name) ?? this.sameModuleAndOp(name);
      if (n) {
        return {
          name,
          kind: 'node',
          module: n.module,
          layer: n.module ? layerOfModule(n.module) : null,
          nodes: [n.name],
          computeNodes: COMPUTE_OP_TYPES.has(n.opType) ? [n.name] : [],
        };
      }
      if (kind === 'node') return null;
    }
    if (name.startsWith('/')) return null; // a node name that is not in this model is no module path
    const nodes = this.nodesUnder(name);
    if (!nodes.length) return null;
    return {
      name,
      kind: 'module',
      module: name,
      layer: layerOfModule(name),
      nodes: nodes.map((n) => n.name),
      computeNodes: nodes.filter((n) => COMPUTE_OP_TYPES.has(n.opType)).map((n) => n.name),
    };
  }
}
