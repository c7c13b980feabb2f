/**
 * Keras `.h5` model files (Keras 1, multi-backend Keras 2, tf.keras, and Keras 3's legacy
 * `model.save('x.h5')`): the model's JSON config is the root group's `model_config` attribute, with
 * `keras_version` and `backend` beside it, and the weights are in the `model_weights` group (Keras 2.3.1
 * engine/saving.py `save_model`; Keras 1.2.2 models.py `save_model`; Keras 3 legacy/saving/legacy_h5_format.py).
 * A file without `keras_version` was written by Keras 1 (the Keras 2 loader assumes so).
 */
import { fileError, ModelFileError, WeightsMismatch } from './errors.ts';
import { openHdf5, type Hdf5File } from './hdf5.ts';
import { parseJsonText } from './json.ts';
import { parseKerasModelObject } from './keras-json.ts';
import { attachWeights, weightedLayerNames } from './attach-weights.ts';
import type { RecurrentModelInfo } from './types.ts';
import { legacyH5Weights, WeightsUnusable } from './weights.ts';

export { hdf5EndOfFile, isHdf5 } from './hdf5.ts';

export async function parseKerasH5(bytes: Uint8Array, file: string): Promise<RecurrentModelInfo> {
  const h5 = await openHdf5(bytes, file);
  try {
    return readKerasH5(h5, file);
  } finally {
    h5.close();
  }
}

function readKerasH5(h5: Hdf5File, file: string): RecurrentModelInfo {
  const config = h5.attr('', 'model_config');
  if (typeof config !== 'string') {
    throw fileError(file, `has no model_config attribute: a weights-only .h5 (save_weights) describes no model; give the full model (model.save), or its model.to_json() with --weights ${file}`);
  }
  const stated = h5.attr('', 'keras_version');
  const backend = h5.attr('', 'backend');
  const model = parseJsonText(config, file, 'the model_config attribute of a Keras .h5 file');
  const notes: string[] = [];
  let versionHint = typeof stated === 'string' ? stated : undefined;
  if (versionHint === undefined && !(typeof model === 'object' && model !== null && 'keras_version' in model)) {
    // Keras 2's loader: "if 'keras_version' in f.attrs … else: original_keras_version = '1'"
    versionHint = '1';
    notes.push('no keras_version attribute: written by Keras 1 (as the Keras 2 loader assumes)');
  }
  const info = parseKerasModelObject(
    model,
    file,
    'keras-h5',
    versionHint,
    typeof stated === 'string' ? 'the keras_version attribute' : 'no keras_version attribute (Keras 1, as the Keras 2 loader assumes)',
  );
  const withBackend = typeof backend === 'string' ? { ...info, backend } : info;
  const base = notes.length ? { ...withBackend, notes: [...notes, ...info.notes] } : withBackend;
  if (h5.kind('model_weights') !== 'group') {
    return { ...base, weightsSource: { kind: 'h5', used: false, reason: `${file} has no model_weights group (saved without weights)` } };
  }
  try {
    const arrays = legacyH5Weights(h5, file, weightedLayerNames(base));
    return attachWeights(base, arrays, file, 'h5');
  } catch (error) {
    if (error instanceof WeightsMismatch) throw error;
    if (error instanceof WeightsUnusable || error instanceof ModelFileError) {
      return { ...base, weightsSource: { kind: 'h5', used: false, reason: error.message } };
    }
    throw error;
  }
}
