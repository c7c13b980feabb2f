/**
 * Keras version profiles: what differs between Keras 3, tf.keras and multi-backend Keras 2.3 for the
 * questions lstm-reset answers. Section numbers (§) refer to shared/keras-semantics.md.
 */

export const kerasVersions = ['3', 'tf', '2'] as const;
export type KerasVersion = (typeof kerasVersions)[number];

export const recurrentActivations = ['sigmoid', 'hard_sigmoid'] as const;
export type RecurrentActivation = (typeof recurrentActivations)[number];

/** Where a stateful run with a batch of the wrong size fails (§2.1 "Batch-size mismatch"). */
export type PartialBatchCheck =
  /** K1/K2mb: `fit` checks N % batch_size up front, before any batch runs. */
  | 'upfront'
  /** TFK and K3 >= 3.12: the layer call with the odd-sized batch raises. */
  | 'at-batch';

export interface KerasProfile {
  readonly version: KerasVersion;
  readonly label: string;
  /** Default `recurrent_activation` of LSTM in this version (§8 "Default activations"). */
  readonly defaultRecurrentActivation: RecurrentActivation;
  /** `hard_sigmoid` as this version defines it (§8: the formula changed in Keras 3). */
  readonly hardSigmoidFormula: string;
  readonly hardSigmoidSlope: number;
  readonly partialBatchCheck: PartialBatchCheck;
  /** GRU reset_after default (§8: True in tf.keras 2.x and Keras 3, False in Keras 2.3). */
  readonly gruResetAfter: boolean;
  /** Whether `model.reset_states()` exists (§2.1 "Reset API": not in Keras 3). */
  readonly hasModelResetStates: boolean;
  /** How user code zeroes the state in this version. */
  readonly resetCall: string;
}

export const kerasProfiles: Readonly<Record<KerasVersion, KerasProfile>> = {
  '3': {
    version: '3',
    label: 'Keras 3 (3.12+)',
    defaultRecurrentActivation: 'sigmoid',
    hardSigmoidFormula: 'relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)',
    hardSigmoidSlope: 1 / 6,
    partialBatchCheck: 'at-batch',
    gruResetAfter: true,
    hasModelResetStates: false,
    resetCall: 'for layer in model.layers: layer.reset_state() (stateful layers; Keras 3 has no model.reset_states())',
  },
  tf: {
    version: 'tf',
    label: 'tf.keras / tf-keras (TF 2.x)',
    defaultRecurrentActivation: 'sigmoid',
    hardSigmoidFormula: 'clip(0.2 * x + 0.5, 0, 1)',
    hardSigmoidSlope: 0.2,
    partialBatchCheck: 'at-batch',
    gruResetAfter: true,
    hasModelResetStates: true,
    resetCall: 'model.reset_states()',
  },
  '2': {
    version: '2',
    label: 'multi-backend Keras 2.3',
    defaultRecurrentActivation: 'sigmoid',
    hardSigmoidFormula: 'clip(0.2 * x + 0.5, 0, 1)',
    hardSigmoidSlope: 0.2,
    partialBatchCheck: 'upfront',
    gruResetAfter: false,
    hasModelResetStates: true,
    resetCall: 'model.reset_states()',
  },
};

/** The shape Keras prints in messages: a Python tuple. */
export function pythonShape(dims: readonly (number | null)[]): string {
  return `(${dims.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/**
 * The error a stateful run raises when it meets a batch of `rows` rows instead of `batchSize`,
 * worded as the chosen version words it (§2.1).
 */
export function partialBatchError(
  version: KerasVersion,
  args: {
    /** samples of the failing call and its batch_size (the up-front checks) */
    samples: number;
    batchSize: number;
    /** rows of the offending batch and of the state (the at-batch checks) */
    rows: number;
    stateRows: number;
    timesteps: number;
    features: number;
    check: 'fit-upfront' | 'predict-upfront' | 'at-batch';
    layerName: string;
  },
): string {
  const { samples, batchSize, rows, stateRows, timesteps, features } = args;
  switch (version) {
    case '2':
      // K2mb training.py _standardize_user_data (fit, evaluate) and predict check up front; other
      // mismatches reach the TF graph and fail on the feed (keras#10445, keras#1853).
      if (args.check === 'fit-upfront') {
        return (
          'ValueError: In a stateful network, you should only pass inputs with a number of samples that can be ' +
          `divided by the batch size. Found: ${samples} samples`
        );
      }
      if (args.check === 'predict-upfront') {
        return (
          'ValueError: In a stateful network, you should only pass inputs with a number of samples that can be ' +
          `divided by the batch size. Found: ${samples} samples. Batch size: ${batchSize}.`
        );
      }
      return (
        `ValueError: Cannot feed value of shape ${pythonShape([rows, timesteps, features])} for Tensor ` +
        `'${args.layerName}_input:0', which has shape '${pythonShape([stateRows, timesteps, features])}'`
      );
    case 'tf':
      // tf_keras/engine/input_spec.py: the stateful input_spec keeps the batch dimension.
      return (
        `ValueError: Input 0 of layer "${args.layerName}" is incompatible with the layer: expected ` +
        `shape=${pythonShape([stateRows, null, features])}, found shape=${pythonShape([rows, timesteps, features])}`
      );
    case '3':
      // keras/src/layers/rnn/rnn.py RNN.call, since 3.12.0 (PR keras#21742); Keras breaks the
      // message with newlines before each "- ", folded here onto one line.
      return (
        'ValueError: If an RNN is stateful, the batch size of the input sequences must be the same as the ' +
        `batch size of the initial state. - Expected batch size: ${stateRows} - Received batch size: ${rows}`
      );
  }
}
