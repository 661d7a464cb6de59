/**
 * The tasks layer, pure half: command lines of the QAT loop as argument lists (yolov9-qat's
 * `qat.py` / `export_qat.py`, trtexec builds), TensorRT version detection, tool resolution, the
 * `qdq` task definition, yolov9-qat's `report.json`. No `vscode`, no processes: src/tasks runs them.
 */
export {
  TaskOptionError,
  pathOps,
  quantizeCommand,
  sensitiveCommand,
  evalCommand,
  exportCommand,
  exportedOnnxPath,
  quantizeOutputs,
  posixQuote,
  displayCommandLine,
  type CommandLine,
  type PathStyle,
  type QatEnvironment,
  type QuantizeOptions,
  type SensitiveOptions,
  type EvalOptions,
  type ExportOptions,
  type ExportInclude,
} from './commandLine';
export {
  TRTEXEC_FLAVOURS,
  FLAVOUR_LABELS,
  trtexecOutputs,
  modelOfEngineOutput,
  trtexecCommand,
  flavourProblem,
  flavoursFor,
  precisionFlags,
  shapesArg,
  parseTrtexecVersion,
  versionSettingMajor,
  type TrtexecFlavour,
  type TrtexecOptions,
  type TrtexecOutputs,
  type TrtexecPlan,
  type TrtVersion,
  type ModelInput,
  type BenchmarkOptions,
} from './trtexec';
export {
  TOOL_SETTINGS,
  WELL_KNOWN_TRTEXEC,
  findOnPath,
  resolvePython,
  resolveTrtexec,
  resolveCheckout,
  taskTrustProblem,
  type ToolKind,
  type ToolResolution,
  type ToolFound,
  type ToolProblem,
  type LookupEnv,
} from './settings';
export { TASK_TYPE, TASK_KINDS, parseTaskDefinition, taskLabel, escapeCodicons, type QdqTaskDefinition, type TaskKind } from './definition';
export { parseQatReport, formatQatReport, type QatReportRow } from './qatReport';
export { TracebackWatcher, isLibraryFile, noteFor, type TracebackFrame } from './pythonTraceback';
export { OutputLines, MAX_PARTIAL_LINE } from './outputLines';
