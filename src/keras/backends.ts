/**
 * How each Keras version and backend runs the calls of a user's script on a stateful layer: where a
 * call starts, whether it stores its final state, when a batch of the wrong size broadcasts or fails,
 * and with which exception. Everything here was measured on Keras 3.15.1 (shared/keras-semantics.md
 * §R, "run, not read"); Keras 3.0–3.11 is 3.15.1 without the batch-size check of PR keras#21742,
 * which is the only stateful difference in keras/src/layers/rnn/rnn.py between v3.11.3 and v3.15.1.
 */
import type { Phase } from './events.ts';
import { cellClassNames, type CellKind } from './layers.ts';
import { kerasProfiles, pythonShape, type Backend, type KerasVersion } from './profiles.ts';

/** The execution settings a script gives Keras 3 (model.compile(run_eagerly=..., jit_compile=...)). */
export interface ExecutionOptions {
  readonly keras: KerasVersion;
  /** Keras 3's backend; tf.keras and Keras 2.3 run on TensorFlow. */
  readonly backend?: Backend | undefined;
  /** compile(run_eagerly=True). */
  readonly runEagerly?: boolean | undefined;
  /** compile(jit_compile=...); undefined is "auto". */
  readonly jitCompile?: boolean | undefined;
}

/** How the calls actually run. */
export interface Execution {
  readonly keras: KerasVersion;
  readonly backend: Backend;
  /**
   * JAX: fit/evaluate/predict/*_on_batch run jax.jit-compiled steps (jit_compile "auto" is True on
   * JAX; run_eagerly=True or jit_compile=False turn it off). trainers/trainer.py compile(),
   * backend/jax/trainer.py make_train_function.
   */
  readonly jaxJit: boolean;
  /**
   * TensorFlow: the trainer's steps are tf.function graphs (not run_eagerly), traced with
   * reduce_retracing, so a dataset with a partial batch gives them an unknown batch dimension (§R2).
   */
  readonly tfGraph: boolean;
  /**
   * torch with compile(jit_compile=True) (not run_eagerly): the trainer's steps go through
   * torch.compile (backend/torch/trainer.py make_train_function), which compiles the backward pass
   * before the first batch runs ("auto" is off on torch: trainers/trainer.py _resolve_auto_jit_compile).
   */
  readonly torchCompile: boolean;
}

export function executionOf(options: ExecutionOptions): Execution {
  const keras3 = kerasProfiles[options.keras].keras3;
  const backend: Backend = keras3 ? (options.backend ?? 'tensorflow') : 'tensorflow';
  const eager = options.runEagerly === true;
  return {
    keras: options.keras,
    backend,
    jaxJit: backend === 'jax' && !eager && options.jitCompile !== false,
    tfGraph: backend === 'tensorflow' && !eager,
    // trainer.py compile(): jit_compile with run_eagerly=True is turned off
    torchCompile: backend === 'torch' && !eager && options.jitCompile === true,
  };
}

/** Phases that run inside the trainer (compiled functions); a direct model(x) call does not. */
export function isTrainerPhase(phase: Phase): boolean {
  return phase !== 'call' && phase !== 'reset';
}

/** Phases that compute gradients (torch's in-place failure, §R3). */
export function isTrainingPhase(phase: Phase): boolean {
  return phase === 'fit' || phase === 'train_on_batch';
}

/**
 * The compiled function a trainer call goes through, as traced: JAX jit and tf.function keep one
 * trace per function and input structure, so fit and train_on_batch (and predict and
 * predict_on_batch) trace apart, while fit's validation shares evaluate's (measured on JAX 3.15.1:
 * a direct call between them shows which value each trace captured).
 */
export function traceKeyOf(phase: Phase): string {
  switch (phase) {
    case 'fit':
      return 'train';
    case 'validate':
    case 'evaluate':
      return 'test';
    default:
      return phase;
  }
}

/** Where a stateful layer's call starts and whether it stores its final state (§R1). */
export interface StateRule {
  /**
   * stored: the state variable's current value; trace: its value when this call's compiled function
   * was traced (JAX jit: the variable is read as a constant at trace time).
   */
  readonly source: 'stored' | 'trace';
  /** The trace this call runs in (source 'trace'): its function and batch rows. */
  readonly traceKey?: string;
  /** The call assigns its final state to the variable (every backend but JAX inside the trainer). */
  readonly writes: boolean;
}

/**
 * §R1: tensorflow and torch carry and store in every call; JAX never stores inside fit, evaluate,
 * predict or *_on_batch (the state variables are untracked, so stateless_call neither passes them in
 * nor returns their updates) and starts each batch from the value the variable held when the function
 * was traced (jit) or from its current value (run_eagerly=True / jit_compile=False); a direct
 * model(x) call runs eagerly and carries on every backend.
 */
export function stateRule(execution: Execution, phase: Phase, rows: number): StateRule {
  if (execution.backend !== 'jax' || !isTrainerPhase(phase)) return { source: 'stored', writes: true };
  if (execution.jaxJit) return { source: 'trace', traceKey: `${traceKeyOf(phase)}:${rows}`, writes: false };
  return { source: 'stored', writes: false };
}

/** How a stateful model meets a batch whose rows differ from its state's. */
export type WrongRowsOutcome =
  /** the 1-row batch is broadcast against all state rows, which it overwrites (§R2, keras#21183) */
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'fail'; readonly check: FailureCheck };

/** Where and why a run stops (the exception is `kerasError`). */
export type FailureCheck =
  /** K2mb fit/evaluate check N % batch_size before any batch. */
  | 'fit-upfront'
  /** K2mb predict checks N > batch_size and N % batch_size != 0. */
  | 'predict-upfront'
  /** A static batch of the wrong size: K3.12+ ValueError, tf.keras input_spec, K2mb graph feed. */
  | 'at-batch'
  /** TensorFlow graph with an unknown batch dimension: InvalidArgumentError "Incompatible shapes" (§R2). */
  | 'dynamic-shape'
  /**
   * TensorFlow graph, a 1-row state against a batch of more rows: the state broadcasts, so the
   * while loop's state changes shape after one step and tracing fails (measured on 3.15.1).
   */
  | 'loop-shape'
  /** Keras 3.0–3.11, no check: the backend's own shape error in the cell's add. */
  | 'backend-shape'
  /** Keras 3.0–3.11 JAX/torch: the first fit/evaluate/*_on_batch builds its loss on a wrong batch. */
  | 'symbolic-build'
  /** Stateful but no static batch size (Input(shape=...) without batch_size): raised at build. */
  | 'unknown-batch'
  /** A Sequential without Input first called inside the trainer on JAX or torch (§R5). */
  | 'unbuilt-in-trainer'
  /** torch: a trainable stateful LSTM/GRU's backward finds its state modified in place (§R3). */
  | 'torch-inplace'
  /**
   * torch.compile (jit_compile=True) of a training step through such a layer: inductor's compile of
   * the backward raises BackendCompilerFailed before the batch runs, so the state is left as it was
   * (measured on Keras 3.15.1, torch 2.13: lstm/gru-stateful-jit-true-trainable goldens).
   */
  | 'torch-compile-inplace'
  /** model.reset_states() in Keras 3, which has no such method (§2.1 "Reset API", §R6). */
  | 'no-model-reset-states'
  /** TF.js loads no GRU with reset_after=true (tfjs-layers recurrent.ts GRUCell): nothing runs. */
  | 'tfjs-gru-reset-after'
  /** TF.js has no class of that name (CuDNNLSTM, CuDNNGRU): the model.json does not deserialize. */
  | 'tfjs-unknown-layer'
  /** TF.js does not read a Keras 3 config (InputLayer batch_shape, {"args", "kwargs"} inbound nodes): the model.json does not deserialize. */
  | 'tfjs-keras3-config'
  /** TF.js model.fit() with shuffle 'batch': NotImplementedError at the first epoch (tfjs-layers training.ts fitLoop). */
  | 'tfjs-shuffle-batch';

/**
 * What a stateful model does with a batch of `rows` rows against `stateRows` state rows (§R2, §2.1).
 * `staticShape`: the batch size is known when the call is traced (eager calls, on_batch and direct
 * calls, graphs traced on full batches); false for a tf.function whose dataset has a partial batch.
 * `firstTrainerBuild`: the model's first fit/evaluate/*_on_batch, where Keras 3 builds the loss
 * symbolically from the first batch.
 */
export function wrongRows(execution: Execution, staticShape: boolean, rows: number, firstTrainerBuild: boolean, stateRows = 0): WrongRowsOutcome {
  const fail = (check: FailureCheck): WrongRowsOutcome => ({ kind: 'fail', check });
  // a 1-row state broadcasts against the rows instead: tf.while_loop refuses a state that changes shape
  const loopShape = execution.tfGraph && stateRows === 1 && rows > 1;
  switch (execution.keras) {
    case '2':
      return fail('at-batch');
    case 'tf':
      // tf_keras input_spec keeps a stateful layer's batch dimension: a static mismatch fails there;
      // an unknown dimension passes it and fails in the graph, or broadcasts one row (§2.1 [inference])
      if (staticShape) return fail('at-batch');
      return rows === 1 ? { kind: 'broadcast' } : fail('dynamic-shape');
    case '3':
      // rnn.py RNN.call (>= 3.12) checks sequences.shape[0] only when it is static (§R2)
      if (staticShape) return fail('at-batch');
      if (loopShape) return fail('loop-shape');
      return rows === 1 ? { kind: 'broadcast' } : fail('dynamic-shape');
    case '3.0-3.11':
      // no check: one row broadcasts on every backend; more rows fail in the backend's add (keras#21183)
      if (rows === 1) return { kind: 'broadcast' };
      if (loopShape) return fail('loop-shape');
      if (execution.tfGraph && !staticShape) return fail('dynamic-shape');
      if (firstTrainerBuild && execution.backend !== 'tensorflow') return fail('symbolic-build');
      return fail('backend-shape');
    case 'tfjs':
      // tfjs-layers: predict and a validation split are not checked; the cell's add broadcasts one row
      // (tfjs-core broadcasting) and fails for more
      return rows === 1 ? { kind: 'broadcast' } : fail('backend-shape');
  }
}

/** Phases in which Keras 3 builds a model's loss symbolically on first use (trainers/trainer.py _symbolic_build). */
export function buildsSymbolically(phase: Phase): boolean {
  return phase === 'fit' || phase === 'evaluate' || phase === 'train_on_batch';
}

/** An exception as Python prints it: the class and the message (ANSI codes and the call summary left out). */
export interface KerasError {
  readonly className: string;
  readonly message: string;
}

/** What `kerasError` needs to word a failure. */
export interface ErrorDetails {
  readonly check: FailureCheck;
  readonly execution: Execution;
  /** samples of the failing call and its batch_size (the up-front checks) */
  readonly samples: number;
  readonly batchSize: number;
  /** rows of the offending batch and of the state */
  readonly rows: number;
  readonly stateRows: number;
  readonly timesteps: number;
  readonly features: number;
  /** The failing call's batch size was known when it was traced. */
  readonly staticShape?: boolean;
  /** The first stateful layer: its name, cell and units (the shapes in backend messages). */
  readonly layerName: string;
  readonly cell: CellKind;
  readonly units: number;
  /** The class TF.js does not know (tfjs-unknown-layer). */
  readonly layerClass?: string;
  /** TF.js's message for a config it does not read (tfjs-keras3-config). */
  readonly tfjsMessage?: string;
  /** The phase of the failing call (the TensorFlow node that fails first depends on it: dynamic-shape). */
  readonly phase?: Phase;
}

/** The width of the add that fails in the cell: LSTM 4U (fused gates), GRU and SimpleRNN U. */
function failingWidth(cell: CellKind, units: number): number {
  return cell === 'lstm' ? 4 * units : units;
}

/**
 * The exception a failure raises, worded as each version and backend words it (measured on Keras
 * 3.15.1 for Keras 3, §R2/§R3/§R5; read from the source for Keras 2.3 and tf.keras, §2.1).
 */
export function kerasError(details: ErrorDetails): KerasError {
  const { check, execution, samples, batchSize, rows, stateRows, timesteps, features, phase } = details;
  const width = failingWidth(details.cell, details.units);
  const className = cellClassNames[details.cell];
  switch (check) {
    case 'fit-upfront':
      // tfjs-layers engine/training.ts standardizeUserDataXY (fit, evaluate, validationData)
      if (execution.keras === 'tfjs') {
        return {
          className: 'ValueError',
          message: `In a stateful network, you should only pass inputs with a number of samples that is divisible by the batch size ${batchSize}. Found: ${samples} sample(s).`,
        };
      }
      return {
        className: 'ValueError',
        message: `In a stateful network, you should only pass inputs with a number of samples that can be divided by the batch size. Found: ${samples} samples`,
      };
    case 'predict-upfront':
      return {
        className: 'ValueError',
        message: `In a stateful network, you should only pass inputs with a number of samples that can be divided by the batch size. Found: ${samples} samples. Batch size: ${batchSize}.`,
      };
    case 'unknown-batch':
      return kerasProfiles[execution.keras].keras3
        ? {
            className: 'ValueError',
            message: `When using \`stateful=True\` in a RNN, the batch size must be static. Found dynamic batch size: sequence.shape=${pythonShape([null, timesteps, features])}`,
          }
        : {
            className: 'ValueError',
            message: 'If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input tensors: - If using a Sequential model, specify the batch size by passing a `batch_input_shape` argument to your first layer. - If using the functional API, specify the batch size by passing a `batch_shape` argument to your Input layer.',
          };
    case 'unbuilt-in-trainer':
      return {
        className: 'ValueError',
        message: 'You are attempting to create a variable while in a stateless scope. This is disallowed. Make sure that all variables are created before you start using your layer/model objects.',
      };
    case 'tfjs-gru-reset-after':
      return { className: 'ValueError', message: 'GRUCell does not support reset_after parameter set to true.' };
    case 'tfjs-shuffle-batch':
      // tfjs-layers engine/training.ts fitLoop (the misspelling is TF.js's)
      return { className: 'NotImplementedError', message: 'batch shuffling is not implemneted yet' };
    case 'tfjs-keras3-config':
      // tfjs-layers engine/input_layer.ts, engine/container.ts fromConfig, models.ts Sequential (model/tfjs.ts tfjsConfigError)
      return { className: 'ValueError', message: details.tfjsMessage ?? 'An InputLayer should be passed either a `batchInputShape` or an `inputShape`.' };
    case 'tfjs-unknown-layer':
      // tfjs-layers utils/generic_utils.ts deserializeKerasObject
      return {
        className: 'ValueError',
        message:
          `Unknown layer: ${details.layerClass ?? className}. This may be due to one of the following reasons: ` +
          '1. The layer is defined in Python, in which case it needs to be ported to TensorFlow.js or your JavaScript code. ' +
          '2. The custom layer is defined in JavaScript, but is not registered properly with tf.serialization.registerClass().',
      };
    case 'no-model-reset-states':
      return { className: 'AttributeError', message: "'Sequential' object has no attribute 'reset_states'" };
    case 'torch-inplace':
      return {
        className: 'RuntimeError',
        message: `one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [${stateRows}, ${details.units}]] is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).`,
      };
    case 'torch-compile-inplace':
      return {
        className: 'BackendCompilerFailed',
        message: `backend='inductor' raised: RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [${stateRows}, ${details.units}]] is at version 1; expected version 0 instead. Hint: the backtrace further above shows the operation that failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck! Set TORCHDYNAMO_VERBOSE=1 for the internal stack trace (please do this especially if you're reporting a bug to PyTorch). For even more developer context, set TORCH_LOGS="+dynamo"`,
      };
    case 'loop-shape':
      return {
        className: 'ValueError',
        message: `Exception encountered when calling ${className}.call(). Input tensor … enters the loop with shape (1, ${details.units}), but has shape (${staticFor(execution, details) ? rows : 'None'}, ${details.units}) after one iteration. To allow the shape to vary across iterations, use the \`shape_invariants\` argument of tf.while_loop to specify a less-specific shape.`,
      };
    case 'dynamic-shape':
      // The graph names the first node that meets the shapes. Inference (predict, evaluate, fit's
      // validation): the cell's add, [b, W] vs. [B, W] (LSTM W = 4U, GRU and SimpleRNN U). A training
      // step also runs gradient nodes that need only shapes, so it may name the loss's gradient
      // ([b, ...y's shape] vs. [B, ...]: [3,1] vs. [6,1] under a Dense(1) head) or the cell's; only
      // the rows are sure, so the width stays "…" (measured on 3.15.1:
      // scripts/keras-goldens/probes/incompatible-shapes.py).
      return phase !== undefined && isTrainingPhase(phase)
        ? { className: 'InvalidArgumentError', message: `Graph execution error: … Incompatible shapes: [${rows},…] vs. [${stateRows},…]` }
        : { className: 'InvalidArgumentError', message: `Graph execution error: … Incompatible shapes: [${rows},${width}] vs. [${stateRows},${width}]` };
    case 'backend-shape':
    case 'symbolic-build': {
      const inner = backendShapeError(execution, rows, stateRows, width);
      if (check === 'backend-shape') return inner;
      return {
        className: 'RuntimeError',
        message: `Unable to automatically build the model. Please build it yourself before calling fit/evaluate/predict. A model is 'built' when its variables have been created and its \`self.built\` attribute is True. Usually, calling the model on a batch of data is the right way to build it. Exception encountered: '${inner.message}'`,
      };
    }
    case 'at-batch':
      switch (execution.keras) {
        case '2':
          // the TF graph of multi-backend Keras is fed a batch of the wrong size (keras#10445)
          return {
            className: 'ValueError',
            message: `Cannot feed value of shape ${pythonShape([rows, timesteps, features])} for Tensor '${details.layerName}_input:0', which has shape '${pythonShape([stateRows, timesteps, features])}'`,
          };
        case 'tf':
          // tf_keras/engine/input_spec.py: the stateful input_spec keeps the batch dimension
          return {
            className: 'ValueError',
            message: `Input 0 of layer "${details.layerName}" is incompatible with the layer: expected shape=${pythonShape([stateRows, null, features])}, found shape=${pythonShape([rows, timesteps, features])}`,
          };
        default:
          // keras/src/layers/rnn/rnn.py RNN.call, since 3.12.0 (PR keras#21742); Keras breaks the
          // message with newlines before each "- ", folded here onto one line
          return {
            className: 'ValueError',
            message: `Exception encountered when calling ${className}.call(). If an RNN is stateful, the batch size of the input sequences must be the same as the batch size of the initial state. - Expected batch size: ${stateRows} - Received batch size: ${rows}`,
          };
      }
  }
}

/** Whether the failing call's batch size was static (only Keras 3.0-3.11 runs a static one this far). */
function staticFor(execution: Execution, details: ErrorDetails): boolean {
  return details.staticShape ?? execution.keras === '3.0-3.11';
}

/** Keras 3.0–3.11 without the check: each backend's own error for (rows, W) + (stateRows, W); TF.js's tfjs-core. */
function backendShapeError(execution: Execution, rows: number, stateRows: number, width: number): KerasError {
  // tfjs-core broadcast_util.ts assertAndGetBroadcastShape
  if (execution.keras === 'tfjs') return { className: 'Error', message: `Operands could not be broadcast together with shapes ${rows},${width} and ${stateRows},${width}.` };
  switch (execution.backend) {
    case 'jax':
      return { className: 'TypeError', message: `add got incompatible shapes for broadcasting: (${rows}, ${width}), (${stateRows}, ${width}).` };
    case 'torch':
      return { className: 'RuntimeError', message: `The size of tensor a (${rows}) must match the size of tensor b (${stateRows}) at non-singleton dimension 0` };
    case 'tensorflow':
      return execution.tfGraph
        ? {
            className: 'ValueError',
            message: `Dimensions must be equal, but are ${rows} and ${stateRows} for '{{node …/Add}} = AddV2[T=DT_FLOAT](…)' with input shapes: [${rows},${width}], [${stateRows},${width}].`,
          }
        : { className: 'InvalidArgumentError', message: `Incompatible shapes: [${rows},${width}] vs. [${stateRows},${width}] [Op:AddV2]` };
  }
}
