/**
 * Keras 3 `.keras` archive: a zip holding `config.json` (the model JSON), `metadata.json` (`keras_version`,
 * `date_saved`) and `model.weights.h5` (Keras 3 saving_lib.py). `parseKerasArchive` reads the two JSON
 * files only; `readKerasArchive` also loads the weights of the layers the forward pass uses.
 * tf.keras 2.13+ writes the same format (its metadata says e.g. "2.15.0").
 */
import { extractZipEntries, defaultZipLimits, weightZipLimits, type ZipLimits } from '../io/zip.ts';
import { attachWeights, weightedLayerNames } from './attach-weights.ts';
import { fileError, ModelFileError, quote, WeightsMismatch } from './errors.ts';
import { openHdf5 } from './hdf5.ts';
import { keras3Weights, MAX_WEIGHT_BYTES, WeightsUnusable } from './weights.ts';
import { decodeUtf8, parseJsonText } from './json.ts';
import { parseKerasModelObject } from './keras-json.ts';
import { isRecord } from './topology.ts';
import type { RecurrentModelInfo } from './types.ts';

export function parseKerasArchive(bytes: Uint8Array, file: string, limits: ZipLimits = defaultZipLimits): RecurrentModelInfo {
  const { entries, files } = extractZipEntries(bytes, file, ['config.json', 'metadata.json'], limits);
  const configBytes = files.get('config.json');
  if (!configBytes) {
    const names = entries.slice(0, 5).map((entry) => entry.name).join(', ');
    throw fileError(file, `zip archive has no config.json, so it is not a .keras model (entries: ${names || 'none'}${entries.length > 5 ? ', …' : ''})`);
  }
  let versionHint: string | undefined;
  const notes: string[] = [];
  const metadataBytes = files.get('metadata.json');
  if (metadataBytes) {
    const metadata = parseJsonText(decodeUtf8(metadataBytes, `${file}:metadata.json`), `${file}:metadata.json`, 'Keras archive metadata');
    if (!isRecord(metadata)) throw fileError(`${file}:metadata.json`, 'is not a JSON object');
    const version = metadata['keras_version'];
    if (typeof version === 'string') versionHint = version;
    else if (version !== undefined) throw fileError(`${file}:metadata.json`, `keras_version ${quote(version)} is not a string`);
  } else {
    notes.push('the archive has no metadata.json');
  }
  const hasWeights = entries.some((entry) => entry.name === 'model.weights.h5');
  if (!hasWeights) notes.push('the archive has no model.weights.h5');
  const config = parseJsonText(decodeUtf8(configBytes, `${file}:config.json`), `${file}:config.json`, 'Keras model JSON');
  const parsed = parseKerasModelObject(config, `${file}:config.json`, 'keras-archive', versionHint, 'keras_version in metadata.json');
  const info: RecurrentModelInfo = {
    ...parsed,
    weightsSource: { kind: 'keras-archive', used: false, reason: hasWeights ? `${file}: the weights were not read` : `${file} has no model.weights.h5` },
  };
  if (versionHint === undefined && info.kerasVersion === undefined) {
    return { ...info, kerasVersion: '3', notes: [...notes, ...info.notes, 'Keras 3 assumed: .keras archives are the Keras 3 format'] };
  }
  return notes.length ? { ...info, notes: [...notes, ...info.notes] } : info;
}

/** The archive's model with the weights of its recurrent layers (and of the layers feeding them). */
export async function readKerasArchive(bytes: Uint8Array, file: string): Promise<RecurrentModelInfo> {
  const info = parseKerasArchive(bytes, file);
  const { files } = extractZipEntries(bytes, file, ['model.weights.h5'], weightZipLimits(MAX_WEIGHT_BYTES));
  const weightsBytes = files.get('model.weights.h5');
  if (!weightsBytes) return info;
  const where = `${file}:model.weights.h5`;
  try {
    const h5 = await openHdf5(weightsBytes, where);
    try {
      // model.layers order: a Sequential's InputLayer is not one of its layers
      const order = info.graph.layers.filter((layer) => !(info.graph.sequential && layer.className === 'InputLayer'));
      const arrays = keras3Weights(h5, where, order, weightedLayerNames(info));
      return attachWeights(info, arrays, where, 'keras-archive');
    } finally {
      h5.close();
    }
  } catch (error) {
    if (error instanceof WeightsMismatch) throw error;
    if (error instanceof WeightsUnusable || error instanceof ModelFileError) {
      return { ...info, weightsSource: { kind: 'keras-archive', used: false, reason: error.message } };
    }
    throw error;
  }
}
