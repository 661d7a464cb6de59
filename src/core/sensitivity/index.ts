/**
 * Public surface of the sensitivity layer (pure: no `vscode`). Parse a result
 * (`parseSensitivityText`), rank it (`rankLayers`), map its names to ONNX nodes
 * (`ModuleIndex.fromNodes(model.graph.node)`) and to model YAML lines (`parseModelYaml`), build the
 * CLI/view report (`buildSensitivityReport`) and keep-k decisions (`keepMostSensitive`).
 */
export { SensitivityFormatError, decodeResultBytes, isSensitivityError, positionAt, type TextPosition } from './errors';
export {
  parseSensitivityText,
  QDQ_SENSITIVITY_SUFFIX,
  YOLOV9_SUMMARY_FILE,
  type Direction,
  type LayerResult,
  type MetricInfo,
  type SensitivityFormat,
  type SensitivityResult,
  type SourceInfo,
} from './sensitivityResult';
export { parseYolov9Log, parseYolov9Summary, looksLikeYolov9Log, YOLOV9_BASELINE_NAME } from './yolov9Qat';
export { parseQdqSensitivity } from './qdqSensitivity';
export { QDQ_SENSITIVITY_FORMAT, QDQ_SENSITIVITY_VERSION, SENSITIVITY_SCHEMA_V1 } from './schemaV1';
export { rankLayers, formatDelta, valueDecimals, UnknownMetricError, type RankedLayer, type Ranking } from './ranking';
export {
  COMPUTE_OP_TYPES,
  ModuleIndex,
  layerIndexOf,
  layerOfModule,
  moduleOfNodeName,
  type IndexedNode,
  type NameMapping,
} from './nameMapping';
export { parseModelYaml, yamlLayerOf, type ModelYaml, type YamlLayer } from './modelYaml';
export { keepMostSensitive, exactPattern, type KeepDecision, type KeptLayer } from './decision';
export { buildSensitivityReport, type ReportEntry, type ReportOptions, type SensitivityReport } from './sensitivityReport';
export { layerQuantState, precisionLabel, quantizedComputeNodes, type LayerPrecision, type LayerQuantState } from './quantState';
export {
  buildLayerTree,
  checkKeepCount,
  decorationText,
  describePrediction,
  entryDetails,
  metricFormat,
  metricLabel,
  metricText,
  NO_SCALE_REASON,
  predictKeep,
  yamlAnnotations,
  yamlMatchesModel,
  type KeepPrediction,
  type LayerRow,
  type LayerTreeModel,
  type LayerTreeOptions,
  type MetricFormat,
  type YamlAnnotation,
} from './sensitivityView';
export { SENSITIVITY_OVERLAY_SOURCE, sensitivityOverlay, type SensitivityOverlay, type SensitivityOverlayNode } from './overlay';
