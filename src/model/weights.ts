/**
 * A model file's weights, per layer, and their conversion into the Keras 2+ layout the cells compute
 * with (kernel (D, gates·U), recurrent kernel (U, gates·U), bias; LSTM gates i|f|c|o, GRU z|r|h).
 *
 * Where they sit in each format:
 *   - legacy `.h5` (Keras 1, Keras 2, tf.keras, Keras 3 `model.save('x.h5')`): `model_weights/<layer>` has
 *     the attribute `weight_names`; weight i is the dataset `model_weights/<layer>/<weight_names[i]>`, in the
 *     layer's `weights` order (Keras 2.3.1 engine/saving.py `save_weights_to_hdf5_group`,
 *     `load_weights_from_hdf5_group`; Keras 1.2.2 engine/topology.py the same);
 *   - Keras 3 `.keras` archive: `model.weights.h5` has `layers/<key>/…/vars/<i>`, where `<key>` is the
 *     snake_case class name made unique in `model.layers` order (lstm, lstm_1, …; saving_lib.py
 *     `_save_container_state`); recurrent layers keep theirs under `cell/vars`, Bidirectional under
 *     `forward_layer/cell/vars` and `backward_layer/cell/vars`. Recent versions also write the layer's own
 *     name as the attribute `name` of each `vars` group, which wins when present.
 *
 * Conversions, as Keras 2.3.1 engine/saving.py `preprocess_weights_for_loading` does them:
 *   - Keras 1 LSTM: 12 arrays W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o → gates i, f, c, o;
 *   - Keras 1 GRU: 9 arrays W_z, U_z, b_z, W_r, U_r, b_r, W_h, U_h, b_h → gates z, r, h;
 *   - CuDNNLSTM (bias 8U) → LSTM, CuDNNGRU (bias 6U) → GRU(reset_after=True): `_convert_rnn_weights`: each
 *     gate's input kernel k becomes k.T.reshape(k.shape, order='F'), each recurrent kernel k.T; CuDNNLSTM's
 *     input and recurrent biases are summed, CuDNNGRU's are the two rows of the (2, 3U) bias;
 *   - Bidirectional: the forward layer's weights, then the backward layer's (half each).
 */
import { quote } from './errors.ts';
import type { Hdf5File } from './hdf5.ts';
import type { CellWeights, RecurrentLayerInfo, RecurrentLayerWeights, WeightArray } from './types.ts';

/** Every loaded layer's weights in the layer's own weight order, by layer name. */
export type LayerWeightArrays = ReadonlyMap<string, readonly WeightArray[]>;

/** Why weights could not be used: one line, naming the file and the layer or dataset. */
export class WeightsUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsUnusable';
  }
}

/** Largest weight total read from one file (float32 bytes). */
export const MAX_WEIGHT_BYTES = 1024 * 1024 * 1024;

/** Reads the legacy `model_weights` layout (or a weights-only file's root) for the layers `wanted` names. */
export function legacyH5Weights(h5: Hdf5File, file: string, wanted: ReadonlySet<string>): LayerWeightArrays {
  const root = h5.kind('model_weights') === 'group' ? 'model_weights' : '';
  const names = h5.attr(root, 'layer_names');
  const layerNames = Array.isArray(names) ? names.map(String) : h5.keys(root);
  const out = new Map<string, WeightArray[]>();
  let total = 0;
  for (const layer of layerNames) {
    if (!wanted.has(layer)) continue;
    const group = root ? `${root}/${layer}` : layer;
    if (h5.kind(group) !== 'group') throw new WeightsUnusable(`${file}: layer ${quote(layer)} is listed in layer_names but has no weights group`);
    const weightNames = h5.attr(group, 'weight_names');
    if (weightNames === undefined) throw new WeightsUnusable(`${file}: the weights group of layer ${quote(layer)} has no weight_names attribute`);
    const list = Array.isArray(weightNames) ? weightNames.map(String) : [String(weightNames)];
    const arrays: WeightArray[] = [];
    for (const name of list) {
      const path = `${group}/${name}`;
      const size = h5.size(path);
      if (size === undefined) throw new WeightsUnusable(`${file}: weight ${quote(name)} of layer ${quote(layer)} is named in weight_names but missing`);
      total += 4 * size;
      if (total > MAX_WEIGHT_BYTES) throw new WeightsUnusable(`${file}: the weights to load exceed ${MAX_WEIGHT_BYTES} bytes`);
      const array = h5.read(path);
      arrays.push({ name, shape: array.shape, values: array.values });
    }
    out.set(layer, arrays);
  }
  return out;
}

/** Keras's `naming.to_snake_case` (keras/src/utils/naming.py). */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Reads a Keras 3 `model.weights.h5`. `layers` are the model's layers in `model.layers` order (for a
 * Sequential, without its InputLayer), with their class names; only the `wanted` ones are read.
 */
export function keras3Weights(
  h5: Hdf5File,
  file: string,
  layers: readonly { readonly name: string; readonly className: string }[],
  wanted: ReadonlySet<string>,
): LayerWeightArrays {
  const keys = new Map<string, string>();
  // the key Keras derives from the class name and position, used when a group does not name its layer
  const used = new Map<string, number>();
  const byKey = new Map<string, string>();
  for (const layer of layers) {
    const base = toSnakeCase(layer.className);
    const count = used.get(base);
    const key = count === undefined ? base : `${base}_${count + 1}`;
    used.set(base, count === undefined ? 0 : count + 1);
    byKey.set(key, layer.name);
  }
  for (const key of h5.keys('layers')) {
    const named = ownName(h5, `layers/${key}`);
    const layer = named !== undefined && layers.some((l) => l.name === named) ? named : byKey.get(key);
    if (layer !== undefined) keys.set(layer, key);
  }
  const out = new Map<string, WeightArray[]>();
  let total = 0;
  for (const layer of layers) {
    if (!wanted.has(layer.name)) continue;
    const key = keys.get(layer.name);
    if (key === undefined) continue;
    const arrays: WeightArray[] = [];
    for (const path of varPaths(h5, `layers/${key}`)) {
      total += 4 * (h5.size(path) ?? 0);
      if (total > MAX_WEIGHT_BYTES) throw new WeightsUnusable(`${file}: the weights to load exceed ${MAX_WEIGHT_BYTES} bytes`);
      const array = h5.read(path);
      arrays.push({ name: path, shape: array.shape, values: array.values });
    }
    out.set(layer.name, arrays);
  }
  return out;
}

/** The layer name a Keras 3 group records (`vars` attribute `name`), looking through cell/forward_layer. */
function ownName(h5: Hdf5File, group: string): string | undefined {
  for (const at of [`${group}/vars`, group]) {
    const name = h5.attr(at, 'name');
    if (typeof name === 'string') return name;
  }
  return undefined;
}

/**
 * The datasets of a Keras 3 layer group in weight order: its own `vars/0..n`, then its children's
 * (forward_layer before backward_layer, cell, layer), depth first.
 */
function varPaths(h5: Hdf5File, group: string): string[] {
  const paths: string[] = [];
  const numeric = (names: string[]) => names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
  if (h5.kind(`${group}/vars`) === 'group') {
    for (const index of numeric(h5.keys(`${group}/vars`))) paths.push(`${group}/vars/${index}`);
  }
  const order = ['forward_layer', 'backward_layer', 'cell', 'layer'];
  const children = h5
    .keys(group)
    .filter((name) => name !== 'vars' && h5.kind(`${group}/${name}`) === 'group')
    .sort((a, b) => (order.indexOf(a) === -1 ? 99 : order.indexOf(a)) - (order.indexOf(b) === -1 ? 99 : order.indexOf(b)) || a.localeCompare(b));
  for (const child of children) paths.push(...varPaths(h5, `${group}/${child}`));
  return paths;
}

const gateCount = { lstm: 4, gru: 3, simple: 1 } as const;

/**
 * A recurrent layer's weights in the cells' layout, from its arrays in the file's order (both
 * directions for Bidirectional). Throws WeightsUnusable with the reason when they do not fit the layer.
 */
export function recurrentWeights(layer: RecurrentLayerInfo, arrays: readonly WeightArray[], file: string): RecurrentLayerWeights {
  const label = `${layer.className} layer ${quote(layer.name)}`;
  if (layer.bidirectional) {
    if (arrays.length === 0 || arrays.length % 2 !== 0) {
      throw new WeightsUnusable(`${file}: ${label} has ${arrays.length} weight arrays; a Bidirectional layer needs the same number per direction`);
    }
    const half = arrays.length / 2;
    return {
      forward: directionWeights(layer, arrays.slice(0, half), file, `${label} (forward)`),
      backward: directionWeights(layer, arrays.slice(half), file, `${label} (backward)`),
    };
  }
  return { forward: directionWeights(layer, arrays, file, label) };
}

function directionWeights(layer: RecurrentLayerInfo, given: readonly WeightArray[], file: string, label: string): CellWeights {
  const gates = gateCount[layer.cell];
  const u = layer.units;
  let arrays = [...given];
  // Keras 1: one kernel, recurrent kernel and bias per gate (engine/saving.py preprocess_weights_for_loading)
  if (layer.cell === 'lstm' && arrays.length === 12) {
    const [wi, ui, bi, wc, uc, bc, wf, uf, bf, wo, uo, bo] = arrays as [WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray];
    arrays = [concatLast([wi, wf, wc, wo], file, label), concatLast([ui, uf, uc, uo], file, label), concatLast([bi, bf, bc, bo], file, label)];
  } else if (layer.cell === 'gru' && arrays.length === 9) {
    const [wz, uz, bz, wr, ur, br, wh, uh, bh] = arrays as [WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray, WeightArray];
    arrays = [concatLast([wz, wr, wh], file, label), concatLast([uz, ur, uh], file, label), concatLast([bz, br, bh], file, label)];
  }
  const expected = layer.useBias ? 3 : 2;
  if (arrays.length !== expected) {
    throw new WeightsUnusable(
      `${file}: ${label} has ${arrays.length} weight arrays (${arrays.map((a) => `[${a.shape.join(',')}]`).join(' ')}); expected ${expected} (kernel, recurrent kernel${layer.useBias ? ', bias' : ''})`,
    );
  }
  let [kernel, recurrent, bias] = arrays as [WeightArray, WeightArray, WeightArray | undefined];
  const shapeText = (a: WeightArray) => `[${a.shape.join(',')}]`;
  if (kernel.shape.length !== 2 || kernel.shape[1] !== gates * u || kernel.shape[0]! < 1) {
    throw new WeightsUnusable(`${file}: ${label}: kernel ${quote(kernel.name)} has shape ${shapeText(kernel)}, expected [input_dim,${gates * u}] for units=${u}`);
  }
  const inputDim = kernel.shape[0]!;
  if (layer.inputDim !== null && layer.inputDim !== inputDim) {
    throw new WeightsUnusable(`${file}: ${label}: kernel ${quote(kernel.name)} has shape ${shapeText(kernel)}, but the layer receives ${layer.inputDim} features`);
  }
  if (recurrent.shape.length !== 2 || recurrent.shape[0] !== u || recurrent.shape[1] !== gates * u) {
    throw new WeightsUnusable(`${file}: ${label}: recurrent kernel ${quote(recurrent.name)} has shape ${shapeText(recurrent)}, expected [${u},${gates * u}]`);
  }
  let kernelValues = kernel.values;
  let recurrentValues = recurrent.values;
  let biasValues: Float32Array | null = bias ? bias.values : null;
  let biasShape: number[] | null = null;
  if (bias) {
    const size = bias.values.length;
    const cudnn = size === 2 * gates * u && bias.shape.length === 1 && layer.cell !== 'simple';
    if (cudnn) {
      // CuDNNLSTM / CuDNNGRU weights (engine/saving.py _convert_rnn_weights, from_cudnn=True)
      kernelValues = fromCudnnInputKernel(kernel.values, inputDim, u, gates);
      recurrentValues = fromCudnnRecurrentKernel(recurrent.values, u, gates);
      if (layer.cell === 'lstm') {
        biasValues = new Float32Array(4 * u);
        for (let i = 0; i < 4 * u; i++) biasValues[i] = bias.values[i]! + bias.values[4 * u + i]!;
        biasShape = [4 * u];
      } else {
        if (layer.resetAfter === false) {
          throw new WeightsUnusable(`${file}: ${label}: CuDNNGRU weights (bias of ${size}) need GRU(reset_after=True); the layer says reset_after=False (Keras: "CuDNNGRU is not compatible with GRU(reset_after=False)")`);
        }
        biasShape = [2, 3 * u];
      }
    } else if (layer.cell === 'gru' && layer.resetAfter) {
      if (size !== 6 * u) throw new WeightsUnusable(`${file}: ${label}: bias has shape ${shapeText(bias)}, expected [2,${3 * u}] (reset_after=True)`);
      biasShape = [2, 3 * u];
    } else {
      if (size !== gates * u || bias.shape.length !== 1) {
        throw new WeightsUnusable(`${file}: ${label}: bias has shape ${shapeText(bias)}, expected [${gates * u}]${layer.cell === 'gru' ? ' (reset_after=False)' : ''}`);
      }
      biasShape = [gates * u];
    }
  }
  return { inputDim, kernel: kernelValues, recurrentKernel: recurrentValues, bias: biasValues, biasShape };
}

function concatLast(parts: readonly WeightArray[], file: string, label: string): WeightArray {
  const rows = parts[0]!.shape.length === 2 ? parts[0]!.shape[0]! : 1;
  const widths = parts.map((p) => p.shape[p.shape.length - 1]!);
  if (parts.some((p) => p.shape.length !== parts[0]!.shape.length || (p.shape.length === 2 && p.shape[0] !== rows) || p.shape.length > 2)) {
    throw new WeightsUnusable(`${file}: ${label}: the Keras 1 per-gate weights ${parts.map((p) => quote(p.name)).join(', ')} do not have matching shapes`);
  }
  const width = widths.reduce((a, b) => a + b, 0);
  const values = new Float32Array(rows * width);
  let column = 0;
  parts.forEach((part, i) => {
    const w = widths[i]!;
    for (let r = 0; r < rows; r++) values.set(part.values.subarray(r * w, (r + 1) * w), r * width + column);
    column += w;
  });
  return { name: parts.map((p) => p.name).join('+'), shape: parts[0]!.shape.length === 2 ? [rows, width] : [width], values };
}

/** Each gate block k (D, U) of a CuDNN input kernel becomes k.T.reshape((D, U), order='F'). */
export function fromCudnnInputKernel(kernel: Float32Array, inputDim: number, units: number, gates: number): Float32Array {
  const width = gates * units;
  const out = new Float32Array(kernel.length);
  for (let g = 0; g < gates; g++) {
    // flat: the gate block in C order; result[d, u] = flat[d + u * D]
    const flat = new Float32Array(inputDim * units);
    for (let d = 0; d < inputDim; d++) for (let u = 0; u < units; u++) flat[d * units + u] = kernel[d * width + g * units + u]!;
    for (let d = 0; d < inputDim; d++) for (let u = 0; u < units; u++) out[d * width + g * units + u] = flat[d + u * inputDim]!;
  }
  return out;
}

/** Each gate block k (U, U) of a CuDNN recurrent kernel becomes k.T. */
export function fromCudnnRecurrentKernel(kernel: Float32Array, units: number, gates: number): Float32Array {
  const width = gates * units;
  const out = new Float32Array(kernel.length);
  for (let g = 0; g < gates; g++) {
    for (let i = 0; i < units; i++) for (let j = 0; j < units; j++) out[i * width + g * units + j] = kernel[j * width + g * units + i]!;
  }
  return out;
}
