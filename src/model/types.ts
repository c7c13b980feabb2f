/**
 * What lstm-reset needs to know about a saved model: its fixed input shape and, for each recurrent layer,
 * the settings that decide when state is carried or reset (shared/keras-semantics.md §2.1, §5, §8).
 */
import type { KerasVersion, RecurrentActivation } from '../keras/profiles.ts';

export type ModelSource = 'keras-json' | 'keras-archive' | 'tfjs-layers' | 'keras-h5';
export type RecurrentCell = 'lstm' | 'gru' | 'simple';

/** One direction's weights in Keras layout (row-major, gate blocks LSTM [i|f|c|o], GRU [z|r|h]). */
export interface CellWeights {
  /** D: the layer's input feature dimension (rows of `kernel`). */
  readonly inputDim: number;
  /** (D, gates·U) */
  readonly kernel: Float32Array;
  /** (U, gates·U) */
  readonly recurrentKernel: Float32Array;
  /** (gates·U), or (2, 3U) for GRU with reset_after (row 0 input bias, row 1 recurrent bias); null if use_bias=False. */
  readonly bias: Float32Array | null;
  readonly biasShape: readonly number[] | null;
}

export interface RecurrentLayerWeights {
  readonly forward: CellWeights;
  /** Only for a Bidirectional layer. */
  readonly backward?: CellWeights;
}

export interface RecurrentLayerInfo {
  /** The layer's name (for a Bidirectional layer: the wrapper's name). */
  readonly name: string;
  /** The class the file names (e.g. 'LSTM', 'CuDNNGRU', 'RNN(LSTMCell)', 'Bidirectional(LSTM)'). */
  readonly className: string;
  readonly cell: RecurrentCell;
  readonly units: number;
  readonly stateful: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly bidirectional: boolean;
  /** Gate activation; normalised from 'hardSigmoid' (TF.js) / 'inner_activation' (Keras 1). Unused by SimpleRNN ('sigmoid'). */
  readonly recurrentActivation: RecurrentActivation;
  /** The file's recurrent_activation when it is neither sigmoid nor hard_sigmoid (sigmoid then stands in). */
  readonly recurrentActivationStated?: string;
  /** Output activation (normalised to snake_case, 'tanh' by default). */
  readonly activation: string;
  /** GRU only: reset_after (the bias is (2, 3U) when true). */
  readonly resetAfter?: boolean;
  readonly goBackwards: boolean;
  readonly useBias: boolean;
  /** The feature dimension this layer receives, when it follows from the topology; null when unknown. */
  readonly inputDim: number | null;
  /** Bidirectional only: 'concat' | 'sum' | 'mul' | 'ave' | null. */
  readonly mergeMode?: string | null;
  /** Only from a TF.js Layers model.json with its weight shards loaded. */
  readonly weights?: RecurrentLayerWeights;
}

export interface RecurrentModelInfo {
  readonly source: ModelSource;
  /** The Keras generation, where the file says it (keras_version, metadata.json, or the Keras 3 serialisation format). */
  readonly kerasVersion?: KerasVersion;
  /** The version string the file states, verbatim (e.g. '2.15.0', '3.5.0', 'tfjs-layers 4.22.0'). */
  readonly versionString?: string;
  /** Where the file states it ('the keras_version attribute', 'metadata.json', 'generatedBy', …). */
  readonly versionFrom?: string;
  /** The backend the file records (a legacy .h5's `backend` attribute: tensorflow, theano, jax, torch, …). */
  readonly backend?: string;
  /** Top-level class: 'Sequential', 'Functional', 'Model'. */
  readonly modelClass: string;
  readonly modelName: string | null;
  /** Fixed batch size from batch_input_shape / batch_shape / Input(batch_size=); null when dynamic or unknown. */
  readonly batchSize: number | null;
  readonly timesteps: number | null;
  readonly features: number | null;
  /** Recurrent layers in topological (file) order; layers of nested models are not included. */
  readonly layers: RecurrentLayerInfo[];
  /** Things the reader skipped or guessed (nested models, several inputs, …). */
  readonly notes: string[];
  /** Recurrent layers of the file lstm-reset does not simulate, and why (ConvLSTM2D, TimeDistributed(LSTM), RNN([cells]), custom cells). */
  readonly unsupported: readonly UnsupportedLayer[];
  /** Every layer of the file and how they are called: the model's wiring. */
  readonly graph: ModelGraph;
  /** Whether the file's weights drive the forward pass, and if not, why. */
  readonly weightsSource: WeightsSource;
  /** Weights of the non-recurrent layers the forward pass may compute (Embedding, Dense, …), by layer name. */
  readonly layerWeights?: ReadonlyMap<string, readonly WeightArray[]>;
  /** A model.json whose config TF.js Layers refuses to deserialize (model/tfjs.ts tfjsConfigError): the layer and TF.js's message. */
  readonly tfjsLoadError?: { readonly layer: string; readonly message: string };
}

export interface UnsupportedLayer {
  readonly name: string;
  /** As the file names it: 'ConvLSTM2D', 'TimeDistributed(LSTM)', 'RNN([LSTMCell, LSTMCell])', … */
  readonly className: string;
  /** What it is and that lstm-reset does not compute it. */
  readonly why: string;
}

/** Where a model file keeps its weights and whether lstm-reset uses them (`--json` model.weightsSource). */
export interface WeightsSource {
  /**
   * h5: the model_weights group; keras-archive: model.weights.h5; tfjs-shards: the weightsManifest's
   * shards; weights-file: the file given with --weights; none: the format holds no weights.
   */
  readonly kind: 'h5' | 'keras-archive' | 'tfjs-shards' | 'weights-file' | 'none';
  /** The --weights file, for kind weights-file. */
  readonly file?: string;
  /** True when every simulated recurrent layer runs on the file's own weights. */
  readonly used: boolean;
  /** Why not (one line), or null. */
  readonly reason: string | null;
}

/** One weight array as the file stores it. */
export interface WeightArray {
  /** The weight's name or dataset path in the file. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** A tensor of the graph: output `tensor` of call `node` of layer `layer` (Keras's keras_history). */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

/** One call of a layer (a Keras "inbound node"). */
export interface LayerCall {
  /** The call's input tensors: one, or several for merge layers. */
  readonly inputs: readonly TensorRef[];
  /** Recurrent layers: the tensors passed as initial_state (Bidirectional: forward states, then backward). */
  readonly initialState: readonly TensorRef[];
  /** Keras 3: the call passes `mask=` itself (a `mask` tensor in the node's kwargs). */
  readonly explicitMask?: boolean;
}

/** A layer of the file, recurrent or not. */
export interface GraphLayer {
  readonly name: string;
  /** The class the file names (Dense, TimeDistributed, LSTM, …). */
  readonly className: string;
  /** Its config, keys in snake_case. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Its calls, in node order (a shared layer has several). */
  readonly calls: readonly LayerCall[];
}

export interface ModelInput {
  /** The InputLayer's name (a Sequential model without one: Keras's `<first layer>_input`). */
  readonly name: string;
  /** (batch, timesteps, features, …) as declared; null when undeclared. */
  readonly shape: readonly (number | null)[] | null;
}

/** The model's wiring: its inputs and every layer's calls, in the file's (topological) order. */
export interface ModelGraph {
  readonly sequential: boolean;
  readonly inputs: readonly ModelInput[];
  readonly layers: readonly GraphLayer[];
}
