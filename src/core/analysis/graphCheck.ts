/**
 * The graph check G1 (QDQ-GRAPH-INVALID): what TensorRT's ONNX parser refuses before any rule
 * matters, the graph problems the index lists (graphIndex.ts: a cycle, a dangling input, a name or
 * producer defined twice), as findings of severity error. `qdq lint` reports them beside the rules'
 * findings; the extension's Problems panel beside the analysis's. Pure.
 */
import { nodeLabel, type GraphIndex } from '../graph/index';
import type { Graph } from '../onnx/index';
import type { Finding, RuleId } from './types';

/** The graph check: its short and long ids (as a rule's), reported for every graph problem. */
export const GRAPH_CHECK = { id: 'G1', name: 'QDQ-GRAPH-INVALID' } as const;

export const GRAPH_CHECK_TEXT = {
  title: 'The graph must be a valid ONNX graph',
  full: 'A cycle, a node input that no node, initializer or graph input defines, a node name, tensor producer or initializer defined twice, or a graph output no node produces. TensorRT\'s ONNX parser refuses such a graph before it builds anything.',
  help: 'Fix the export (or the edit) that made the graph; `qdq info` lists every problem.',
};

/** Graph problems as findings of the graph check, severity error, in the index's order. */
export function graphFindings(graph: Graph, index: GraphIndex): Finding[] {
  return index.problems.map((p) => ({
    ruleId: GRAPH_CHECK.id as RuleId, // not one of the R rules; the JSON and SARIF shapes are the same
    rule: GRAPH_CHECK.name,
    severity: 'error' as const,
    message: p.message,
    nodes: p.nodes.map((i) => nodeLabel(graph.node[i]!, i)),
    data: { kind: p.kind, ...(p.tensor !== undefined ? { tensor: p.tensor } : {}) },
  }));
}

/** Whether a `--rules` key names the graph check (by short or long id, any case). */
export function isGraphCheck(key: string): boolean {
  const k = key.trim().toUpperCase();
  return k === GRAPH_CHECK.id || k === GRAPH_CHECK.name;
}
