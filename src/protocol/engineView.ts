/**
 * The protocol between the host and the "Engine report" webview (webview/engine/). Plain JSON
 * shapes prepared by the host (src/engineView/reportDto.ts) so the webview only draws. Requests
 * carry a `requestId`, replies an `inReplyTo` (see `channel.ts`).
 */

export interface TimingDto {
  min?: number;
  mean?: number;
  median?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export interface EngineLayerRowDto {
  index: number;
  name: string;
  type?: string;
  precision?: string;
  /** `INT8 NC/32HW32, FP16 NCHW` — one entry per input / output tensor. */
  inputs: string;
  outputs: string;
  tactic?: string;
  averageMs?: number;
  percentage?: number;
  /** Set on reformat / re-quantize layers: their kind (`quantize`, `requantize`, `layout`…). */
  reformat?: string;
  onnxNodes?: string[];
}

export interface EngineReportDto {
  /** Key of this build (its layer-info path). */
  id: string;
  /** `qdq` / `fp16` / file name: what the user calls this build. */
  label: string;
  files: { layerInfo: string; profile?: string; log?: string };
  detailed: boolean;
  layerCount: number;
  precisionCounts?: Record<string, number>;
  weightsMB?: number;
  weightsComplete?: boolean;
  totalTimeMs?: number;
  profileIterations?: number;
  perf?: {
    throughputQps?: number;
    latencyMs?: TimingDto;
    gpuComputeMs?: TimingDto;
    enqueueMs?: TimingDto;
    h2dMs?: TimingDto;
    d2hMs?: TimingDto;
    totalHostWalltimeS?: number;
  };
  trtVersion?: string;
  device?: string;
  buildPrecision?: string;
  reformats: Array<{ index: number; name: string; kind: string; description: string }>;
  topLayers: Array<{ name: string; type?: string; averageMs: number; percentage?: number }>;
  layers: EngineLayerRowDto[];
  diagnostics?: { errors: number; warnings: number; items: Array<{ line: number; severity: string; message: string }> };
  /** Non-fatal input problems, one line each. */
  problems: string[];
  /**
   * The analysis's prediction for the model this build came from, checked against the engine
   * (present when the model is known: builds run from QDQ Studio, beside `model.trtexec/`).
   */
  prediction?: PredictionCheckDto;
}

export interface PredictionCheckDto {
  /** e.g. `TensorRT 8.x INT8`. */
  target: string;
  model: string;
  compared: number;
  agree: number;
  disagreements: Array<{ node: string; opType: string; predicted: string; actual: string; layer: string }>;
  predictedReformats: number;
  actualReformats: number;
}

export interface ComparisonRowDto {
  label: string;
  engine?: number;
  baseline?: number;
  delta?: number;
  deltaPct?: number;
  /** Which direction is an improvement (for colouring the change). */
  better?: 'lower' | 'higher';
}

export interface EngineComparisonDto {
  engine: string;
  baseline: string;
  rows: ComparisonRowDto[];
  /** ONNX nodes both builds name, and those whose layer runs in another precision (the first `PRECISION_CHANGES_SHOWN`; `more` not listed). */
  precisionChanges?: { compared: number; changed: { node: string; baseline: string; engine: string; layer: string; onnxNodes: string[] }[]; more: number };
  /** Layers timed in both builds and the largest changes (ms per run). */
  layerTimes?: { matched: number; largest: { name: string; baselineMs: number; engineMs: number; deltaMs: number; deltaPct?: number; onnxNodes?: string[] }[] };
}

/** How many nodes that changed precision the report lists (an INT8 build against an FP16 one changes nearly all). */
export const PRECISION_CHANGES_SHOWN = 100;

/** What the webview actually drew (read back from its DOM; test hook). */
export interface EngineRenderedDto {
  status: 'empty' | 'ready';
  label?: string;
  layerRows: number;
  reformatRows: number;
  /** The throughput cell as shown, e.g. `1005.92 qps`. */
  throughputText?: string;
  comparisonRows: number;
  /** Rows of the comparison's "Precision changes" and "Layer time changes" tables. */
  precisionChangeRows?: number;
  layerTimeRows?: number;
  /** The comparison's per-layer summary lines as shown. */
  layerChangeText?: string;
  /** Rows of "Top layers by time", and how many of them link to their ONNX nodes. */
  topRows?: number;
  topLinks?: number;
  compareWith?: string;
  /** The builds offered for a comparison, as listed (`label — description`). */
  candidates?: string[];
  /** What the Compare dropdown shows now: the id of its selected option, `''` for "(no comparison)"; absent without the dropdown. */
  compareSelected?: string;
  /** The "Prediction vs engine" summary line as shown, and its disagreement rows. */
  predictionText?: string;
  predictionRows?: number;
  /** The error shown instead of a report (status 'empty'). */
  error?: string;
  /** The note above the report about what it shows (a build replaced by a rebuild, files gone). */
  notice?: string;
}

// ---- host -> webview ----

/** A build the shown one can be compared with (src/engineView/sources.ts `comparableBuilds`). */
export interface EngineCandidateDto {
  /** Its layer-info path. */
  id: string;
  label: string;
  /** Where it was found and its throughput when known, e.g. `206.6 qps · yolov9t-fp32.trtexec`. */
  description?: string;
}

export interface EngineShowMessage {
  readonly type: 'show';
  readonly report: EngineReportDto;
  /** Other builds that can be compared with this one, best first. */
  readonly candidates: ReadonlyArray<EngineCandidateDto>;
  readonly comparison?: EngineComparisonDto;
  /** The id of the build the comparison is with (a candidate's, or `compareOther`'s); absent for none. */
  readonly compareId?: string;
  /**
   * The build compared with when it is none of the candidates (a layer info picked with Browse…):
   * the dropdown lists it too, so it shows what is compared and "(no comparison)" can clear it.
   */
  readonly compareOther?: EngineCandidateDto;
  /** What the user should know about what the report shows: the build was replaced by a rebuild and is shown where it is kept, or its files are gone. */
  readonly notice?: string;
}

export interface EngineErrorMessage {
  readonly type: 'error';
  readonly message: string;
}

export interface EngineQueryMessage {
  readonly type: 'query';
  readonly requestId: number;
}

export type ToEngineView = EngineShowMessage | EngineErrorMessage | EngineQueryMessage;

// ---- webview -> host ----

export interface EngineReadyMessage {
  readonly type: 'ready';
}

/** Compare the shown build with another one (`id` of a candidate), or stop comparing (no id). */
export interface EngineCompareMessage {
  readonly type: 'compare';
  readonly id?: string;
}

/** "Compare with…": the host lists every comparable build (with throughput) and Browse… in a quick pick. */
export interface EnginePickComparisonMessage {
  readonly type: 'pickComparison';
}

/** Reveal the ONNX nodes of a layer in the model's graph view. */
export interface EngineRevealMessage {
  readonly type: 'revealLayer';
  readonly onnxNodes: string[];
}

export interface EngineQueryResultMessage {
  readonly type: 'queryResult';
  readonly inReplyTo: number;
  readonly rendered: EngineRenderedDto;
}

export type FromEngineView = EngineReadyMessage | EngineCompareMessage | EnginePickComparisonMessage | EngineRevealMessage | EngineQueryResultMessage;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isToEngineView(v: unknown): v is ToEngineView {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'show':
      return isRecord(v.report) && Array.isArray(v.candidates);
    case 'error':
      return typeof v.message === 'string';
    case 'query':
      return typeof v.requestId === 'number';
    default:
      return false;
  }
}

export function isFromEngineView(v: unknown): v is FromEngineView {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'ready':
    case 'pickComparison':
      return true;
    case 'compare':
      return v.id === undefined || typeof v.id === 'string';
    case 'revealLayer':
      return Array.isArray(v.onnxNodes) && v.onnxNodes.every((n) => typeof n === 'string');
    case 'queryResult':
      return typeof v.inReplyTo === 'number' && isRecord(v.rendered);
    default:
      return false;
  }
}
