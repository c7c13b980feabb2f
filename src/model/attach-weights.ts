/**
 * Attaches the weights read from a file to the model's layers: the recurrent layers' converted into
 * the cells' layout (weights.ts), the others kept as stored for the layers the forward pass computes.
 */
import type { LayerWeightArrays } from './weights.ts';
import { recurrentWeights, WeightsUnusable } from './weights.ts';
import { WeightsMismatch } from './errors.ts';
import type { RecurrentLayerInfo, RecurrentModelInfo, WeightsSource } from './types.ts';

/** Non-recurrent layers whose weights the forward pass can use (on the way into a recurrent layer). */
export const computedLayerClasses: ReadonlySet<string> = new Set(['Embedding', 'Dense', 'TimeDistributed', 'BatchNormalization', 'Conv1D', 'Convolution1D']);

/**
 * Names of the layers whose weights are worth reading: the recurrent ones and the computed layers
 * on the way into one (a Dense after the last LSTM is never read: it can be the largest array).
 */
export function weightedLayerNames(info: RecurrentModelInfo): Set<string> {
  const names = new Set(info.layers.map((layer) => layer.name));
  const byName = new Map(info.graph.layers.map((layer) => [layer.name, layer]));
  const upstream = new Set<string>();
  const pending = [...names];
  while (pending.length > 0) {
    const layer = byName.get(pending.pop()!);
    for (const call of layer?.calls ?? []) {
      for (const ref of [...call.inputs, ...call.initialState]) {
        if (upstream.has(ref.layer)) continue;
        upstream.add(ref.layer);
        pending.push(ref.layer);
      }
    }
  }
  for (const name of upstream) if (computedLayerClasses.has(byName.get(name)?.className ?? '')) names.add(name);
  return names;
}

/** The model with each recurrent layer's weights where they fit, and why not where they do not. */
export function attachWeights(info: RecurrentModelInfo, arrays: LayerWeightArrays, file: string, kind: WeightsSource['kind']): RecurrentModelInfo {
  const problems: string[] = [];
  const layers = info.layers.map((layer): RecurrentLayerInfo => {
    const own = arrays.get(layer.name);
    if (!own || own.length === 0) {
      problems.push(`${file}: no weights are stored for layer '${layer.name}'`);
      return layer;
    }
    try {
      const weights = recurrentWeights(layer, own, file);
      return { ...layer, inputDim: layer.inputDim ?? weights.forward.inputDim, weights };
    } catch (error) {
      if (!(error instanceof WeightsUnusable)) throw error;
      problems.push(error.message);
      return layer;
    }
  });
  const recurrentNames = new Set(info.layers.map((layer) => layer.name));
  const layerWeights = new Map([...arrays].filter(([name]) => !recurrentNames.has(name)));
  const reason = problems.length === 0 ? null : `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more layer${problems.length > 2 ? 's' : ''})` : ''}`;
  // stored weights that do not fit the layers: Keras and TF.js raise when they load them
  if (reason !== null && layers.some((layer, i) => (arrays.get(info.layers[i]!.name)?.length ?? 0) > 0 && layer.weights === undefined)) throw new WeightsMismatch(reason);
  return { ...info, layers, layerWeights, weightsSource: { kind, used: problems.length === 0, reason } };
}
