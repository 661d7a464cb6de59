/** Performance figures of a trtexec run, as printed in its `=== Performance summary ===`. */
import type { ReadProblem } from './errors';
import type { LayerProfile } from './profile';

/** One timing line (`Latency: min = … ms, max = …, mean = …, median = …, percentile(90%) = …`), in ms. */
export interface TimingStats {
  min?: number;
  max?: number;
  mean?: number;
  median?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  /** Every percentile printed, keyed by its label as printed (`"90"`, `"99.9"`). */
  percentiles: Record<string, number>;
}

export interface PerfSummary {
  throughputQps?: number;
  /** `Latency` (H2D + GPU compute + D2H per query). */
  latencyMs?: TimingStats;
  enqueueMs?: TimingStats;
  h2dMs?: TimingStats;
  gpuComputeMs?: TimingStats;
  d2hMs?: TimingStats;
  totalHostWalltimeS?: number;
  totalGpuComputeS?: number;
}

export type Severity = 'error' | 'warning';

/** A warning or error line of a trtexec log, as diagnostics data. */
export interface LogDiagnostic {
  severity: Severity;
  /** 1-based line in the log. */
  line: number;
  /** The message after the `[date] [W] ` / `[TRT] ` prefixes. */
  message: string;
  /** True when the line came from the TensorRT library (`[TRT]`), false for trtexec's own lines. */
  tensorrt: boolean;
}

export interface DeviceInfo {
  name: string;
  computeCapability?: string;
}

/** Build settings seen in a log: the Build Options section and the trtexec command line. */
export interface BuildSummary {
  /** `Precision:` line of `=== Build Options ===` as printed (`FP32+FP16+INT8`). */
  precision?: string;
  /** Precisions enabled, from that line and the command-line flags (`--fp16`, `--int8`, `--best`, …). */
  precisions: string[];
  /** `--stronglyTyped` (10.x explicit-quantization builds). */
  stronglyTyped?: boolean;
  profilingVerbosity?: string;
  /** `--onnx=` model, or the Model Options `Model:` entry. */
  model?: string;
  /** `--loadEngine=`: the log measures an engine built earlier (its build options are not in this log). */
  loadEngine?: string;
  saveEngine?: string;
}

/** What a log (or TREx's summary of one) says about a run. */
export interface PerfSource {
  file: string;
  kind: 'trtexec-log' | 'trex-metadata';
  trtVersion?: string;
  device?: DeviceInfo;
  build?: BuildSummary;
  perf?: PerfSummary;
  /** Per-layer times printed by `--dumpProfile`. */
  profile?: LayerProfile;
  diagnostics: LogDiagnostic[];
  problems: ReadProblem[];
}
