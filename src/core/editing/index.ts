/** Public surface of the editing layer (graph edits as data, with undo; see docs/ARCHITECTURE.md "Editing"). */
export { EditError, graphProblems, type EditErrorCode } from './context';
export { Journal } from './journal';
export { removeAllQdqPairs, type RemoveAllResult } from './removeAll';
export type { QuantParams } from './quant';
export { applyEdit, labelOf, type AppliedEdit, type EditRequest, type RemovedQuant, type ScaleMode, type InsertedOrRemovedPair } from './edits';
export { moduleOfNodeName, yoloModuleOf, resolveTarget } from './targets';
export { EditSession } from './session';
export { exactPattern, exportPlan, MAX_PLAN_BYTES, parsePlan, planToRequest, PLAN_SCHEMA_V1, QDQ_PLAN_FORMAT, QDQ_PLAN_VERSION, type QdqPlan } from './plan';
export {
  countFixes, describeFixAll, describeFixCount, findingMatches, fixAll, touchedBy, type FixAllOptions, type FixAllOutcome, type FixRef, type RuleFixCount,
} from './fixAll';
