/** Public surface of the TensorRT Q/DQ analysis (pure: no vscode, no processes). */
export { analyzeModel, resolveTarget, selectRules, UnknownRuleError, type AnalyzeOptions } from './engine';
export type { AnalysisReport, AnalysisSummary, Finding, FindingData, LayerPrediction, Precision, ReformatPrediction, RuleId, RuleMeta, Severity, Target, VersionScope } from './types';
export { DEFAULT_TARGET, targetLabel } from './types';
export type { Fix, FixEdit, InsertPairEdit, MovePairEdit, RemovePairEdit, RewireInputEdit, SetAttributeEdit, UnifyScalesEdit, ZeroPointEdit } from './fix';
export { RULES, findRule, ruleNumber } from './rules/index';
export {
  contextLinks, interfaceName, interfaceNames, interfaceOf, pinnedChoice, scaleShareAround, scaleShareAroundLocal, SHAPE_ONLY_OPS, type InterfaceLinks, type InterfaceTensor,
  type PinnedChoice, type PinnedQuantizer, type ScaleShareAround,
  type ScaleShareSet,
} from './scaleShare';
export type { LocalGraph } from './localAnalysis';
export { joinAnd, listNames, type Rule } from './rule';
export { toLintJson, type LintJson } from './output/json';
export { toSarif } from './output/sarif';
export { formatText } from './output/text';
export { GRAPH_CHECK, GRAPH_CHECK_TEXT, graphFindings, isGraphCheck } from './graphCheck';
