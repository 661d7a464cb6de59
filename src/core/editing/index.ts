/** Public surface of the editing layer (graph edits as data, with undo; see docs/ARCHITECTURE.md "Editing"). */
export { EditError, graphProblems } from './context';
export { Journal } from './journal';
export { removeAllQdqPairs, type RemoveAllResult } from './removeAll';
export type { QuantParams } from './quant';
