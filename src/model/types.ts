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
  /** Top-level class: 'Sequential', 'Functional', 'Model'. */
  readonly modelClass: string;
  readonly modelName: string | null;
  /** Fixed batch size from batch_input_shape / batch_shape / Input(batch_size=); null when dynamic or unknown. */
  readonly batchSize: number | null;
  readonly timesteps: number | null;
  readonly features: number | null;
  /** Recurrent layers in topological (file) order; layers of nested models are not included. */
  readonly layers: RecurrentLayerInfo[];
  /** Things the reader skipped or guessed (nested models, unsupported layers, several inputs, …). */
  readonly notes: string[];
}
