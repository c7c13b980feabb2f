/**
 * Reads a Keras model config (the `{"class_name": ..., "config": ...}` object of `model.to_json()`, a `.keras`
 * archive's config.json, or a TF.js model.json's modelTopology) into a RecurrentModelInfo.
 *
 * Handles the three serialisations in use:
 *   - Keras 1 / multi-backend Keras 2 / tf.keras: layers `{"class_name", "config", "name"?, "inbound_nodes": [[["src", 0, 0, {}]]]}`,
 *     the first layer or an InputLayer carrying `batch_input_shape`;
 *   - Keras 3: `{"module", "class_name", "config", "registered_name", "build_config"?, "inbound_nodes":
 *     [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["src", 0, 0]}}], "kwargs": {}}]}`,
 *     InputLayer carrying `batch_shape`;
 *   - TF.js Layers: the Keras 2 form with snake_case keys (`"recurrent_activation": "hard_sigmoid"`).
 */
import { kerasProfileForVersion, type KerasVersion, type RecurrentActivation } from '../keras/profiles.ts';
import { fileError, quote } from './errors.ts';
import type { GraphLayer, LayerCall, ModelInput, ModelSource, RecurrentCell, RecurrentLayerInfo, RecurrentModelInfo, TensorRef, UnsupportedLayer } from './types.ts';

export interface TopologyOptions {
  /** File name used in error messages. */
  readonly file: string;
  readonly source: ModelSource;
  readonly kerasVersion: KerasVersion | undefined;
  readonly versionString: string | undefined;
  /** Where the file states its version (for the header), when it does. */
  readonly versionFrom?: string | undefined;
  /** Used when a recurrent layer's config has no recurrent_activation (TF.js and Keras < 2.3: hard_sigmoid). */
  readonly defaultRecurrentActivation: RecurrentActivation;
  /** Used when a GRU config has no reset_after (tf.keras, Keras 3: true; Keras 2.x, TF.js: false). */
  readonly defaultResetAfter: boolean;
  /** Notes gathered before the topology (e.g. about the version string). */
  readonly notes?: readonly string[];
}

type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const modelClasses = new Set(['Sequential', 'Functional', 'Model']);
/** Layers that keep the last (feature) dimension unchanged. */
const shapePreserving = new Set([
  'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Masking', 'BatchNormalization',
  'LayerNormalization', 'Activation', 'ActivityRegularization', 'UnitNormalization', 'LeakyReLU', 'ReLU', 'PReLU', 'ELU',
  'Softmax', 'ThresholdedReLU', 'Identity',
]);
const recurrentClasses: Readonly<Record<string, RecurrentCell>> = {
  LSTM: 'lstm', CuDNNLSTM: 'lstm', LSTMV1: 'lstm', LSTMV2: 'lstm',
  GRU: 'gru', CuDNNGRU: 'gru', GRUV1: 'gru', GRUV2: 'gru',
  SimpleRNN: 'simple',
};
const cellClasses: Readonly<Record<string, RecurrentCell>> = {
  LSTMCell: 'lstm', LSTMCellV1: 'lstm', LSTMCellV2: 'lstm', PeepholeLSTMCell: 'lstm',
  GRUCell: 'gru', GRUCellV1: 'gru', GRUCellV2: 'gru',
  SimpleRNNCell: 'simple',
};

/**
 * Maps a `keras_version` string to the profile it behaves like (keras/profiles.ts kerasProfileForVersion:
 * 3.12+ → '3', 3.0–3.11 → '3.0-3.11', 2.4+ and "-tf" → 'tf', 2.0–2.3 and 1.x → '2'; §2.1, §8).
 */
export function classifyKerasVersion(version: string): { version?: KerasVersion; note?: string } {
  const profile = kerasProfileForVersion(version);
  if (profile === undefined) {
    return /^\s*v?\d+\.\d+/.test(version)
      ? { note: `keras_version ${quote(version)} is not Keras 1, 2 or 3; Keras generation unknown` }
      : { note: `unrecognised keras_version ${quote(version)}; Keras generation unknown` };
  }
  if (/^\s*v?1\./.test(version)) return { version: profile, note: `keras_version ${quote(version)} is Keras 1; simulated with the multi-backend Keras 2.3 rules (the same for resets)` };
  return { version: profile };
}

/** Reads a `{class_name, config}` model object. Throws ModelFileError for anything that is not a readable model. */
export function parseModelTopology(model: unknown, options: TopologyOptions): RecurrentModelInfo {
  const { file } = options;
  if (!isRecord(model)) throw fileError(file, `the model description is ${describeType(model)}, expected an object with "class_name" and "config"`);
  const className = model['class_name'];
  if (typeof className !== 'string') throw fileError(file, 'the model description has no "class_name" string');
  if (!modelClasses.has(className)) {
    throw fileError(file, `top-level class_name ${quote(className)} is not a model (expected Sequential, Functional or Model)`);
  }
  const config = model['config'];
  let layerEntries: unknown;
  let modelName: string | null = null;
  if (Array.isArray(config)) {
    layerEntries = config; // Sequential in Keras <= 2.2.2: config is the list of layers
  } else if (isRecord(config)) {
    layerEntries = config['layers'];
    modelName = typeof config['name'] === 'string' ? config['name'] : null;
  } else {
    throw fileError(file, `${className} has no "config" object`);
  }
  if (!Array.isArray(layerEntries)) throw fileError(file, `${className} config has no "layers" list`);

  // Keras 1 / early Keras 2: a Sequential whose first layer is Merge([seq_a, seq_b, …]) has one input per branch
  const merged = className === 'Sequential' ? expandLegacyMerge(layerEntries) : undefined;
  const reader = new TopologyReader(options, className === 'Sequential' && !merged);
  (merged?.layers ?? layerEntries).forEach((entry, index) => reader.layer(entry, index));
  if (merged) {
    reader.notes.push(
      `a Keras 1 Sequential starting with Merge(mode=${quote(merged.mode)}) of ${merged.inputs.length} Sequential branches: ${merged.inputs.length} inputs (${merged.inputs.join(', ')}), fed in that order`,
    );
  }

  if (reader.inputShape === undefined && isRecord(config)) {
    // Keras 3 / tf.keras Sequential built without an InputLayer entry: build_input_shape, or the first layer's build_config
    const first = layerEntries[0];
    const fallback =
      config['build_input_shape'] ?? (isRecord(first) && isRecord(first['build_config']) ? first['build_config']['input_shape'] : undefined);
    if (fallback !== undefined && fallback !== null) reader.inputShape = parseShape(fallback, file, `${className} build_input_shape`);
  }
  const shape = reader.inputShape;
  const batchSize = shape?.[0] ?? null;
  const timesteps = shape && shape.length >= 2 ? (shape[1] ?? null) : null;
  const features = shape && shape.length === 3 ? (shape[2] ?? null) : null;
  if (shape && shape.length !== 3) reader.notes.push(`the model input has rank ${shape.length} (${formatShape(shape)}), not (batch, timesteps, features)`);
  if (!shape) reader.notes.push('the model does not state its input shape');
  for (const layer of reader.layers) {
    if (layer.stateful && batchSize === null) reader.notes.push(`layer ${quote(layer.name)} is stateful but the model has no fixed batch size`);
  }
  const graph = reader.graph(merged ? { input_layers: merged.inputs.map((name) => [name, 0, 0]) } : isRecord(config) ? config : {}, shape ?? null);
  if (merged) reader.notes.splice(0, reader.notes.length, ...reader.notes.filter((note) => !note.startsWith('the model has ')));
  return {
    source: options.source,
    ...(options.kerasVersion === undefined ? {} : { kerasVersion: options.kerasVersion }),
    ...(options.versionString === undefined ? {} : { versionString: options.versionString }),
    ...(options.versionFrom === undefined ? {} : { versionFrom: options.versionFrom }),
    modelClass: className,
    modelName,
    batchSize,
    timesteps,
    features,
    layers: reader.layers,
    notes: [...(options.notes ?? []), ...reader.notes],
    unsupported: reader.unsupported,
    graph,
    weightsSource: { kind: 'none', used: false, reason: null },
  };
}

type Shape = (number | null)[];

/**
 * A legacy Sequential's layer list starting with `Merge` whose config lists the merged Sequential
 * models (Keras 1.2.2 models.py Sequential.get_config: `merge_config['layers'] = [{class_name,
 * config}, …]`), rewritten as Functional layer entries: one InputLayer per branch (named
 * `<first layer>_input`, as Sequential.add names it), each branch chained, the Merge called on the
 * branches' last layers, the rest chained after it. Weights are stored under the same layer names
 * (Sequential.flattened_layers). Undefined for anything else.
 */
function expandLegacyMerge(entries: readonly unknown[]): { layers: Json[]; inputs: string[]; mode: string } | undefined {
  const first = entries[0];
  if (!isRecord(first) || first['class_name'] !== 'Merge' || !isRecord(first['config'])) return undefined;
  const branches = first['config']['layers'];
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const layers: Json[] = [];
  const inputs: string[] = [];
  const ends: string[] = [];
  const nameOf = (entry: Json, fallback: string): string => {
    const config = entry['config'];
    return isRecord(config) && typeof config['name'] === 'string' ? config['name'] : fallback;
  };
  const chain = (list: readonly unknown[], previous: string | undefined, at: string): string | undefined => {
    let last = previous;
    list.forEach((raw, i) => {
      if (!isRecord(raw) || !isRecord(raw['config'])) return;
      const name = nameOf(raw, `${at}_${i}`);
      if (last === undefined) {
        const shapeKeys = ['batch_input_shape', 'input_dtype', 'batch_shape'];
        const inputConfig: Json = { name: `${name}_input` };
        for (const key of shapeKeys) if (raw['config'][key] !== undefined) inputConfig[key] = raw['config'][key];
        layers.push({ class_name: 'InputLayer', name: `${name}_input`, config: inputConfig, inbound_nodes: [] });
        inputs.push(`${name}_input`);
        last = `${name}_input`;
      }
      layers.push({ ...raw, name, inbound_nodes: [[[last, 0, 0]]] });
      last = name;
    });
    return last;
  };
  for (const [i, branch] of branches.entries()) {
    if (!isRecord(branch)) return undefined;
    const config = branch['config'];
    const list = branch['class_name'] === 'Sequential' ? (Array.isArray(config) ? config : isRecord(config) ? config['layers'] : undefined) : [branch];
    if (!Array.isArray(list) || list.length === 0) return undefined;
    if (isRecord(list[0]) && list[0]['class_name'] === 'Merge') return undefined; // a Merge inside a branch: left as a nested model
    const end = chain(list, undefined, `branch_${i}`);
    if (end === undefined) return undefined;
    ends.push(end);
  }
  const { layers: _branches, ...mergeConfig } = first['config'];
  const mergeName = nameOf(first, 'merge');
  layers.push({ class_name: 'Merge', name: mergeName, config: mergeConfig, inbound_nodes: [ends.map((end) => [end, 0, 0])] });
  chain(entries.slice(1), mergeName, 'layer');
  return { layers, inputs, mode: typeof mergeConfig['mode'] === 'string' ? mergeConfig['mode'] : 'sum' };
}

class TopologyReader {
  readonly layers: RecurrentLayerInfo[] = [];
  readonly notes: string[] = [];
  readonly unsupported: UnsupportedLayer[] = [];
  /** Every layer with its calls, in file order. */
  readonly graphLayers: GraphLayer[] = [];
  /** InputLayers: name and declared shape. */
  private readonly inputLayers: ModelInput[] = [];
  inputShape: Shape | undefined;
  /** Last dimension of each layer's (first) output, by layer name; null when unknown. */
  private readonly outputDims = new Map<string, number | null>();
  private previousDim: number | null = null;
  private readonly options: TopologyOptions;
  private readonly sequential: boolean;

  constructor(options: TopologyOptions, sequential: boolean) {
    this.options = options;
    this.sequential = sequential;
  }

  layer(rawEntry: unknown, index: number): void {
    const file = this.options.file;
    if (!isRecord(rawEntry)) throw fileError(file, `layers[${index}] is ${describeType(rawEntry)}, expected an object`);
    const entry = snakeKeys(rawEntry);
    const className = entry['class_name'];
    if (typeof className !== 'string') throw fileError(file, `layers[${index}] has no "class_name" string`);
    const rawConfig = entry['config'] ?? {};
    if (!isRecord(rawConfig)) throw fileError(file, `layers[${index}] (${className}) has a "config" that is not an object`);
    const config = snakeKeys(rawConfig);
    const nameValue = entry['name'] ?? config['name'];
    const name = typeof nameValue === 'string' ? nameValue : `${className}#${index}`;
    const where = `layer ${quote(name)} (layers[${index}], ${className})`;

    const inputDim = this.sequential || index === 0 ? this.previousDim : this.inboundDim(entry);

    const declared = declaredInputShape(config, file, where);
    let outDim: number | null;
    if (className === 'InputLayer') {
      this.inputLayers.push({ name, shape: declared ?? null });
      if (declared && this.inputShape === undefined) this.inputShape = declared;
      outDim = declared ? (declared[declared.length - 1] ?? null) : null;
    } else {
      let ownInputDim = inputDim;
      if (declared) {
        if (this.inputShape === undefined) this.inputShape = declared;
        ownInputDim = declared[declared.length - 1] ?? null;
      }
      outDim = this.body(className, config, name, where, ownInputDim);
    }
    this.outputDims.set(name, outDim);
    this.previousDim = outDim;
    const calls = this.sequential ? [] : parseCalls(entry['inbound_nodes'], isRecurrentCall(className), file, where);
    this.graphLayers.push({ name, className, config, calls });
  }

  /** The model's wiring; a Sequential's calls chain each layer to the one before. */
  graph(config: Json, declared: Shape | null): { sequential: boolean; inputs: ModelInput[]; layers: GraphLayer[] } {
    if (this.sequential) {
      const first = this.graphLayers[0];
      const inputName = first?.className === 'InputLayer' ? first.name : `${first?.name ?? 'model'}_input`;
      let previous = inputName;
      const layers = this.graphLayers
        .filter((layer) => layer.className !== 'InputLayer')
        .map((layer) => {
          const call: LayerCall = { inputs: [{ layer: previous, node: 0, tensor: 0 }], initialState: [] };
          previous = layer.name;
          return { ...layer, calls: [call] };
        });
      return { sequential: true, inputs: [{ name: inputName, shape: declared }], layers };
    }
    const listed = parseInputLayers(config['input_layers']);
    const inputs = listed.length > 0
      ? listed.map((name) => this.inputLayers.find((input) => input.name === name) ?? { name, shape: null })
      : this.inputLayers;
    if (inputs.length > 1) this.notes.push(`the model has ${inputs.length} inputs (${inputs.map((input) => input.name).join(', ')})`);
    return { sequential: false, inputs, layers: this.graphLayers };
  }

  /** Handles one non-input layer; returns the last dimension of its output. */
  private body(className: string, config: Json, name: string, where: string, inputDim: number | null): number | null {
    const file = this.options.file;
    const recurrent = recognise(className, config, file, where);
    if (recurrent) {
      const layer = this.recurrent(recurrent, config, name, where, inputDim, recurrent.label);
      this.layers.push(layer);
      return layer.units;
    }
    if (className === 'Bidirectional') {
      const inner = config['layer'];
      if (!isRecord(inner) || typeof inner['class_name'] !== 'string' || !isRecord(inner['config'])) {
        throw fileError(file, `${where}: "layer" must be a {class_name, config} object`);
      }
      const innerClass = inner['class_name'];
      const innerConfig = snakeKeys(inner['config']);
      const innerWhere = `${where} wrapped ${innerClass}`;
      const wrapped = recognise(innerClass, innerConfig, file, innerWhere);
      if (!wrapped) {
        const inside = unsupportedRecurrent(innerClass, innerConfig);
        if (inside) this.unsupported.push({ name, className: `Bidirectional(${inside.className})`, why: inside.why });
        else this.notes.push(`${where} wraps ${innerClass}, which is not a recurrent layer; skipped`);
        return null;
      }
      const mergeMode = config['merge_mode'] === undefined ? 'concat' : config['merge_mode'];
      if (mergeMode !== null && typeof mergeMode !== 'string') throw fileError(file, `${where}: merge_mode ${quote(mergeMode)} is not a string or null`);
      const forward = this.recurrent(wrapped, innerConfig, name, innerWhere, inputDim, `Bidirectional(${wrapped.label})`);
      // Keras 3 always serialises backward_layer (a copy with go_backwards flipped); note only a real difference
      const backward = config['backward_layer'];
      if (isRecord(backward) && typeof backward['class_name'] === 'string' && isRecord(backward['config'])) {
        const backKind = recognise(backward['class_name'], backward['config'], file, `${where} backward_layer`);
        const back = backKind ? this.recurrent(backKind, backward['config'], name, `${where} backward_layer`, inputDim, backKind.label) : undefined;
        if (!back || back.cell !== forward.cell || back.units !== forward.units || back.stateful !== forward.stateful) {
          this.notes.push(`${where} has a backward_layer that differs from its forward layer; only the forward layer's settings are reported`);
        }
      }
      this.layers.push({ ...forward, bidirectional: true, mergeMode });
      if (mergeMode === 'concat') return 2 * forward.units;
      return mergeMode === null ? null : forward.units;
    }
    if (modelClasses.has(className) || Array.isArray(config['layers'])) {
      const inner = nestedRecurrentClasses(config);
      if (inner.length > 0) {
        this.unsupported.push({ name, className, why: `a model nested in this one (with ${inner.join(', ')}): its layers are not read` });
      } else {
        this.notes.push(`nested model ${quote(name)} (${className}) skipped: it has no recurrent layer`);
      }
      return null;
    }
    const unsupported = unsupportedRecurrent(className, config);
    if (unsupported) {
      this.unsupported.push({ name, ...unsupported });
      return null;
    }
    if (shapePreserving.has(className)) return inputDim;
    if (className === 'Dense') return positiveIntOrNull(config['units']);
    if (className === 'Embedding') return positiveIntOrNull(config['output_dim']);
    if (className === 'TimeDistributed') {
      const inner = config['layer'];
      if (isRecord(inner) && inner['class_name'] === 'Dense' && isRecord(inner['config'])) return positiveIntOrNull(inner['config']['units']);
      return null;
    }
    return null;
  }

  private recurrent(
    kind: Recognised,
    config: Json,
    name: string,
    where: string,
    inputDim: number | null,
    className: string,
  ): RecurrentLayerInfo {
    const file = this.options.file;
    const cellConfig = kind.cellConfig;
    const unitsValue = cellConfig['units'] ?? cellConfig['output_dim'];
    if (typeof unitsValue !== 'number' || !Number.isInteger(unitsValue) || unitsValue < 1) {
      throw fileError(file, `${where}: units must be a positive integer, got ${quote(unitsValue)}`);
    }
    const bool = (key: string, fallback: boolean, from: Json = config): boolean => {
      const value = from[key];
      if (value === undefined || value === null) return fallback;
      if (typeof value !== 'boolean') throw fileError(file, `${where}: ${key} must be true or false, got ${quote(value)}`);
      return value;
    };
    let recurrentActivation: RecurrentActivation = this.options.defaultRecurrentActivation;
    let statedRecurrent: string | undefined;
    if (kind.fixedSigmoid) {
      recurrentActivation = 'sigmoid';
    } else if (kind.cell === 'simple') {
      recurrentActivation = 'sigmoid';
    } else {
      const raw = cellConfig['recurrent_activation'] ?? cellConfig['inner_activation'];
      if (raw !== undefined && raw !== null) {
        const normal = activationName(raw);
        if (normal === 'sigmoid' || normal === 'hard_sigmoid') recurrentActivation = normal;
        else {
          // the gates' values change, not when a state is reset: sigmoid stands in, said in the header
          recurrentActivation = 'sigmoid';
          statedRecurrent = normal ?? String(quote(raw));
          const note = `${name}: recurrent_activation ${quote(statedRecurrent)} is not computed here; sigmoid stands in (reset counts do not depend on it, state values do)`;
          if (!this.notes.includes(note)) this.notes.push(note); // a Bidirectional's backward layer says the same
        }
      }
    }
    const activationRaw = cellConfig['activation'];
    const activation = kind.fixedSigmoid || activationRaw === undefined || activationRaw === null ? 'tanh' : (activationName(activationRaw) ?? String(quote(activationRaw)));
    const layer: RecurrentLayerInfo = {
      name,
      className,
      cell: kind.cell,
      units: unitsValue,
      stateful: bool('stateful', false),
      returnSequences: bool('return_sequences', false),
      returnState: bool('return_state', false),
      bidirectional: false,
      recurrentActivation,
      ...(statedRecurrent === undefined ? {} : { recurrentActivationStated: statedRecurrent }),
      activation,
      ...(kind.cell === 'gru' ? { resetAfter: kind.fixedSigmoid ? true : bool('reset_after', this.options.defaultResetAfter, cellConfig) } : {}),
      goBackwards: bool('go_backwards', false),
      useBias: kind.fixedSigmoid ? true : bool('use_bias', true, cellConfig),
      inputDim,
    };
    return layer;
  }

  /** The last dimension of the tensor feeding a functional layer (first input of its first node). */
  private inboundDim(entry: Json): number | null {
    const source = firstInboundSource(entry['inbound_nodes']);
    if (source === undefined) return this.previousDim;
    return this.outputDims.get(source) ?? null;
  }
}

/**
 * A recurrent layer lstm-reset does not compute, with what it is; undefined for anything else. Simulated
 * are LSTM, GRU, SimpleRNN, CuDNNLSTM/CuDNNGRU, RNN of one such cell and Bidirectional of them.
 */
function unsupportedRecurrent(className: string, config: Json): Omit<UnsupportedLayer, 'name'> | undefined {
  if (/^ConvLSTM[123]D$/.test(className)) {
    return { className, why: 'a convolutional LSTM (its state is a map of filters per position), not computed here' };
  }
  if (className === 'RNN') {
    const cell = config['cell'];
    if (Array.isArray(cell)) {
      const names = cell.map((c) => (isRecord(c) && typeof c['class_name'] === 'string' ? c['class_name'] : '?'));
      return { className: `RNN([${names.join(', ')}])`, why: 'stacked cells inside one RNN layer (StackedRNNCells), not computed here' };
    }
    const cellClass = isRecord(cell) && typeof cell['class_name'] === 'string' ? cell['class_name'] : '?';
    if (isRecord(cell) && cellClass === 'StackedRNNCells') {
      return { className: 'RNN(StackedRNNCells)', why: 'stacked cells inside one RNN layer, not computed here' };
    }
    return { className: `RNN(${cellClass})`, why: `a custom cell (${cellClass}), whose maths lstm-reset does not know` };
  }
  if (className === 'TimeDistributed') {
    const inner = config['layer'];
    const innerClass = isRecord(inner) && typeof inner['class_name'] === 'string' ? inner['class_name'] : undefined;
    if (innerClass && (innerClass in recurrentClasses || innerClass === 'Bidirectional' || innerClass === 'RNN' || /LSTM|GRU|RNN/i.test(innerClass))) {
      return { className: `TimeDistributed(${innerClass})`, why: 'a recurrent layer run over every step of an outer sequence (each step its own batch of sequences), not computed here' };
    }
    return undefined;
  }
  if (!(className in recurrentClasses) && /LSTM|GRU|RNN|Recurrent/i.test(className)) {
    return { className, why: 'a custom recurrent layer class, whose maths lstm-reset does not know' };
  }
  return undefined;
}

/** The recurrent class names inside a nested model's config (one level). */
function nestedRecurrentClasses(config: Json): string[] {
  const layers = Array.isArray(config['layers']) ? config['layers'] : [];
  return layers.flatMap((layer) => {
    if (!isRecord(layer) || typeof layer['class_name'] !== 'string') return [];
    const className = layer['class_name'];
    const inner = isRecord(layer['config']) && isRecord(layer['config']['layer']) ? layer['config']['layer']['class_name'] : undefined;
    if (className in recurrentClasses || className === 'RNN' || /LSTM|GRU|RNN/i.test(className)) return [className];
    if ((className === 'Bidirectional' || className === 'TimeDistributed') && typeof inner === 'string' && /LSTM|GRU|RNN/i.test(inner)) return [`${className}(${inner})`];
    return [];
  });
}

interface Recognised {
  readonly cell: RecurrentCell;
  /** Where units/activations/reset_after live: the layer config, or the cell config of RNN(cell). */
  readonly cellConfig: Json;
  /** CuDNNLSTM/CuDNNGRU: sigmoid gates and tanh, always with bias (and GRU reset_after). */
  readonly fixedSigmoid: boolean;
  readonly label: string;
}

function recognise(className: string, config: Json, file: string, where: string): Recognised | undefined {
  const cell = recurrentClasses[className];
  if (cell) return { cell, cellConfig: config, fixedSigmoid: className.startsWith('CuDNN'), label: className };
  if (className === 'RNN') {
    const cellEntry = config['cell'];
    if (!isRecord(cellEntry)) return undefined; // a list of cells (StackedRNNCells form): reported as unsupported
    const cellClass = cellEntry['class_name'];
    const cellKind = typeof cellClass === 'string' ? cellClasses[cellClass] : undefined;
    if (!cellKind) return undefined;
    const cellConfig = cellEntry['config'];
    if (!isRecord(cellConfig)) throw fileError(file, `${where}: cell ${String(cellClass)} has no config object`);
    return { cell: cellKind, cellConfig: snakeKeys(cellConfig), fixedSigmoid: false, label: `RNN(${String(cellClass)})` };
  }
  return undefined;
}

/**
 * An activation as Keras/TF.js write it, in snake_case: 'hard_sigmoid', 'hardSigmoid', {'class_name': 'function', 'config': 'sigmoid'}
 * (Keras 3 object form), {'class_name': 'HardSigmoid'}.
 */
export function activationName(value: unknown): string | undefined {
  let name: unknown = value;
  if (isRecord(value)) {
    name = typeof value['config'] === 'string' ? value['config'] : (value['registered_name'] ?? value['class_name']);
    if (isRecord(value['config']) && typeof value['config']['name'] === 'string') name = value['config']['name'];
  }
  if (typeof name !== 'string') return undefined;
  const snake = name
    .replace(/^.*[>.]/, '') // 'keras.activations.sigmoid', 'package>name'
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return snake;
}

/** Reads batch_input_shape / batch_shape / (batch_size + input_shape|shape) from a layer config. */
function declaredInputShape(config: Json, file: string, where: string): Shape | undefined {
  for (const key of ['batch_input_shape', 'batch_shape']) {
    const value = config[key];
    if (value !== undefined && value !== null) {
      const shape = parseShape(value, file, `${where}: ${key}`);
      // the first dimension is the batch size: 0 rows is no batch at all (-5 is refused above)
      if (shape[0] === 0) throw fileError(file, `${where}: ${key} has the batch size 0 (expected a positive integer, or null for any batch size): ${quote(value)}`);
      return shape;
    }
  }
  for (const key of ['input_shape', 'shape']) {
    const value = config[key];
    if (value !== undefined && value !== null) {
      const rest = parseShape(value, file, `${where}: ${key}`);
      const batch = config['batch_size'];
      if (batch !== undefined && batch !== null && (typeof batch !== 'number' || !Number.isInteger(batch) || batch < 1)) {
        throw fileError(file, `${where}: batch_size must be a positive integer or null, got ${quote(batch)}`);
      }
      return [typeof batch === 'number' ? batch : null, ...rest];
    }
  }
  return undefined;
}

/** A shape list of positive integers or null, or tf.keras's {"class_name": "TensorShape", "items": [...]}. */
function parseShape(value: unknown, file: string, what: string): Shape {
  const items = isRecord(value) && value['class_name'] === 'TensorShape' ? value['items'] : value;
  if (!Array.isArray(items) || items.length === 0 || items.length > 8) {
    throw fileError(file, `${what} must be a list of dimensions, got ${quote(value)}`);
  }
  return items.map((dim) => {
    if (dim === null) return null;
    if (typeof dim === 'number' && Number.isInteger(dim) && dim >= 0) return dim;
    throw fileError(file, `${what} has the dimension ${quote(dim)} (expected a non-negative integer or null): ${quote(value)}`);
  });
}

/**
 * Name of the layer feeding the first input of the first inbound node, in any of the forms:
 * Keras 2 / TF.js `[[["src", 0, 0, {}]]]`, flat `[["src", 0, 0]]`, Keras 3 `[{"args": [{"class_name":
 * "__keras_tensor__", "config": {"keras_history": ["src", 0, 0]}}], "kwargs": {}}]`.
 */
export function firstInboundSource(nodes: unknown): string | undefined {
  if (!Array.isArray(nodes) || nodes.length === 0) return undefined;
  const node: unknown = nodes[0];
  if (Array.isArray(node)) {
    if (typeof node[0] === 'string') return node[0];
    const ref: unknown = node[0];
    if (Array.isArray(ref) && typeof ref[0] === 'string') return ref[0];
    return undefined;
  }
  return findKerasHistory(node, 0);
}

function findKerasHistory(value: unknown, depth: number): string | undefined {
  if (depth > 8) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findKerasHistory(item, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const direct = value['keras_history'];
  if (Array.isArray(direct) && typeof direct[0] === 'string') return direct[0];
  const config = value['config'];
  if (isRecord(config) && Array.isArray(config['keras_history']) && typeof config['keras_history'][0] === 'string') {
    return config['keras_history'][0];
  }
  // args before kwargs
  for (const key of ['args', 'kwargs']) {
    if (key in value) {
      const found = findKerasHistory(value[key], depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Classes whose call takes initial_state (the recurrent layers, their wrappers and ConvLSTM). */
function isRecurrentCall(className: string): boolean {
  return className in recurrentClasses || className === 'Bidirectional' || className === 'RNN' || /^ConvLSTM[123]D$/.test(className);
}

/** `input_layers`: [["a", 0, 0], ["b", 0, 0]], or Keras 3's ["a", 0, 0] for a single input. */
function parseInputLayers(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  if (typeof value[0] === 'string') return [value[0]];
  return value.flatMap((item) => (Array.isArray(item) && typeof item[0] === 'string' ? [item[0]] : []));
}

/** A tensor reference: ["src", 0, 0, {kwargs}] (Keras 1/2, TF.js) or a Keras 3 `__keras_tensor__` object. */
function tensorRef(value: unknown): TensorRef | undefined {
  if (Array.isArray(value) && typeof value[0] === 'string') {
    const node = typeof value[1] === 'number' ? value[1] : 0;
    const tensor = typeof value[2] === 'number' ? value[2] : 0;
    return { layer: value[0], node, tensor };
  }
  if (isRecord(value)) {
    const history = isRecord(value['config']) ? value['config']['keras_history'] : value['keras_history'];
    if (Array.isArray(history) && typeof history[0] === 'string') return tensorRef(history);
  }
  return undefined;
}

/** Every tensor reference inside a nested structure (lists, dicts), in order. */
function collectRefs(value: unknown, depth = 0): TensorRef[] {
  if (depth > 8) return [];
  const ref = tensorRef(value);
  if (ref) return [ref];
  if (Array.isArray(value)) return value.flatMap((item) => collectRefs(item, depth + 1));
  if (isRecord(value)) return Object.values(value).flatMap((item) => collectRefs(item, depth + 1));
  return [];
}

/**
 * A layer's calls from its `inbound_nodes`. Keras 1/2 and TF.js: each node is a list of tensor
 * references; a recurrent layer's list is its input followed by its initial states (RNN.__call__
 * passes `[inputs] + initial_state` as one input list; tf-keras base_rnn.py `__call__`, Keras 2.3.1
 * recurrent.py `RNN.__call__`). Keras 3: `{"args": [x, …], "kwargs": {"initial_state": [...]}}`.
 */
function parseCalls(nodes: unknown, recurrent: boolean, file: string, where: string): LayerCall[] {
  if (nodes === undefined || nodes === null) return [];
  if (!Array.isArray(nodes)) throw fileError(file, `${where}: inbound_nodes must be a list`);
  return nodes.map((node): LayerCall => {
    if (Array.isArray(node)) {
      const refs = node.flatMap((item) => {
        const ref = tensorRef(item);
        return ref ? [ref] : Array.isArray(item) ? collectRefs(item) : [];
      });
      // kwargs of the first reference (tf.keras writes call kwargs there): initial_state as references
      const first = node[0];
      const kwargs = Array.isArray(first) && isRecord(first[3]) ? first[3] : undefined;
      const fromKwargs = kwargs ? collectRefs(kwargs['initial_state']) : [];
      if (!recurrent) return { inputs: refs, initialState: [] };
      return { inputs: refs.slice(0, 1), initialState: [...refs.slice(1), ...fromKwargs] };
    }
    if (isRecord(node)) {
      const args = Array.isArray(node['args']) ? node['args'] : [];
      const kwargs = isRecord(node['kwargs']) ? node['kwargs'] : {};
      const inputs = collectRefs(args[0]);
      if (!recurrent) return { inputs: [...inputs, ...collectRefs(args.slice(1))], initialState: [] };
      const explicitMask = collectRefs(kwargs['mask']).length > 0;
      return { inputs, initialState: [...collectRefs(args.slice(1)), ...collectRefs(kwargs['initial_state'])], ...(explicitMask ? { explicitMask } : {}) };
    }
    throw fileError(file, `${where}: an inbound node is ${describeType(node)}, expected a list or an object`);
  });
}

/** TF.js-style camelCase keys (`recurrentActivation`, `batchInputShape`, `className`) as Keras's snake_case; snake_case wins. */
function snakeKeys(object: Json): Json {
  if (!Object.keys(object).some((key) => /[A-Z]/.test(key))) return object;
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const snake = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
    if (snake === key || !(snake in object)) out[snake] = value;
  }
  return out;
}

function positiveIntOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** True when the JSON uses the Keras 3 serialisation (`"module"`/`"registered_name"` keys, dict inbound nodes). */
export function looksLikeKeras3(model: Json): boolean {
  if ('module' in model || 'registered_name' in model) return true;
  const config = model['config'];
  const layers = isRecord(config) ? config['layers'] : undefined;
  if (!Array.isArray(layers)) return false;
  return layers.some(
    (layer) =>
      isRecord(layer) &&
      ('module' in layer || 'registered_name' in layer || (Array.isArray(layer['inbound_nodes']) && isRecord(layer['inbound_nodes'][0]))),
  );
}
