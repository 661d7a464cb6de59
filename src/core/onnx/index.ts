/** Public surface of the ONNX model layer. Other layers import only this module. */
export * from './model';
export * from './errors';
export * from './byteSource';
export * from './dataTypes';
export { decodeModel, type DecodedModel, type DecodeOptions } from './decode';
export { MAX_RANK } from './decodeContext';
export { encodeModel, encodeModelToBytes, type Chunk } from './encode';
export { abandonSaves, FileSource, openModelFile, saveModelFile, saveTextFile, type SaveResult } from './modelFile';
export { dataFileClash, sameFile } from './saveTarget';
export { attributeOwner, readTensorBytes, tensorByteLength, tensorElementCount, tensorOwner, readTensorValues, type TensorValues } from './tensorData';
export { externalDataValue, resolveExternalData, refusedLocation, type ExternalDataInfo, type FileReader, nodeFileReader } from './externalData';
export { detachedDataFiles, eachTensor, externalDataStatus, type DetachedDataFile, type ExternalDataFileStatus } from './externalDataStatus';
