/**
 * The engine-report layer: readers for what trtexec writes (console log, `--exportLayerInfo`,
 * `--exportProfile`, TREx's profile metadata) and the engine report built from them. Pure: takes
 * text, returns data; other layers import only this file.
 */
export { EngineReportError, isEngineReportError, MAX_PROBLEMS, type ReadProblem } from './errors';
export { parseTensorFormat, isFloat, isQuantized, type Precision, type TensorFormat } from './precision';
export {
  parseLayerInfo,
  layerInfoFromJson,
  parseLayerMetadata,
  layerNameParts,
  type EngineLayer,
  type EngineTensor,
  type LayerInfo,
  type LayerInfoStyle,
  type LayerMetadata,
  type WeightsInfo,
} from './layerInfo';
export { parseProfile, profileFromJson, type LayerProfile, type ProfileRecord } from './profile';
export type { BuildSummary, DeviceInfo, LogDiagnostic, PerfSource, PerfSummary, Severity, TimingStats } from './perf';
export { TrtexecLogParser, parseTrtexecLog, decodeVersionTag, MAX_LINE_CHARS, MAX_DIAGNOSTICS, type TrtexecLog } from './consoleLog';
export { parseTrexMetadata, trexMetadataFromJson, looksLikeTrexMetadata, type TrexMetadata } from './trexMetadata';
export { parseRunSource } from './runSource';
export {
  findReformats,
  isReformatLayer,
  NETWORK_INPUT,
  NETWORK_OUTPUT,
  type ReformatEnd,
  type ReformatKind,
  type ReformatLayer,
  type ReformatOrigin,
} from './reformats';
export {
  buildEngineReport,
  type EngineReport,
  type LayerRow,
  type ReportInputs,
  type ReportOptions,
  type ReportPerf,
  type TensorSummary,
  type TimingFigures,
  type TopLayer,
  type WeightsSummary,
} from './report';
export { compareEngineReports, metricDelta, type EngineComparison, type LayerTimeChange, type MetricDelta, type NodePrecisionChange } from './compare';
export { onnxNodesOfLayer, recordsMetadata } from './layerNodes';
