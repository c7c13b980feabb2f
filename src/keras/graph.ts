/**
 * A model's computation from its inputs to its recurrent layers, as the simulator runs it: which
 * tensor each recurrent call reads, which layer's final states it receives as initial_state, which
 * layers in between compute what, and where a mask comes from (Masking, Embedding(mask_zero=True);
 * §4). Steps are in execution order; tensors are named by the step that writes them. Plain data: the
 * model readers build it from a file, the simulator runs it.
 */

/** One model input: the data (or seeded synthetic values) the schedule's rows are filled from. */
export interface ProgramInput {
  /** The InputLayer's name. */
  readonly name: string;
  /** Timesteps of a (batch, timesteps, features) input; null for a (batch, features) input. */
  readonly timesteps: number | null;
  /** Features per step (1 for token ids). */
  readonly features: number;
  /** Token ids for an Embedding: synthetic values are whole numbers in [1, vocabulary) (0 is padding). */
  readonly vocabulary?: number;
  /** The value a padded step holds (Masking's mask_value, or token 0), when a mask is computed from this input. */
  readonly paddingValue: number | null;
}

/** A tensor's name: `input:<name>` for a model input, or `<layer>#<call>:<output>`. */
export type TensorId = string;

export type MergeMode = 'concat' | 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';

export type ProgramStep =
  /** A call of a recurrent layer: `layer` indexes the configuration's layers (resolveLayers). */
  | {
      readonly kind: 'recurrent';
      readonly layer: number;
      readonly input: TensorId;
      /** Tensors passed as initial_state (Keras order: [h, c] per direction). */
      readonly initialState?: readonly TensorId[];
      /** The layer those states come from (for the events). */
      readonly initialStateFrom?: string;
      /** Keras 3: the call passes `mask=` itself, so it keeps a mask even with initial_state (see autoMaskDropped). */
      readonly explicitMask?: boolean;
      /** Outputs other steps read: the sequence or last output, and the final states (return_state). */
      readonly output?: TensorId;
      readonly states?: readonly TensorId[];
      readonly returnSequences: boolean;
      /** go_backwards: the layer reads its input from the last step to the first (outputs in that order). */
      readonly goBackwards: boolean;
      /** Bidirectional merge_mode: concat, sum, mul, ave. */
      readonly mergeMode: 'concat' | 'sum' | 'mul' | 'ave';
    }
  | {
      readonly kind: 'embedding';
      readonly layer: string;
      readonly input: TensorId;
      readonly output: TensorId;
      /** (inputDim, outputDim), row-major. */
      readonly embeddings: Float32Array;
      readonly inputDim: number;
      readonly outputDim: number;
      readonly maskZero: boolean;
    }
  /** Masking: a step is masked when all its features equal maskValue; the output is input · mask. */
  | { readonly kind: 'masking'; readonly layer: string; readonly input: TensorId; readonly output: TensorId; readonly maskValue: number }
  /** Dense on the last axis (also TimeDistributed(Dense)): kernel (inputDim, units), bias (units). */
  | {
      readonly kind: 'dense';
      readonly layer: string;
      readonly input: TensorId;
      readonly output: TensorId;
      readonly kernel: Float32Array;
      readonly bias: Float32Array | null;
      readonly units: number;
      readonly activation: string;
    }
  | { readonly kind: 'activation'; readonly layer: string; readonly input: TensorId; readonly output: TensorId; readonly activation: string }
  /**
   * Conv1D (channels_last): kernel (kernelSize, inputDim, filters) row-major, `padLeft` zero steps
   * before the input ('same' pads floor(total / 2) before, 'causal' (kernelSize - 1) · dilation),
   * `timesteps` outputs. The mask is dropped (Keras's convolutions do not support masking).
   */
  | {
      readonly kind: 'conv1d';
      readonly layer: string;
      readonly input: TensorId;
      readonly output: TensorId;
      readonly kernel: Float32Array;
      readonly bias: Float32Array | null;
      readonly kernelSize: number;
      readonly filters: number;
      readonly stride: number;
      readonly dilation: number;
      readonly padLeft: number;
      readonly timesteps: number;
      readonly activation: string;
    }
  /** MaxPooling1D / AveragePooling1D: windows of `pool` steps every `stride`, `padLeft` steps of padding first ('same'); padded steps never count. */
  | {
      readonly kind: 'pool1d';
      readonly layer: string;
      readonly input: TensorId;
      readonly output: TensorId;
      readonly mode: 'max' | 'average';
      readonly pool: number;
      readonly stride: number;
      readonly padLeft: number;
      readonly timesteps: number;
    }
  /** BatchNormalization in inference: x · scale + shift per feature (the moving statistics folded in); the mask passes through. */
  | { readonly kind: 'scale'; readonly layer: string; readonly input: TensorId; readonly output: TensorId; readonly scale: Float32Array; readonly shift: Float32Array }
  /** Layers that are the identity in inference (Dropout, GaussianNoise, …); the mask passes through. */
  | { readonly kind: 'identity'; readonly layer: string; readonly input: TensorId; readonly output: TensorId }
  /** Reshape to (timesteps, features) or (features): the values keep their order; the mask is dropped. */
  | { readonly kind: 'reshape'; readonly layer: string; readonly input: TensorId; readonly output: TensorId; readonly timesteps: number | null; readonly features: number }
  /** Permute((2, 1)): (batch, T, D) → (batch, D, T); the mask is dropped. */
  | { readonly kind: 'transpose'; readonly layer: string; readonly input: TensorId; readonly output: TensorId }
  /** RepeatVector(n): (batch, features) → (batch, n, features). */
  | { readonly kind: 'repeat'; readonly layer: string; readonly input: TensorId; readonly output: TensorId; readonly times: number }
  | { readonly kind: 'merge'; readonly layer: string; readonly mode: MergeMode; readonly inputs: readonly TensorId[]; readonly output: TensorId }
  /** A tensor lstm-reset does not compute (the layer's maths is not modelled): seeded values of its shape. */
  | {
      readonly kind: 'synthetic';
      readonly layer: string;
      readonly output: TensorId;
      readonly timesteps: number | null;
      readonly features: number;
    };

/** What the simulator runs for a model file: its inputs and the steps up to its last recurrent call. */
export interface ModelProgram {
  readonly inputs: readonly ProgramInput[];
  readonly steps: readonly ProgramStep[];
}

/**
 * Whether Keras 3 calls this recurrent step without the mask its input carries. Keras 3's
 * `Layer.__call__` fills a missing `mask` argument from the input only when the call has exactly one
 * tensor argument (keras/src/layers/layer.py `__call__`, "6. Populate mask argument(s)"): a call given
 * `initial_state` has two, so `RNN.call` (and `Bidirectional.call`) get `mask=None` and run every
 * step, padded or not, unless the call passes `mask=` itself. The output still carries the input's
 * mask on (`previous_mask` falls back to the first argument's). Run on Keras 3.15.1 (tensorflow, jax,
 * torch): Embedding(mask_zero) → LSTM(initial_state=…) gives different final states for [1,2,3,0,0]
 * and [1,2,3], equal ones without initial_state. Keras 2.3, tf.keras and TF.js pass the mask
 * (`[inputs] + initial_state` is one input list whose first mask the RNN uses).
 */
export function autoMaskDropped(step: { readonly initialState?: readonly TensorId[]; readonly explicitMask?: boolean }, keras3: boolean): boolean {
  return keras3 && (step.initialState?.length ?? 0) > 0 && step.explicitMask !== true;
}

/**
 * Which recurrent steps of a program receive a Keras mask, by the configuration's layer index: the
 * mask rules of sim/program.ts followed without data (a mask exists or not by the wiring alone).
 * Masking and Embedding(mask_zero=True) make one; Dense, Activation, BatchNormalization and the
 * identities pass it on; an RNN passes it on only with return_sequences; a merge when any input has
 * one; convolutions, pooling, Reshape, Permute, RepeatVector and model inputs have none (§4).
 * With `keras3`, a call given initial_state receives none (autoMaskDropped).
 */
export function maskedRecurrentLayers(program: ModelProgram, keras3 = false): Set<number> {
  const masked = new Set<TensorId>();
  const layers = new Set<number>();
  const pass = (input: TensorId, output: TensorId) => {
    if (masked.has(input)) masked.add(output);
  };
  for (const step of program.steps) {
    switch (step.kind) {
      case 'recurrent':
        if (masked.has(step.input) && !autoMaskDropped(step, keras3)) layers.add(step.layer);
        if (step.output && step.returnSequences) pass(step.input, step.output);
        break;
      case 'embedding':
        if (step.maskZero) masked.add(step.output);
        else pass(step.input, step.output);
        break;
      case 'masking':
        masked.add(step.output);
        break;
      case 'dense':
      case 'activation':
      case 'scale':
      case 'identity':
        pass(step.input, step.output);
        break;
      case 'merge':
        if (step.inputs.some((input) => masked.has(input))) masked.add(step.output);
        break;
      default:
        break;
    }
  }
  return layers;
}
