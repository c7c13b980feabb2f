/**
 * `audit MODEL --weights FILE`: the weights of a model kept apart from its architecture, the common
 * `model.to_json()` + `model.save_weights(...)` pair. FILE may be
 *   - a weights-only `.h5` of Keras 1/2 or tf.keras (`save_weights`: the root has `layer_names`,
 *     each layer a group with `weight_names`; Keras 2.3.1 engine/saving.py `save_weights_to_hdf5_group`),
 *   - a Keras 3 `.weights.h5` (`layers/<key>/…/vars/<i>`, as inside a `.keras` archive),
 *   - a full model `.h5` (its `model_weights` group) or a `.keras` archive (its `model.weights.h5`).
 * The weights are matched to the model's layers by name (Keras 3: by the stored name, else by class
 * and position, as Keras 3 loads them).
 */
import { describeLfsPointer, lfsPointer } from '../io/lfs.ts';
import { extractZipEntries, isZip, weightZipLimits } from '../io/zip.ts';
import { attachWeights, weightedLayerNames } from './attach-weights.ts';
import { fileError, quote, WeightsMismatch } from './errors.ts';
import { isHdf5, openHdf5, type Hdf5File } from './hdf5.ts';
import type { RecurrentModelInfo } from './types.ts';
import { keras3Weights, legacyH5Weights, MAX_WEIGHT_BYTES, WeightsUnusable } from './weights.ts';

/** The model with the weights of `file` (bytes already read) attached; ModelFileError when it is no weights file. */
export async function attachWeightsFile(model: RecurrentModelInfo, bytes: Uint8Array, file: string): Promise<RecurrentModelInfo> {
  // the weights given replace any the model file has: none of those is used
  const info: RecurrentModelInfo = { ...model, layers: model.layers.map(({ weights: _weights, ...layer }) => layer), layerWeights: new Map() };
  const pointer = lfsPointer(bytes);
  if (pointer) throw fileError(file, describeLfsPointer(pointer));
  let h5Bytes = bytes;
  let where = file;
  if (isZip(bytes)) {
    const { files } = extractZipEntries(bytes, file, ['model.weights.h5'], weightZipLimits(MAX_WEIGHT_BYTES));
    const inner = files.get('model.weights.h5');
    if (!inner) throw fileError(file, 'is a zip archive without model.weights.h5, so not a .keras model: --weights takes an .h5 weights file or a .keras archive');
    h5Bytes = inner;
    where = `${file}:model.weights.h5`;
  } else if (!isHdf5(bytes)) {
    throw fileError(file, 'is not an HDF5 file: --weights takes the .h5 written by model.save_weights (or model.save), or a .keras archive');
  }
  const h5 = await openHdf5(h5Bytes, where);
  try {
    let layout: string;
    let arrays;
    try {
      if (h5.kind('layers') === 'group' && h5.kind('model_weights') !== 'group' && h5.attr('', 'layer_names') === undefined) {
        layout = 'Keras 3 weights layout';
        const order = info.graph.layers.filter((layer) => !(info.graph.sequential && layer.className === 'InputLayer'));
        arrays = keras3Weights(h5, where, order, weightedLayerNames(info));
      } else if (h5.kind('model_weights') === 'group' || h5.attr('', 'layer_names') !== undefined) {
        layout = h5.kind('model_weights') === 'group' ? 'a full model .h5' : 'Keras 1/2 / tf.keras save_weights layout';
        arrays = legacyH5Weights(h5, where, weightedLayerNames(info));
      } else {
        throw fileError(where, 'has neither a layer_names attribute (Keras 1/2, tf.keras save_weights) nor a layers group (Keras 3): not a Keras weights file');
      }
    } catch (error) {
      if (error instanceof WeightsUnusable) return { ...info, weightsSource: { kind: 'weights-file', file, used: false, reason: error.message } };
      throw error;
    }
    const attached = attachWeights(info, arrays, where, 'weights-file');
    const matched = info.layers.some((layer) => (arrays.get(layer.name)?.length ?? 0) > 0);
    if (!matched) {
      const stored = storedLayerNames(h5);
      const theirs = stored.length ? `; its layers are ${stored.slice(0, 6).map((n) => quote(n)).join(', ')}${stored.length > 6 ? ', …' : ''}` : '';
      const reason = `${where} has no weights for the model's recurrent layer${info.layers.length > 1 ? 's' : ''} ${info.layers.map((l) => quote(l.name)).join(', ')}${theirs} (saved from another model)`;
      throw new WeightsMismatch(reason);
    }
    return { ...attached, notes: [`weights from --weights ${file} (${layout})`, ...attached.notes], weightsSource: { ...attached.weightsSource, file } };
  } finally {
    h5.close();
  }
}

/** The layer names a weights file stores (legacy layer_names, else its groups). */
function storedLayerNames(h5: Hdf5File): string[] {
  const root = h5.kind('model_weights') === 'group' ? 'model_weights' : '';
  const names = h5.attr(root, 'layer_names');
  if (Array.isArray(names)) return names.map(String);
  return h5.kind('layers') === 'group' ? h5.keys('layers') : h5.keys(root);
}
