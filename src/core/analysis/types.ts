/**
 * Types of the TensorRT Q/DQ analysis: the target, rule metadata, findings, and the predicted
 * engine (per-node precision, fusion groups, standalone conversion layers). Plain data: a report
 * can be written as JSON as it is (see output/json.ts for the CLI's exact shape).
 */
import type { Fix } from './fix';

export type Severity = 'error' | 'warning' | 'info';

/** Predicted precision of a compute node in the engine. */
export type Precision = 'INT8' | 'FP8' | 'INT4' | 'FP16' | 'FP32';

/** `R1` … `R31`, the short ids of docs `tensorrt-qdq-rules.md`. */
export type RuleId = `R${number}`;

/** Which TensorRT versions a rule concerns ("8.x" = 8.0–8.6, "10.x" = 10.0 and later). */
export type VersionScope = 'all' | '8.x' | '10.x';

export interface Target {
  /** TensorRT major version family: 8 (8.0–8.6) or 10 (10.0 and later). */
  trt: 8 | 10;
  /** The quantized type the deployment aims at (where rules differ: FP8 needs 10.x and Ada/Hopper). */
  precision: 'int8' | 'fp8';
  /**
   * 10.x `--stronglyTyped` build: float layers keep their ONNX type (FP32 for a float32 model).
   * Default false: the `--int8 --fp16` build of the YOLO QAT workflow, float layers run FP16.
   */
  stronglyTyped: boolean;
  /** The engine is built refittable (`--refit`): R29 reports scale-equality rewrites. */
  refit: boolean;
}

export const DEFAULT_TARGET: Target = { trt: 10, precision: 'int8', stronglyTyped: false, refit: false };

/**
 * The target in words, the same wherever it is shown: `short` for tight places (the status bar:
 * "TRT 10 · INT8"), `long` for labels and messages ("TensorRT 10.x INT8, strongly typed").
 */
export function targetLabel(t: Pick<Target, 'trt' | 'precision' | 'stronglyTyped'>, form: 'short' | 'long' = 'long'): string {
  const precision = t.precision.toUpperCase();
  return form === 'short'
    ? `TRT ${t.trt} · ${precision}${t.stronglyTyped ? ' · typed' : ''}`
    : `TensorRT ${t.trt}.x ${precision}${t.stronglyTyped ? ', strongly typed' : ''}`;
}

/** Metadata of one rule: what the rule pages (docs/rules/Rn.md) and SARIF descriptors are made from. */
export interface RuleMeta {
  readonly id: RuleId;
  /** Long id from the rules document, e.g. `QDQ-CONCAT-SCALE`. */
  readonly name: string;
  /** One line. */
  readonly title: string;
  /** The worst severity the rule reports. */
  readonly severity: Severity;
  readonly versions: VersionScope;
  /** What the rule matches, in a sentence or two. */
  readonly matches: string;
  /** What TensorRT does with the pattern. */
  readonly tensorrt: string;
  /** How to fix it. */
  readonly fix: string;
  /** References (from the rules document's "Sources"). */
  readonly sources: readonly string[];
  /** How completely the engine models the rule; `partial` rules say what is missing in `limits`. */
  readonly coverage: 'full' | 'partial';
  readonly limits?: string;
}

/** JSON-safe extra data of a finding (numbers, strings, arrays, plain objects). */
export type FindingData = Record<string, unknown>;

export interface Finding {
  /** Short id, `R16`. */
  ruleId: RuleId;
  /** Long id, `QDQ-CONCAT-SCALE`. */
  rule: string;
  severity: Severity;
  /** One or two sentences with the numbers (scales, ratios, counts). */
  message: string;
  /** ONNX node names involved, most relevant first (the first one is where a diagnostic goes). */
  nodes: string[];
  data: FindingData;
  /** Graph edits that would resolve the finding, when one exists (applied later by core/editing). */
  fix?: Fix;
}

/** Predicted engine placement of one compute node. */
export interface LayerPrediction {
  node: string;
  opType: string;
  precision: Precision;
  /**
   * Other nodes of the fusion group this node joins (empty when it runs as its own layer). In a group
   * of more than `MAX_FUSED_LISTED` (100) others, the root lists every Q/DQ the group absorbs and the
   * first 100 of its other nodes, and every other member only the root.
   */
  fusedWith: string[];
  /** How many more nodes the group has than `fusedWith` lists (only for groups over the bound). */
  fusedWithMore?: number;
  /**
   * The group's root, on every other member (absent on the root and on a node running alone): the
   * node TensorRT names the layer after (the Conv, Gemm or eltwise op; in merged float pointwise
   * chains the first chain's first node, which can come after other members in `layers`).
   */
  fusedInto?: string;
}

/** A standalone conversion layer TensorRT is predicted to add (a `Reformat` with origin QDQ). */
export interface ReformatPrediction {
  /** The two layers the conversion sits between: producer (or graph input tensor), consumer (or graph output tensor). */
  between: [string, string];
  /** Why the conversion survives, with the Q/DQ node and numbers. */
  reason: string;
  ruleId: RuleId;
  /** The Q or DQ node(s) that run standalone. */
  qdqNodes: string[];
  /** Their node indices (same order). */
  qdqIndices: number[];
  /** Commuting nodes crossed between them, for requantize layers. */
  via: string[];
  kind: 'quantize' | 'dequantize' | 'requantize';
}

export interface AnalysisSummary {
  /** Compute nodes in `layers` per predicted precision. */
  int8Layers: number;
  fp8Layers: number;
  int4Layers: number;
  fp16Layers: number;
  fp32Layers: number;
  reformats: number;
  errors: number;
  warnings: number;
  infos: number;
}

export interface AnalysisReport {
  target: Target;
  /** Findings sorted by severity (errors first), then by rule number, then by graph order. */
  findings: Finding[];
  /** Compute nodes in topological order. */
  layers: LayerPrediction[];
  reformats: ReformatPrediction[];
  summary: AnalysisSummary;
  /** Counts of what the engine saw (Q/DQ nodes, quantized convs, …), for tools and tests. */
  stats: {
    nodes: number;
    quantizeLinear: number;
    dequantizeLinear: number;
    weightedOps: number;
    quantizedWeightedOps: number;
    /** Rules that ran (after `rules` filtering and version scope). */
    rulesRun: RuleId[];
    timeMs: number;
  };
}
