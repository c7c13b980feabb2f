/** Public API of the model, plan and data readers. */
export { ModelFileError } from './errors.ts';
export type { CellWeights, ModelSource, RecurrentCell, RecurrentLayerInfo, RecurrentLayerWeights, RecurrentModelInfo } from './types.ts';
export { detectModelFormat, parseModelBytes, readAnyModelFile, readModelFile, MAX_MODEL_FILE_BYTES } from './read-model.ts';
export { isHdf5, parseKerasH5 } from './keras-h5.ts';
export { parseKerasJson, parseKerasModelObject } from './keras-json.ts';
export { parseKerasArchive } from './keras-archive.ts';
export { attachWeightsFile } from './weights-file.ts';
export { loadTfjsLayersModel, loadTfjsWeights, parseTfjsModelJson, resolveShardPath, type TfjsLoadOptions, type TfjsModelJson } from './tfjs.ts';
export { classifyKerasVersion } from './topology.ts';
export * from './plan.ts';
