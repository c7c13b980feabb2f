/**
 * From a model file's graph to what the simulator runs (keras/graph.ts): every call of every recurrent
 * layer with the tensor it reads, the layer whose final states it receives as initial_state, and the
 * layers in between that lstm-reset computes (Embedding, Masking, Dense and TimeDistributed(Dense),
 * Activation, BatchNormalization, Conv1D, MaxPooling1D / AveragePooling1D, Reshape, Permute, Dropout-like layers,
 * RepeatVector, merges). A tensor that comes through any other layer
 * is replaced by seeded values of its shape, and a note says so.
 *
 * Keras rules followed: a recurrent layer's outputs are [output, *states] with return_state (Keras 3
 * rnn.py RNN.call; Bidirectional: output, forward states, backward states); a Masking layer masks a step
 * whose features all equal mask_value and outputs input * mask (keras/src/layers/core/masking.py);
 * Embedding(mask_zero=True) masks token 0 (embedding.py compute_mask); Dense, TimeDistributed, Dropout
 * and Activation pass a mask on; an RNN passes it on only with return_sequences (§4).
 */
import type { LayerSpecInput } from '../keras/config.ts';
import { maskedRecurrentLayers, type MergeMode, type ModelProgram, type ProgramInput, type ProgramStep, type TensorId } from '../keras/graph.ts';
import { mulberry32 } from '../shared/random.ts';
import { quote } from './errors.ts';
import { activationName, isRecord } from './topology.ts';
import type { GraphLayer, RecurrentLayerWeights, RecurrentModelInfo, TensorRef, WeightArray } from './types.ts';

/** Layers that are the identity when a model is run in inference (no maths to do). */
const identityClasses = new Set([
  'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization', 'InputLayer',
]);

const mergeClasses: Readonly<Record<string, MergeMode>> = {
  Concatenate: 'concat', Add: 'add', Subtract: 'subtract', Multiply: 'multiply', Average: 'average', Maximum: 'maximum', Minimum: 'minimum',
};

/** Keras 1 `Merge(mode=...)`. */
const keras1MergeModes: Readonly<Record<string, MergeMode>> = { concat: 'concat', sum: 'add', mul: 'multiply', ave: 'average', max: 'maximum' };

export interface BuiltProgram {
  readonly program: ModelProgram;
  /** The recurrent calls in execution order, as the configuration's layers. */
  readonly layers: LayerSpecInput[];
  /** The file's weights of each entry (undefined: seeded). */
  readonly weights: (RecurrentLayerWeights | undefined)[];
  /** Per recurrent layer (by name): where its input and initial_state come from, in words. */
  readonly wiring: ReadonlyMap<
    string,
    {
      readonly input: string;
      readonly initialStateFrom: string | null;
      readonly calls: number;
      /** Each tensor passed as initial_state, in the order the layer's states take them ("enc h", "enc c", "lstm_1 last output"). */
      readonly initialState?: readonly string[];
    }
  >;
  /** What is approximated or not computed, one line each. */
  readonly notes: string[];
  /** Whether a layer computes a mask from the data (Masking, Embedding(mask_zero=True)). */
  readonly masked: boolean;
}

export interface ProgramOptions {
  /** Timesteps for inputs the model leaves open (None): the data's. */
  readonly timesteps: number;
  /** Features of the primary input when the model leaves them open: the data's. */
  readonly features: number;
  /**
   * The input `timesteps`/`features` (--shape, the first --data) describe: the first that is a
   * sequence (primaryInput); default 0. The program lists it first, the others in model order.
   */
  readonly primary?: number;
  /** Timesteps of each input's --data file, where given (they win over `timesteps` for open inputs). */
  readonly dataTimesteps?: readonly (number | undefined)[];
  /** Seed of the stand-in weights of layers whose weights the file does not hold. */
  readonly seed: number;
}

interface Shape {
  readonly timesteps: number | null;
  readonly features: number;
}

export function buildProgram(info: RecurrentModelInfo, options: ProgramOptions): BuiltProgram {
  const { graph } = info;
  const notes: string[] = [];
  const byName = new Map(graph.layers.map((layer) => [layer.name, layer]));
  const recurrent = new Map(info.layers.map((layer) => [layer.name, layer]));
  const inputNames = new Set(graph.inputs.map((input) => input.name));
  const steps: ProgramStep[] = [];
  const shapes = new Map<TensorId, Shape>();
  const layers: LayerSpecInput[] = [];
  const weights: (RecurrentLayerWeights | undefined)[] = [];
  const wiring = new Map<string, { input: string; initialStateFrom: string | null; calls: number; initialState?: readonly string[] }>();
  /** Recurrent step index by `name#node`, with the outputs other steps read. */
  const recurrentSteps = new Map<string, { step: number; output?: TensorId; states: TensorId[] }>();
  const emitted = new Map<string, TensorId | null>();
  const inProgress = new Set<string>();
  const stand = mulberry32(options.seed ^ 0x5eed);

  const primary = options.primary ?? 0;
  const inputs = declaredInputs(info).map((input, index): ProgramInput => {
    const fromData = options.dataTimesteps?.[index];
    const timesteps = input.rank === 2 && !input.vocabulary ? null : (input.timesteps ?? fromData ?? options.timesteps);
    const features = input.features ?? (index === primary ? options.features : 1);
    if (index !== primary && input.rank !== 2 && input.timesteps === null && fromData === undefined) {
      notes.push(`input ${quote(input.name)} leaves its timesteps open (None): it gets ${options.timesteps}, the data's`);
    }
    return { name: input.name, timesteps, features, ...(input.vocabulary ? { vocabulary: input.vocabulary } : {}), paddingValue: 0 };
  });
  inputs.forEach((input) => shapes.set(`input:${input.name}`, { timesteps: input.timesteps, features: input.features }));

  const paddingValues = new Map<string, number>();

  /** The tensor a reference names, emitting the steps that compute it; null when it is not computed. */
  function resolve(ref: TensorRef, depth = 0): TensorId | null {
    if (inputNames.has(ref.layer) && !byName.get(ref.layer)?.calls.length) return `input:${ref.layer}`;
    const layer = byName.get(ref.layer);
    if (!layer) return null;
    if (layer.className === 'InputLayer') return `input:${ref.layer}`;
    if (recurrent.has(layer.name)) {
      const entry = emitRecurrent(layer.name, ref.node);
      if (!entry) return null;
      if (ref.tensor === 0) return entry.output ?? null;
      return entry.states[ref.tensor - 1] ?? null;
    }
    if (ref.tensor !== 0 || depth > 200) return null;
    const key = `${layer.name}#${ref.node}`;
    if (emitted.has(key)) return emitted.get(key)!;
    if (inProgress.has(key)) return null;
    inProgress.add(key);
    const id = emitLayer(layer, ref.node, depth);
    inProgress.delete(key);
    emitted.set(key, id);
    return id;
  }

  function emitLayer(layer: GraphLayer, node: number, depth: number): TensorId | null {
    const call = layer.calls[node];
    if (!call || call.inputs.length === 0) return null;
    const output = `${layer.name}#${node}:0`;
    const className = layer.className;
    const config = layer.config;
    const one = () => (call.inputs.length === 1 ? resolve(call.inputs[0]!, depth + 1) : null);
    if (identityClasses.has(className)) {
      const input = one();
      if (!input) return null;
      steps.push({ kind: 'identity', layer: layer.name, input, output });
      shapes.set(output, shapes.get(input)!);
      return output;
    }
    if (className === 'Masking') {
      const input = one();
      if (!input) return null;
      const maskValue = typeof config['mask_value'] === 'number' ? config['mask_value'] : 0;
      steps.push({ kind: 'masking', layer: layer.name, input, output, maskValue });
      shapes.set(output, shapes.get(input)!);
      if (input.startsWith('input:')) paddingValues.set(input.slice(6), maskValue);
      return output;
    }
    if (className === 'Embedding') {
      const input = one();
      if (!input) return null;
      const inputDim = positiveInt(config['input_dim']);
      const outputDim = positiveInt(config['output_dim']);
      if (!inputDim || !outputDim) return null;
      const maskZero = config['mask_zero'] === true;
      const stored = info.layerWeights?.get(layer.name)?.[0];
      let embeddings: Float32Array;
      if (stored && stored.values.length === inputDim * outputDim) {
        embeddings = stored.values;
      } else {
        // Keras's default embeddings_initializer: uniform(-0.05, 0.05)
        embeddings = Float32Array.from({ length: inputDim * outputDim }, () => (stand() * 2 - 1) * 0.05);
        notes.push(`Embedding ${quote(layer.name)}: ${stored ? `its stored weights have ${stored.values.length} values, not ${inputDim}×${outputDim}` : 'no weights in the file'}; seeded embeddings stand in`);
      }
      steps.push({ kind: 'embedding', layer: layer.name, input, output, embeddings, inputDim, outputDim, maskZero });
      shapes.set(output, { timesteps: shapes.get(input)!.timesteps, features: outputDim });
      if (maskZero && input.startsWith('input:')) paddingValues.set(input.slice(6), 0);
      return output;
    }
    const denseConfig = className === 'Dense' ? config : className === 'TimeDistributed' ? innerConfig(config, 'Dense') : undefined;
    if (denseConfig) {
      const input = one();
      if (!input) return null;
      const inputShape = shapes.get(input)!;
      const units = positiveInt(denseConfig['units'] ?? denseConfig['output_dim']);
      const activation = activationName(denseConfig['activation'] ?? 'linear') ?? 'linear';
      if (!units || !knownActivation(activation)) return null;
      const useBias = denseConfig['use_bias'] !== false && denseConfig['bias'] !== false;
      const stored = info.layerWeights?.get(layer.name) ?? [];
      const kernel = stored.find((w) => w.shape.length === 2) ?? stored[0];
      const bias = stored.find((w) => w !== kernel && w.shape.length === 1);
      let kernelValues: Float32Array;
      let biasValues: Float32Array | null;
      if (kernel && kernel.values.length === inputShape.features * units) {
        kernelValues = kernel.values;
        biasValues = useBias ? (bias && bias.values.length === units ? bias.values : new Float32Array(units)) : null;
      } else {
        // Keras's defaults: glorot_uniform kernel, zero bias
        const limit = Math.sqrt(6 / (inputShape.features + units));
        kernelValues = Float32Array.from({ length: inputShape.features * units }, () => (stand() * 2 - 1) * limit);
        biasValues = useBias ? new Float32Array(units) : null;
        notes.push(`${className} ${quote(layer.name)}: ${kernel ? `its kernel ${describeShape(kernel)} does not fit ${inputShape.features} inputs × ${units} units` : 'no weights in the file'}; seeded weights stand in`);
      }
      steps.push({ kind: 'dense', layer: layer.name, input, output, kernel: kernelValues, bias: biasValues, units, activation });
      shapes.set(output, { timesteps: inputShape.timesteps, features: units });
      return output;
    }
    if (className === 'Conv1D' || className === 'Convolution1D') {
      const input = one();
      if (!input) return null;
      return emitConv1d(layer, input, output);
    }
    if (pool1dClasses.has(className)) {
      const input = one();
      if (!input) return null;
      const inputShape = shapes.get(input)!;
      const T = inputShape.timesteps;
      const pool = firstInt(config['pool_size'] ?? config['pool_length'] ?? 2);
      const stride = firstInt(config['strides'] ?? config['stride'] ?? null) ?? pool;
      const padding = config['padding'] ?? config['border_mode'] ?? 'valid';
      if (T === null || !pool || !stride || (padding !== 'valid' && padding !== 'same') || (config['data_format'] ?? 'channels_last') !== 'channels_last') return null;
      const geometry = outputGeometry(T, pool, stride, 1, padding);
      if (geometry.timesteps < 1) return null;
      const mode = className.startsWith('Max') ? 'max' : 'average';
      steps.push({ kind: 'pool1d', layer: layer.name, input, output, mode, pool, stride, padLeft: geometry.padLeft, timesteps: geometry.timesteps });
      shapes.set(output, { timesteps: geometry.timesteps, features: inputShape.features });
      return output;
    }
    if (className === 'Reshape') {
      const input = one();
      const target = config['target_shape'] ?? config['dims'];
      if (!input || !Array.isArray(target) || target.length < 1 || target.length > 2) return null;
      const shape = shapes.get(input)!;
      const total = (shape.timesteps ?? 1) * shape.features;
      const dims = target.map((d) => (d === -1 ? -1 : positiveInt(d)));
      if (dims.some((d) => d === undefined) || dims.filter((d) => d === -1).length > 1) return null;
      const known = dims.reduce<number>((p, d) => (d === -1 ? p : p * d!), 1);
      if (known === 0 || total % known !== 0) return null;
      const resolved = dims.map((d) => (d === -1 ? total / known : d!));
      if (resolved.reduce((p, d) => p * d, 1) !== total) return null;
      const timesteps = resolved.length === 2 ? resolved[0]! : null;
      const features = resolved[resolved.length - 1]!;
      steps.push({ kind: 'reshape', layer: layer.name, input, output, timesteps, features });
      shapes.set(output, { timesteps, features });
      return output;
    }
    if (className === 'Permute') {
      const input = one();
      const dims = config['dims'];
      if (!input || !Array.isArray(dims) || shapes.get(input)!.timesteps === null) return null;
      if (dims.length === 2 && dims[0] === 1 && dims[1] === 2) {
        steps.push({ kind: 'identity', layer: layer.name, input, output });
        shapes.set(output, shapes.get(input)!);
        return output;
      }
      if (dims.length !== 2 || dims[0] !== 2 || dims[1] !== 1) return null;
      steps.push({ kind: 'transpose', layer: layer.name, input, output });
      const shape = shapes.get(input)!;
      shapes.set(output, { timesteps: shape.features, features: shape.timesteps! });
      return output;
    }
    if (className === 'TimeDistributed' && innerConfig(config, 'Dropout')) {
      const input = one();
      if (!input) return null;
      steps.push({ kind: 'identity', layer: layer.name, input, output });
      shapes.set(output, shapes.get(input)!);
      return output;
    }
    if (className === 'BatchNormalization') {
      // inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta, on the last axis
      const input = one();
      if (!input) return null;
      const axis = config['axis'];
      const width = shapes.get(input)!.features;
      if (axis !== undefined && axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && axis[0] === -1) && axis !== (shapes.get(input)!.timesteps === null ? 1 : 2)) return null;
      const stored = info.layerWeights?.get(layer.name) ?? [];
      const center = config['center'] !== false;
      const scaled = config['scale'] !== false;
      const expected = (scaled ? 1 : 0) + (center ? 1 : 0) + 2;
      if (stored.length !== expected || stored.some((w) => w.values.length !== width)) return null;
      let at = 0;
      const gamma = scaled ? stored[at++]!.values : undefined;
      const beta = center ? stored[at++]!.values : undefined;
      const mean = stored[at++]!.values;
      const variance = stored[at]!.values;
      const epsilon = typeof config['epsilon'] === 'number' ? config['epsilon'] : 1e-3;
      const scale = new Float32Array(width);
      const shift = new Float32Array(width);
      for (let j = 0; j < width; j++) {
        scale[j] = (gamma?.[j] ?? 1) / Math.sqrt(variance[j]! + epsilon);
        shift[j] = (beta?.[j] ?? 0) - mean[j]! * scale[j]!;
      }
      steps.push({ kind: 'scale', layer: layer.name, input, output, scale, shift });
      shapes.set(output, shapes.get(input)!);
      return output;
    }
    if (className === 'Activation') {
      const input = one();
      const activation = activationName(config['activation']);
      if (!input || !activation || !knownActivation(activation)) return null;
      steps.push({ kind: 'activation', layer: layer.name, input, output, activation });
      shapes.set(output, shapes.get(input)!);
      return output;
    }
    if (className === 'RepeatVector') {
      const input = one();
      const times = positiveInt(config['n']);
      if (!input || !times || shapes.get(input)!.timesteps !== null) return null;
      steps.push({ kind: 'repeat', layer: layer.name, input, output, times });
      shapes.set(output, { timesteps: times, features: shapes.get(input)!.features });
      return output;
    }
    const mode = mergeClasses[className] ?? (className === 'Merge' && typeof config['mode'] === 'string' ? keras1MergeModes[config['mode']] : undefined);
    if (mode && call.inputs.length >= 2) {
      const axis = config['axis'] ?? config['concat_axis'] ?? -1;
      const ids = call.inputs.map((ref) => resolve(ref, depth + 1));
      if (ids.some((id) => id === null)) return null;
      const inputShapes = ids.map((id) => shapes.get(id!)!);
      const sameTime = inputShapes.every((s) => s.timesteps === inputShapes[0]!.timesteps);
      const rank = inputShapes[0]!.timesteps === null ? 2 : 3;
      if (!sameTime || (mode === 'concat' && axis !== -1 && axis !== rank - 1)) return null;
      if (mode !== 'concat' && inputShapes.some((s) => s.features !== inputShapes[0]!.features)) return null;
      steps.push({ kind: 'merge', layer: layer.name, mode, inputs: ids as TensorId[], output });
      const features = mode === 'concat' ? inputShapes.reduce((sum, s) => sum + s.features, 0) : inputShapes[0]!.features;
      shapes.set(output, { timesteps: inputShapes[0]!.timesteps, features });
      return output;
    }
    return null;
  }

  /**
   * Conv1D (Keras 2/3: kernel_size, filters, strides, padding, dilation_rate; Keras 1 Convolution1D:
   * filter_length, nb_filter, subsample_length, border_mode, its W (k, 1, in, filters)) on the
   * file's weights; a Theano-saved kernel is flipped, as Keras 2 does when loading it
   * (preprocess_weights_for_loading: convert_kernel). Null when it is not one lstm-reset computes.
   */
  function emitConv1d(layer: GraphLayer, input: TensorId, output: TensorId): TensorId | null {
    const config = layer.config;
    const inputShape = shapes.get(input)!;
    const T = inputShape.timesteps;
    const D = inputShape.features;
    const kernelSize = firstInt(config['kernel_size'] ?? config['filter_length']);
    const filters = positiveInt(config['filters'] ?? config['nb_filter']);
    const stride = firstInt(config['strides'] ?? config['subsample_length'] ?? 1);
    const dilation = firstInt(config['dilation_rate'] ?? 1);
    const padding = config['padding'] ?? config['border_mode'] ?? 'valid';
    const activation = activationName(config['activation'] ?? 'linear') ?? 'linear';
    const groups = config['groups'] ?? 1;
    if (T === null || !kernelSize || !filters || !stride || !dilation || groups !== 1 || !knownActivation(activation)) return null;
    if ((config['data_format'] ?? 'channels_last') !== 'channels_last' || (padding !== 'valid' && padding !== 'same' && padding !== 'causal')) return null;
    const geometry = outputGeometry(T, kernelSize, stride, dilation, padding);
    if (geometry.timesteps < 1) return null;
    const size = kernelSize * D * filters;
    const useBias = config['use_bias'] !== false && config['bias'] !== false;
    const stored = info.layerWeights?.get(layer.name) ?? [];
    const kernel = stored.find((w) => w.shape.length >= 3) ?? stored[0];
    const bias = stored.find((w) => w !== kernel && w.shape.length === 1);
    let kernelValues: Float32Array;
    let biasValues: Float32Array | null;
    if (kernel && kernel.values.length === size && kernel.shape[0] === kernelSize && kernel.shape[kernel.shape.length - 1] === filters) {
      kernelValues = kernel.values;
      if (info.backend === 'theano') {
        // Keras 2 loading Theano weights: conv_utils.convert_kernel flips the spatial axis
        kernelValues = new Float32Array(size);
        const block = D * filters;
        for (let k = 0; k < kernelSize; k++) kernelValues.set(kernel.values.subarray(k * block, (k + 1) * block), (kernelSize - 1 - k) * block);
      }
      biasValues = useBias ? (bias && bias.values.length === filters ? bias.values : new Float32Array(filters)) : null;
    } else {
      // Keras's defaults: glorot_uniform kernel (fan_in k·D, fan_out k·filters), zero bias
      const limit = Math.sqrt(6 / (kernelSize * D + kernelSize * filters));
      kernelValues = Float32Array.from({ length: size }, () => (stand() * 2 - 1) * limit);
      biasValues = useBias ? new Float32Array(filters) : null;
      notes.push(`${layer.className} ${quote(layer.name)}: ${kernel ? `its kernel ${describeShape(kernel)} does not fit ${kernelSize}×${D}×${filters}` : 'no weights in the file'}; seeded weights stand in`);
    }
    steps.push({
      kind: 'conv1d',
      layer: layer.name,
      input,
      output,
      kernel: kernelValues,
      bias: biasValues,
      kernelSize,
      filters,
      stride,
      dilation,
      padLeft: geometry.padLeft,
      timesteps: geometry.timesteps,
      activation,
    });
    shapes.set(output, { timesteps: geometry.timesteps, features: filters });
    return output;
  }

  /**
   * The timesteps a tensor has by the configs on its way (a Reshape's target, a RepeatVector's n, a
   * 1D convolution or pooling's length rule, a model input's), for seeded stand-ins; undefined when
   * no layer on the way fixes them.
   */
  function staticTimesteps(ref: TensorRef, depth: number): number | undefined {
    if (depth > 50) return undefined;
    const input = inputs.find((i) => i.name === ref.layer);
    if (input && !byName.get(ref.layer)?.calls.length) return input.timesteps ?? undefined;
    const layer = byName.get(ref.layer);
    if (!layer) return undefined;
    const config = layer.config;
    if (layer.className === 'InputLayer') return inputs.find((i) => i.name === layer.name)?.timesteps ?? undefined;
    if (layer.className === 'Reshape') {
      const target = config['target_shape'];
      return Array.isArray(target) && target.length === 2 ? positiveInt(target[0]) : undefined;
    }
    if (layer.className === 'RepeatVector') return positiveInt(config['n']);
    const upstream = layer.calls[ref.node]?.inputs[0];
    if (!upstream) return undefined;
    const before = staticTimesteps(upstream, depth + 1);
    if (recurrent.has(layer.name)) return recurrent.get(layer.name)!.returnSequences && ref.tensor === 0 ? before : undefined;
    if (before === undefined) return undefined;
    if (layer.className === 'Conv1D' || layer.className === 'Convolution1D') {
      const size = firstInt(config['kernel_size'] ?? config['filter_length']);
      const stride = firstInt(config['strides'] ?? config['subsample_length'] ?? 1);
      const dilation = firstInt(config['dilation_rate'] ?? 1);
      const padding = String(config['padding'] ?? config['border_mode'] ?? 'valid');
      return size && stride && dilation ? outputGeometry(before, size, stride, dilation, padding).timesteps || undefined : undefined;
    }
    if (pool1dClasses.has(layer.className)) {
      const pool = firstInt(config['pool_size'] ?? config['pool_length'] ?? 2);
      const stride = firstInt(config['strides'] ?? config['stride'] ?? null) ?? pool;
      const padding = String(config['padding'] ?? config['border_mode'] ?? 'valid');
      return pool && stride ? outputGeometry(before, pool, stride, 1, padding).timesteps || undefined : undefined;
    }
    // layers that keep the time axis (Dense and TimeDistributed act per step)
    const keeps = ['Dense', 'TimeDistributed', 'Activation', 'BatchNormalization', 'LayerNormalization', 'Masking', 'Embedding', 'Bidirectional'];
    return keeps.includes(layer.className) || identityClasses.has(layer.className) || mergeClasses[layer.className] !== undefined ? before : undefined;
  }

  /** Emits a recurrent call (and what it reads), once; returns its outputs. */
  function emitRecurrent(name: string, node: number): { step: number; output?: TensorId; states: TensorId[] } | undefined {
    const key = `${name}#${node}`;
    const existing = recurrentSteps.get(key);
    if (existing) return existing;
    if (inProgress.has(key)) return undefined;
    const layer = byName.get(name)!;
    const info = recurrent.get(name)!;
    const call = layer.calls[node];
    if (!call) return undefined;
    inProgress.add(key);
    const units = info.units;
    const outputDim = info.bidirectional && (info.mergeMode ?? 'concat') === 'concat' ? 2 * units : units;
    // the tensor it reads: computed, or seeded values of the shape its kernel expects
    let input = call.inputs[0] ? resolve(call.inputs[0]) : null;
    const expectedDim = info.weights?.forward.inputDim ?? info.inputDim;
    if (input !== null && shapes.get(input)!.timesteps === null) input = null;
    if (input !== null && expectedDim !== null && shapes.get(input)!.features !== expectedDim) {
      notes.push(`${name}: its input has ${shapes.get(input)!.features} features but its weights expect ${expectedDim}; seeded inputs stand in`);
      input = null;
    }
    let inputText = input === null ? '' : describeTensor(call.inputs[0]!);
    if (input === null) {
      const via = call.inputs[0] ? byName.get(call.inputs[0].layer) : undefined;
      const features = expectedDim ?? options.features;
      const timesteps = (call.inputs[0] ? staticTimesteps(call.inputs[0], 0) : undefined) ?? inputs[primary]?.timesteps ?? options.timesteps;
      input = `${name}#${node}:input`;
      steps.push({ kind: 'synthetic', layer: `${name}-input`, output: input, timesteps, features });
      shapes.set(input, { timesteps, features });
      const what = via ? `${via.className} ${quote(via.name)}` : 'an input lstm-reset cannot follow';
      notes.push(`${name}'s input comes through ${what}, which lstm-reset does not compute: seeded inputs of ${timesteps}×${features} stand in (reset counts do not depend on them)`);
      inputText = `seeded stand-in for ${via ? `${via.className} ${quote(via.name)}` : 'its input'}`;
    }
    // initial_state: the states of another layer (Bidirectional: forward then backward)
    let initialState: TensorId[] | undefined;
    let initialStateFrom: string | null = null;
    const stateTensors = (info.cell === 'lstm' ? 2 : 1) * (info.bidirectional ? 2 : 1);
    if (call.initialState.length > 0) {
      initialStateFrom = recurrentSource(call.initialState[0]!) ?? call.initialState[0]!.layer;
      const ids = call.initialState.map((ref) => resolve(ref));
      if (ids.length === stateTensors && ids.every((id) => id !== null && shapes.get(id)!.timesteps === null && shapes.get(id)!.features === units)) {
        initialState = ids as TensorId[];
      } else {
        initialState = call.initialState.map((_, i) => {
          const id = `${name}#${node}:initial${i}`;
          steps.push({ kind: 'synthetic', layer: `${name}-initial-${i}`, output: id, timesteps: null, features: units });
          shapes.set(id, { timesteps: null, features: units });
          return id;
        });
        if (call.initialState.length !== stateTensors) {
          notes.push(`${name} gets ${call.initialState.length} initial_state tensors but keeps ${stateTensors}: seeded states stand in`);
          initialState = initialState.slice(0, stateTensors);
          while (initialState.length < stateTensors) initialState.push(initialState[0]!);
        } else {
          notes.push(`${name}'s initial_state comes through a layer lstm-reset does not compute: seeded states stand in`);
        }
      }
    }
    const index = layers.length;
    const calls = layers.filter((l) => l.name === name).length;
    // the cell's activation: tanh (Keras's default) or relu are computed; others run as tanh, with a note
    const activation = info.activation === 'relu' ? { activation: 'relu' as const } : {};
    if (info.activation !== 'tanh' && info.activation !== 'relu') {
      notes.push(`${name}: activation ${quote(info.activation)} is not computed here; tanh stands in (reset counts do not depend on it)`);
    }
    const cudnn = /CuDNN(LSTM|GRU)/.exec(info.className)?.[0] as 'CuDNNLSTM' | 'CuDNNGRU' | undefined;
    layers.push({
      name,
      ...activation,
      ...(cudnn ? { className: cudnn } : {}),
      cell: info.cell,
      units,
      stateful: info.stateful,
      bidirectional: info.bidirectional,
      recurrentActivation: info.recurrentActivation,
      ...(info.resetAfter === undefined ? {} : { resetAfter: info.resetAfter }),
      ...(initialStateFrom === null ? {} : { initialStateFrom }),
      ...(calls > 0 ? { call: calls } : {}),
    });
    weights.push(info.weights);
    const output = `${name}#${node}:out`;
    const states = Array.from({ length: stateTensors }, (_, i) => `${name}#${node}:state${i}`);
    shapes.set(output, { timesteps: info.returnSequences ? shapes.get(input)!.timesteps : null, features: outputDim });
    states.forEach((id) => shapes.set(id, { timesteps: null, features: units }));
    const mergeMode = info.mergeMode === 'sum' || info.mergeMode === 'mul' || info.mergeMode === 'ave' ? info.mergeMode : 'concat';
    if (info.bidirectional && info.mergeMode === null) notes.push(`${name}: Bidirectional merge_mode=None returns two outputs; later layers read them as concatenated`);
    steps.push({
      kind: 'recurrent',
      layer: index,
      input,
      ...(initialState ? { initialState, initialStateFrom: initialStateFrom ?? name } : {}),
      ...(call.explicitMask ? { explicitMask: true } : {}),
      output,
      states,
      returnSequences: info.returnSequences,
      goBackwards: info.goBackwards,
      mergeMode,
    });
    const entry = { step: steps.length - 1, output, states };
    recurrentSteps.set(key, entry);
    inProgress.delete(key);
    const previous = wiring.get(name);
    const inputWords = `${inputText}`;
    const stateWords = previous?.initialState ?? (call.initialState.length > 0 ? call.initialState.map((ref) => describeStateTensor(ref)) : undefined);
    wiring.set(name, {
      input: previous ? (previous.input === inputWords ? previous.input : `${previous.input}; ${inputWords}`) : inputWords,
      initialStateFrom: previous?.initialStateFrom ?? initialStateFrom,
      calls: (previous?.calls ?? 0) + 1,
      ...(stateWords ? { initialState: stateWords } : {}),
    });
    return entry;
  }

  /**
   * A tensor passed as initial_state, in words: a recurrent layer's output ("enc last output") or
   * one of its return_state states ("enc h", "enc c"; Bidirectional "forward h", …, in Keras's
   * [output, *forward states, *backward states] order), else the tensor as describeTensor says it.
   */
  function describeStateTensor(ref: TensorRef): string {
    const rec = recurrent.get(ref.layer);
    if (!rec) return describeTensor(ref);
    if (ref.tensor === 0) return `${rec.name} ${rec.returnSequences ? 'sequence' : 'last output'}`;
    const names = rec.cell === 'lstm' ? ['h', 'c'] : ['h'];
    const all = rec.bidirectional ? [...names.map((n) => `forward ${n}`), ...names.map((n) => `backward ${n}`)] : names;
    return `${rec.name} ${all[ref.tensor - 1] ?? `state ${ref.tensor - 1}`}`;
  }

  /** The recurrent layer a tensor comes from, through the layers in between (a Concatenate of a Bidirectional encoder's states). */
  function recurrentSource(ref: TensorRef, depth = 0): string | undefined {
    if (recurrent.has(ref.layer)) return ref.layer;
    const layer = byName.get(ref.layer);
    if (!layer || depth > 8) return undefined;
    for (const input of layer.calls[ref.node]?.inputs ?? []) {
      const found = recurrentSource(input, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /** "input 'x'", "lstm_1 (sequence)", "embedding ← input 'tokens'": where a tensor comes from, in words. */
  function describeTensor(ref: TensorRef, depth = 0): string {
    if (inputNames.has(ref.layer) && byName.get(ref.layer)?.className !== 'InputLayer' && !byName.has(ref.layer)) return `input ${quote(ref.layer)}`;
    const layer = byName.get(ref.layer);
    if (!layer || layer.className === 'InputLayer') return `input ${quote(ref.layer)}`;
    const rec = recurrent.get(layer.name);
    if (rec) return ref.tensor === 0 ? `${layer.name} (${rec.returnSequences ? 'sequence' : 'last output'})` : `${layer.name} state ${ref.tensor - 1}`;
    const label = describeLayer(layer);
    const source = layer.calls[ref.node]?.inputs;
    if (!source || source.length === 0 || depth >= 3) return label;
    if (source.length > 1) return `${label} of ${source.map((r) => describeTensor(r, depth + 1)).join(' + ')}`;
    return `${label} ← ${describeTensor(source[0]!, depth + 1)}`;
  }

  for (const layer of graph.layers) {
    if (!recurrent.has(layer.name)) continue;
    const calls = layer.calls.length || 1;
    for (let node = 0; node < calls; node++) emitRecurrent(layer.name, node);
  }

  const program: ModelProgram = {
    // a padded synthetic step holds what a mask-producing layer masks (Masking's mask_value, token 0), else 0
    // the primary input first (its data is the run's first --data), then the others in model order
    inputs: [inputs[primary]!, ...inputs.filter((_, index) => index !== primary)]
      .filter((input) => input !== undefined)
      .map((input) => ({ ...input, paddingValue: paddingValues.get(input.name) ?? 0 })),
    steps,
  };
  // which recurrent calls receive a mask, and which can take Keras 3's fused kernel (torch's §R3):
  // Keras 3's rule (a call given initial_state gets none), the only version with that kernel
  const maskedLayers = maskedRecurrentLayers(program, true);
  const specs = layers.map((layer, index): LayerSpecInput => ({
    ...layer,
    masked: maskedLayers.has(index),
    ...(fusedKernelOff(byName.get(layer.name!)) ? { fusedKernel: false } : {}),
    // the file's layer.trainable = False (default: the configuration's --no-trainable)
    ...(byName.get(layer.name!)?.config['trainable'] === false ? { trainable: false } : {}),
  }));
  return { program, layers: specs, weights, wiring, notes: [...new Set(notes)], masked: paddingValues.size > 0 || steps.some((s) => s.kind === 'masking' || (s.kind === 'embedding' && s.maskZero)) };
}

/** A model input as declared: token ids when an Embedding reads it (features 1), open dimensions null. */
export interface DeclaredInput {
  readonly name: string;
  /** 2: (batch, features), or (batch, timesteps) of token ids; 3: (batch, timesteps, features). */
  readonly rank: 2 | 3;
  readonly timesteps: number | null;
  readonly features: number | null;
  readonly vocabulary?: number;
}

/**
 * The input the run's shape describes (--shape N,T,D, --samples with the model's T and D, the first
 * --data): the first sequence input, (batch, timesteps, features) or token ids into an Embedding;
 * 0 when there is none. A (batch, features) vector input takes (N, F) data or seeded values of its own shape.
 */
export function primaryInput(declared: readonly DeclaredInput[]): number {
  const index = declared.findIndex((input) => input.rank === 3 || input.vocabulary !== undefined);
  return index < 0 ? 0 : index;
}

export function declaredInputs(info: RecurrentModelInfo): DeclaredInput[] {
  const { graph } = info;
  const inputNames = new Set(graph.inputs.map((input) => input.name));
  const tokenInputs = new Map<string, number>();
  for (const layer of graph.layers) {
    if (layer.className !== 'Embedding') continue;
    const source = layer.calls[0]?.inputs[0];
    const vocabulary = positiveInt(layer.config['input_dim']);
    if (source && inputNames.has(source.layer) && vocabulary) tokenInputs.set(source.layer, vocabulary);
  }
  return graph.inputs.map((input) => {
    const shape = input.shape;
    const vocabulary = tokenInputs.get(input.name);
    if (vocabulary) return { name: input.name, rank: 2, timesteps: shape && shape.length >= 2 ? (shape[1] ?? null) : null, features: 1, vocabulary };
    if (shape && shape.length === 2) return { name: input.name, rank: 2, timesteps: null, features: shape[1] ?? null };
    return {
      name: input.name,
      rank: 3,
      timesteps: shape && shape.length >= 3 ? (shape[1] ?? null) : null,
      features: shape && shape.length >= 3 ? (shape[shape.length - 1] ?? null) : null,
    };
  });
}

function describeLayer(layer: GraphLayer): string {
  if (layer.className === 'Embedding') return `${layer.name} (Embedding${layer.config['mask_zero'] === true ? ', mask_zero' : ''})`;
  if (layer.className === 'Masking') return `${layer.name} (Masking ${String(layer.config['mask_value'] ?? 0)})`;
  return `${layer.name} (${layer.className})`;
}

function innerConfig(config: Readonly<Record<string, unknown>>, className: string): Record<string, unknown> | undefined {
  const inner = config['layer'];
  if (!isRecord(inner) || inner['class_name'] !== className || !isRecord(inner['config'])) return undefined;
  return inner['config'];
}

const pool1dClasses = new Set(['MaxPooling1D', 'AveragePooling1D', 'MaxPool1D', 'AvgPool1D']);

/** A positive integer, or the first of a one-element list ([3] as Keras 2/3 write kernel_size and strides). */
function firstInt(value: unknown): number | undefined {
  return positiveInt(Array.isArray(value) && value.length === 1 ? value[0] : value);
}

/**
 * Output length and left padding of a 1D window (TensorFlow's rules): valid floor((T − span) / s) + 1;
 * same ceil(T / s) with floor(total / 2) padded before; causal (span − 1) padded before, then valid.
 */
export function outputGeometry(T: number, size: number, stride: number, dilation: number, padding: string): { timesteps: number; padLeft: number } {
  const span = (size - 1) * dilation + 1;
  if (padding === 'same') {
    const timesteps = Math.ceil(T / stride);
    const total = Math.max((timesteps - 1) * stride + span - T, 0);
    return { timesteps, padLeft: Math.floor(total / 2) };
  }
  if (padding === 'causal') return { timesteps: Math.floor((T + span - 1 - span) / stride) + 1, padLeft: span - 1 };
  return { timesteps: T >= span ? Math.floor((T - span) / stride) + 1 : 0, padLeft: 0 };
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

const computedActivations = new Set([
  'linear', 'identity', 'tanh', 'sigmoid', 'hard_sigmoid', 'relu', 'relu6', 'elu', 'selu', 'softplus', 'softsign', 'exponential', 'swish', 'silu', 'softmax',
]);

function knownActivation(name: string): boolean {
  return computedActivations.has(name);
}

function describeShape(array: WeightArray): string {
  return `[${array.shape.join(',')}]`;
}

/**
 * A recurrent layer whose config rules out Keras 3's fused LSTM/GRU kernel: recurrent_dropout > 0
 * (keras/src/layers/rnn/lstm.py and gru.py inner_loop; a Bidirectional wrapper's inner layer decides).
 * use_cudnn=False would too, but Keras 3 does not save use_cudnn (a loaded layer has "auto").
 */
function fusedKernelOff(layer: GraphLayer | undefined): boolean {
  if (!layer) return false;
  const inner = layer.config['layer'];
  const config = inner && typeof inner === 'object' && 'config' in inner ? ((inner as { config: Record<string, unknown> }).config ?? layer.config) : layer.config;
  const dropout = config['recurrent_dropout'];
  return typeof dropout === 'number' && dropout > 0;
}
