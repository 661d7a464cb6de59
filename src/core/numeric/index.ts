/**
 * Public surface of the numeric check (pure: no `vscode`, no native module at import). Run the
 * Q/DQ model and its FP32 reference through an injected runtime (`NumericRuntime`), compare every
 * compute layer and the final outputs (`runNumericCheck`), and write the result in our sensitivity
 * format (`toSensitivityJson`).
 */
export { NumericCancelledError, NumericInputError, isNumericInputError } from './errors';
export { parseNpy, encodeNpy, type NpyArray } from './npy';
export { ErrorAccumulator, SQNR_CAP_DB, localSqnrDb, sqnrFromNsr, type ErrorFigures } from './metrics';
export { DEFAULT_LAYER_OPS, floatSourceOf, planLayers, type LayerPlan, type NumericPlan, type TensorPair } from './plan';
export { addGraphOutputs, inlineExternalData, pinInputShapes, prepareModelBytes } from './prepare';
export { listSampleFiles, loadSamples, modelInputs, randomSamples, SAMPLE_EXTENSIONS, type ModelInput, type Sample } from './inputs';
export { decodeImage, letterbox, type Rgba } from './images';
export {
  countQdqNodes,
  runNumericCheck,
  type LayerNumeric,
  type NumericOptions,
  type NumericProgress,
  type NumericResult,
  type OutputNumeric,
} from './numericCheck';
export { toSensitivityJson, type SensitivityJsonOptions } from './sensitivityJson';
export { describeReference, describeSamples } from './describe';
export type { FetchedTensor, FloatTensor, NumericRuntime, NumericSession, OutputInfo } from './runtime';
