/**
 * How the product names one node of the main graph: its ONNX name, or, for a node without one (ONNX
 * allows an empty name), the label `<OpType>#<index>`: `Concat#57` is the unnamed Concat at index
 * 57 of the node list. The analysis labels findings so, the graph view and the Findings view show
 * it, and the editing layer resolves it (in the node list as it was when an edit began: see
 * docs/ARCHITECTURE.md "Editing").
 */
import type { Node } from '../onnx/index';

const LABEL = /^([A-Za-z_][\w.-]*)#(\d+)$/;

/** The node's name, or `<OpType>#<index>` when it has none. */
export function nodeLabel(node: Node, index: number): string {
  return node.name || `${node.opType}#${index}`;
}

export interface NodeRef {
  readonly node?: Node;
  /** Set when `ref` has the form of a label but does not name an unnamed node of that type. */
  readonly why?: string;
}

/**
 * The node `ref` names in `nodes`: the node of that name, else the unnamed node a label names.
 * A node that has a name is not named by a label (the product shows its name, not a label).
 */
export function findNodeRef(nodes: readonly Node[], ref: string): NodeRef {
  if (!ref) return {}; // an empty name is no reference (every unnamed node has it)
  const named = nodes.find((n) => n.name === ref);
  if (named) return { node: named };
  return labelRef(nodes, ref);
}

/** The unnamed node a label names in `nodes` (no scan for a node of that name: the caller knows there is none). */
export function labelRef(nodes: readonly Node[], ref: string): NodeRef {
  const m = LABEL.exec(ref);
  if (!m) return {};
  const i = Number(m[2]);
  const n = nodes[i];
  if (!n) return {};
  if (n.opType !== m[1]) return { why: `${ref}: node ${i} of the graph is a ${n.opType} (${nodeLabel(n, i)})` };
  if (n.name) return { why: `${ref}: node ${i} of the graph is named "${n.name}"; name it so` };
  return { node: n };
}
