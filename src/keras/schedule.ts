/**
 * The order of layer calls and state resets that a user's script produces (one fit(), or a training
 * plan of fit / evaluate / predict / *_on_batch / direct calls / resets), as a lazy sequence of steps,
 * and where each Keras version and backend broadcasts or raises for a stateful batch of the wrong
 * size. Pure: no forward pass, no I/O.
 */
import {
  batchStepSamples,
  fitBatchSize,
  flatSteps,
  kerasDefaultBatchSize,
  planMaxBatch,
  planOf,
  rangeOf,
  resolveLayers,
  tfjsLoadFailure,
  initialStateEveryCall,
  splitData,
  type FlatPlanStep,
  type LayerSpec,
  type ShuffleMode,
  type SimulationConfig,
} from './config.ts';
import type { LayerCall, Phase, RunPosition } from './events.ts';
import {
  buildsSymbolically,
  executionOf,
  isTrainerPhase,
  isTrainingPhase,
  stateRule,
  traceKeyOf,
  wrongRows,
  type Execution,
  type FailureCheck,
} from './backends.ts';
import { kerasProfiles, type KerasVersion } from './profiles.ts';
import { deriveSeed, lazyPermutation, lazyPermutationInverse } from '../shared/random.ts';

export type ScheduleStep =
  /** A stateful layer is built: its zero state variables are created (§2.1). */
  | { readonly kind: 'build'; readonly position: RunPosition; readonly stateRows: number }
  | { readonly kind: 'call'; readonly call: LayerCall }
  /** An explicit reset_states(): the --reset-every policy or a plan's reset step (§3: Keras never resets itself). */
  | { readonly kind: 'reset-states'; readonly position: RunPosition }
  /** Keras raises here; nothing after this step runs. */
  | { readonly kind: 'fail'; readonly failure: RunFailure };

/** Where and why Keras raises (the exception itself: backends.ts kerasError). */
export interface RunFailure {
  readonly position: RunPosition;
  readonly check: FailureCheck;
  /** Samples of the call (fit, evaluate, predict, one batch) that fails. */
  readonly samples: number;
  /** batch_size of that call. */
  readonly batchSize: number;
  /** Rows of the offending batch (for an up-front check: samples % batch_size). */
  readonly rows: number;
  /** Rows of the stateful layers' state (their fixed batch size; 0 when never built). */
  readonly stateRows: number;
  /** True when batch_size was not given and Keras used 32. */
  readonly batchSizeDefaulted: boolean;
  /** The script catches it (a plan step with catch) and goes on with the next step. */
  readonly caught?: boolean;
}

/** The earlier name of RunFailure (every failure used to be about the batch size). */
export type BatchSizeFailure = RunFailure;

/** The samples of every call when the schedule is asked for none. */
const noSamples = new Int32Array(0);

/** Seed tag of the per-epoch shuffle permutation. */
const shuffleSeedTag = 0x5f1e;

/** Batches of `count` samples in batches of `batchSize`: the last one may be partial. */
export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/** Which sample sits at each position of an epoch's order (computed per position, no arrays). */
export type SampleOrder = (position: number) => number;

/**
 * One epoch of fit's training batches: how many rows each batch has and which sample sits in each
 * row (relative to the first training sample).
 */
export interface EpochOrder {
  readonly batches: number;
  rowsOf(batch: number): number;
  sample(batch: number, row: number): number;
}

/**
 * The training batches of one epoch in the order fit feeds them (§3 shuffle):
 * true: a fresh permutation; 'batch': Keras 2.3 shuffles the order of the full batches (a partial last
 * batch stays last, training_utils.batch_shuffle), tf.keras shuffles the order of all batches, the
 * partial one included (data_adapter.py: flat_dataset.shuffle(1024) over the full batches concatenated
 * with the remainder), and the rows inside each; Keras 3 keeps the batch order and shuffles the rows
 * inside each batch.
 */
export function epochOrder(trainSamples: number, batchSize: number, shuffle: ShuffleMode, keras: KerasVersion, seed: number): EpochOrder {
  const batches = batchCount(trainSamples, batchSize);
  const sizeOf = (source: number) => Math.min(batchSize, trainSamples - source * batchSize);
  if (shuffle !== 'batch') {
    const order = shuffle === true ? lazyPermutation(trainSamples, seed) : (position: number) => position;
    return { batches, rowsOf: sizeOf, sample: (batch, row) => order(batch * batchSize + row) };
  }
  const sourceOf = batchSourceOrder(trainSamples, batchSize, keras, seed);
  const shuffleRows = keras !== '2';
  let rowsOf = -1;
  let rowOrder = (row: number) => row;
  return {
    batches,
    rowsOf: (batch) => sizeOf(sourceOf(batch)),
    sample: (batch, row) => {
      const source = sourceOf(batch);
      if (!shuffleRows) return source * batchSize + row;
      if (rowsOf !== source) {
        rowsOf = source;
        rowOrder = lazyPermutation(sizeOf(source), deriveSeed(seed, 2, source));
      }
      return source * batchSize + rowOrder(row);
    },
  };
}

/** shuffle='batch': which batch of the data is fed at each position. */
function batchSourceOrder(trainSamples: number, batchSize: number, keras: KerasVersion, seed: number): (position: number) => number {
  const full = Math.floor(trainSamples / batchSize);
  const all = batchCount(trainSamples, batchSize);
  if (keras === 'tf') return lazyPermutation(all, deriveSeed(seed, 1));
  if (keras === '2') {
    const permuted = lazyPermutation(full, deriveSeed(seed, 1));
    return (position) => (position < full ? permuted(position) : position);
  }
  return (position) => position;
}

/**
 * The position (0-based) at which shuffle='batch' feeds the partial batch of an epoch (the last
 * position except under tf.keras, which shuffles it in with the full ones). For the closed form.
 */
export function partialBatchPosition(trainSamples: number, batchSize: number, shuffle: ShuffleMode, keras: KerasVersion, seed: number): number {
  const all = batchCount(trainSamples, batchSize);
  if (shuffle === 'batch' && keras === 'tf') return lazyPermutationInverse(all, deriveSeed(seed, 1))(all - 1);
  return all - 1;
}

/**
 * The seed of an epoch's shuffle. Keras 3 on tensorflow with keras.utils.set_random_seed feeds every
 * epoch of every fit in the same shuffled order (§R4: measured on 3.15.1; the permutation is a seeded
 * op in a dataset map function re-created for each epoch's iterator); otherwise every epoch reshuffles.
 */
export function shuffleSeed(config: SimulationConfig, epoch: number): number {
  const execution = executionOf(config);
  const repeats = kerasProfiles[config.keras].keras3 && execution.backend === 'tensorflow' && config.setRandomSeed === true;
  return deriveSeed(config.seed, shuffleSeedTag, repeats ? 0 : epoch);
}

/**
 * Whether a call sees a static batch size: eager calls always; a tf.function (graph mode,
 * reduce_retracing) keeps the batch size of its first trace until a call with another one relaxes
 * it to unknown, and a dataset with a partial batch has an unknown one from the start (§R2; measured
 * on 3.15.1: fit then train_on_batch trace apart, fit's validation shares evaluate's function).
 */
export class TfTraces {
  /** The batch dimension each function was traced with (null: unknown). */
  private readonly traces = new Map<string, number | null>();
  private readonly execution: Execution;
  constructor(execution: Execution) {
    this.execution = execution;
  }

  /** `spec`: the call's batch dimension (a dataset's batch_size when N divides, else null; an array's rows). */
  staticShape(phase: Phase, spec: number | null): boolean {
    if (!this.execution.tfGraph || !isTrainerPhase(phase)) return true;
    const key = traceKeyOf(phase);
    if (!this.traces.has(key)) this.traces.set(key, spec);
    else if (this.traces.get(key) !== spec) this.traces.set(key, null);
    return this.traces.get(key) !== null;
  }
}

/**
 * A Sequential without an Input first called here cannot create its state: on JAX in any trainer
 * call (stateless_call), on torch in the calls that build the loss symbolically (fit, evaluate,
 * train_on_batch); torch's predict and every direct call build it eagerly (§R5, measured).
 */
export function unbuiltFails(execution: Execution, phase: Phase): boolean {
  if (execution.backend === 'jax') return isTrainerPhase(phase);
  if (execution.backend === 'torch') return buildsSymbolically(phase);
  return false;
}

/**
 * Whether Keras 3 on torch runs this layer through its fused kernel (backend/torch/rnn.py lstm(),
 * gru()): LSTM, and GRU with reset_after=True, without a mask (any mask, even one that pads nothing,
 * raises NotImplementedError there and takes the generic loop), without recurrent_dropout and
 * use_cudnn=False (lstm.py / gru.py inner_loop). §R3.
 */
export function torchFusedKernel(layer: LayerSpec): boolean {
  return (layer.cell === 'lstm' || (layer.cell === 'gru' && layer.resetAfter === true)) && layer.masked !== true && layer.fusedKernel !== false;
}

/** The stateful layers whose fused kernel fails torch's backward (§R3); none off torch. */
export function torchInplaceLayers(config: SimulationConfig, execution: Execution = executionOf(config)): LayerSpec[] {
  if (execution.backend !== 'torch') return [];
  const layers = resolveLayers(config);
  // the fused kernel reads the state variable's own tensor, which RNN.call then assigns in place;
  // the backward needs it when any weight at or below the layer is trainable
  return layers.filter((layer, index) => layer.stateful && torchFusedKernel(layer) && layers.slice(0, index + 1).some((below) => below.trainable));
}

/** Whether a training call fails torch's backward after its first batch (or, under torch.compile, before it) (§R3). */
export function torchInplaceFailure(config: SimulationConfig, execution: Execution = executionOf(config)): boolean {
  return torchInplaceLayers(config, execution).length > 0;
}

/**
 * `withSamples: false` leaves every call's `samples` empty (counting needs no sample ids), so a run
 * over a billion samples costs no memory per sample.
 */
export function* runSchedule(config: SimulationConfig, withSamples = true): Generator<ScheduleStep, void, undefined> {
  const layers = resolveLayers(config);
  const stateful = layers.some((layer) => layer.stateful);
  const execution = executionOf(config);
  const profile = kerasProfiles[config.keras];
  const torchFails = stateful && torchInplaceFailure(config, execution);
  const resetEvery = config.resetEvery;
  const N = config.samples;
  let stateRows: number | undefined = config.builtByFirstCall ? undefined : (config.stateBatchSize ?? config.batchSize);
  let epoch = 0;
  let planStep = 0;
  /** The current step catches its exception (try/except in the script). */
  let catching = false;
  const tfTraces = new TfTraces(execution);
  /** Keras 3 builds the loss symbolically on the first fit/evaluate/train_on_batch (trainer.py _symbolic_build). */
  let lossBuilt = false;
  const position = (phase: Phase, batch: number, timing: RunPosition['timing']): RunPosition => ({ phase, epoch, batch, timing, planStep });
  const failure = (
    where: RunPosition,
    check: FailureCheck,
    details: { samples: number; batchSize: number; rows: number; defaulted: boolean },
  ): ScheduleStep => ({
    kind: 'fail',
    failure: {
      position: where,
      check,
      samples: details.samples,
      batchSize: details.batchSize,
      rows: details.rows,
      stateRows: stateRows ?? 0,
      batchSizeDefaulted: details.defaulted,
      ...(catching ? { caught: true } : {}),
    },
  });

  const tfjsFailure = tfjsLoadFailure(config);
  if (tfjsFailure) {
    // TF.js cannot load the model (an unknown class, a GRU with reset_after=true): nothing runs
    yield failure({ phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch', planStep: 1 }, tfjsFailure.check, {
      samples: N,
      batchSize: config.batchSize,
      rows: 0,
      defaulted: config.batchSizeDefaulted ?? false,
    });
    return;
  }
  if (stateful && config.unknownStateBatch) {
    // a stateful layer needs a static batch size to create its state (§2.1, §R5): Keras raises at build
    yield failure({ phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch', planStep: 1 }, 'unknown-batch', {
      samples: N,
      batchSize: config.batchSize,
      rows: 0,
      defaulted: config.batchSizeDefaulted ?? false,
    });
    return;
  }
  if (stateful && stateRows !== undefined) {
    // the state is created when the model is built: before its first call
    const first = flatSteps(planOf(config)).next().value;
    const phase: Phase = first === undefined || first.type === 'fit' ? 'fit' : first.type === 'reset' ? 'reset' : first.type;
    yield { kind: 'build', position: { phase, epoch: phase === 'fit' ? 1 : 0, batch: 1, timing: 'before-batch', planStep: 1 }, stateRows };
  }

  // the rows' samples of the current call; valid until the next step is taken
  const rowSamples = new Int32Array(withSamples ? Math.max(1, planMaxBatch(config)) : 1);

  const staticShape = (phase: Phase, spec: number | null) => tfTraces.staticShape(phase, spec);

  /**
   * One model call of `rows` rows (samples from `sampleOf`), with Keras's build, broadcast and failure
   * rules; false when the run stops here.
   */
  function* modelCall(
    phase: Phase,
    batch: number,
    rows: number,
    sampleOf: (row: number) => number,
    details: { samples: number; batchSize: number; defaulted: boolean; staticShape: boolean; firstBatch: boolean; initialState?: boolean },
  ): Generator<ScheduleStep, boolean, undefined> {
    if (stateful && stateRows === undefined) {
      // a Sequential without an Input: tensorflow builds it from this call's batch; JAX and torch
      // raise inside the trainer's stateless scope (§R5); a direct call builds it eagerly
      if (unbuiltFails(execution, phase)) {
        yield failure(position(phase, batch, 'before-batch'), 'unbuilt-in-trainer', { ...details, rows });
        return false;
      }
      stateRows = rows;
      yield { kind: 'build', position: position(phase, batch, 'before-batch'), stateRows };
    }
    const firstTrainerBuild = details.firstBatch && buildsSymbolically(phase) && !lossBuilt;
    if (details.firstBatch && buildsSymbolically(phase)) lossBuilt = true;
    let broadcast = false;
    if (stateful && rows !== stateRows) {
      const outcome = wrongRows(execution, details.staticShape, rows, firstTrainerBuild, stateRows);
      if (outcome.kind === 'fail') {
        yield failure(position(phase, batch, 'before-batch'), outcome.check, { ...details, rows });
        return false;
      }
      broadcast = true;
    }
    if (torchFails && execution.torchCompile && isTrainingPhase(phase)) {
      // torch.compile compiles the step's backward before the batch runs: nothing runs, the state stays (§R3)
      yield failure(position(phase, batch, 'before-batch'), 'torch-compile-inplace', { ...details, rows });
      return false;
    }
    if (withSamples) for (let r = 0; r < rows; r++) rowSamples[r] = sampleOf(r);
    const call: LayerCall = {
      phase,
      epoch,
      batch,
      planStep,
      rows,
      samples: withSamples ? rowSamples.subarray(0, rows) : noSamples,
      ...(stateful ? { state: stateRule(execution, phase, rows) } : {}),
      ...(broadcast ? { broadcast: true } : {}),
      ...(details.initialState ? { initialState: true } : {}),
    };
    yield { kind: 'call', call };
    if (torchFails && isTrainingPhase(phase)) {
      // §R3: the batch ran and stored its state; its backward pass raises
      yield failure(position(phase, batch, 'after-batch'), 'torch-inplace', { ...details, rows });
      return false;
    }
    return true;
  }

  /** The batches of a trainer call over `count` samples from `start`, in order (evaluate, predict, validation). */
  function* inOrderCalls(
    phase: Phase,
    start: number,
    count: number,
    batchSize: number,
    defaulted: boolean,
  ): Generator<ScheduleStep, boolean, undefined> {
    const batches = batchCount(count, batchSize);
    // fit and evaluate feed a dataset to the tf.function (a partial batch makes its batch size
    // unknown); predict fetches each batch first and passes its arrays (measured on 3.15.1)
    const perBatch = phase === 'predict';
    const isStatic = batches > 0 && !perBatch && staticShape(phase, count % batchSize === 0 ? batchSize : null);
    for (let batch = 1; batch <= batches; batch++) {
      const first = (batch - 1) * batchSize;
      const rows = Math.min(batchSize, count - first);
      const ok = yield* modelCall(phase, batch, rows, (r) => start + first + r, {
        samples: count,
        batchSize,
        defaulted,
        staticShape: perBatch ? staticShape(phase, rows) : isStatic,
        firstBatch: batch === 1,
        initialState: initialStateEveryCall(config),
      });
      if (!ok) return false;
    }
    return true;
  }

  /**
   * The up-front divisibility checks (§2.1): K2mb and TF.js fit and evaluate always; K2mb predict when
   * N > batch_size (TF.js predict has none: tfjs-layers engine/training.ts predict).
   */
  const upfront = (phase: 'fit' | 'evaluate' | 'predict', count: number, batchSize: number) =>
    stateful &&
    profile.partialBatchCheck === 'upfront' &&
    (phase === 'predict' ? profile.predictUpfront && count > batchSize && count % batchSize !== 0 : count % batchSize !== 0);

  for (const step of flatSteps(planOf(config))) {
    planStep++;
    catching = step.catch === true;
    if (!(yield* planCall(step)) && !catching) return;
  }

  /** One step of the script; false when Keras raised in it. */
  function* planCall(step: FlatPlanStep): Generator<ScheduleStep, boolean, undefined> {
    if (step.type === 'reset') {
      if (step.method === 'model.reset_states' && profile.keras3) {
        // Keras 3 has no Model.reset_states (§2.1 Reset API): AttributeError
        yield failure(position('reset', 0, 'between-calls'), 'no-model-reset-states', { samples: 0, batchSize: 0, rows: 0, defaulted: false });
        return false;
      }
      // reset_state() of a layer that was never built has no state to zero
      if (stateful && stateRows !== undefined) yield { kind: 'reset-states', position: position('reset', 0, 'between-calls') };
      return true;
    }
    if (step.type === 'train_on_batch' || step.type === 'predict_on_batch' || step.type === 'call') {
      const { count, sample } = batchStepSamples(step, stateRows ?? config.batchSize);
      // concrete arrays: a static batch size, traced per function (tf.function relaxes it on a new one)
      const isStatic = staticShape(step.type, count);
      const initialState = initialStateEveryCall(config) || (step.type === 'call' && step.initialState === true);
      return yield* modelCall(step.type, 1, count, sample, { samples: count, batchSize: count, defaulted: false, staticShape: isStatic, firstBatch: true, initialState });
    }
    if (step.type === 'evaluate' || step.type === 'predict') {
      const { start, count } = rangeOf(step, N);
      const batchSize = step.batchSize ?? kerasDefaultBatchSize;
      const defaulted = step.batchSize === undefined;
      if (upfront(step.type, count, batchSize)) {
        yield failure(position(step.type, 1, 'before-batch'), step.type === 'evaluate' ? 'fit-upfront' : 'predict-upfront', {
          samples: count,
          batchSize,
          rows: count % batchSize,
          defaulted,
        });
        return false;
      }
      return yield* inOrderCalls(step.type, start, count, batchSize, defaulted);
    }
    return yield* fitCalls(step);
  }

  /** One fit(): its epochs of training batches, validation and epoch-end resets. */
  function* fitCalls(step: Extract<FlatPlanStep, { type: 'fit' }>): Generator<ScheduleStep, boolean, undefined> {
    const { start, count } = rangeOf(step, N);
    const batchSize = fitBatchSize(step);
    const defaulted = step.batchSize === undefined;
    // validation_data wins over validation_split; the split takes the last samples before shuffling (§3)
    const split = step.validationData ? { trainSamples: count, validationSamples: 0 } : splitData(count, step.validationSplit ?? 0);
    const validation = step.validationData
      ? rangeOf(step.validationData, N)
      : { start: start + split.trainSamples, count: split.validationSamples };
    const validationBatchSize = step.validationBatchSize ?? batchSize;
    const resetPolicy = step.resetEvery ?? resetEvery;
    if (upfront('fit', count, batchSize) || (step.validationData !== undefined && upfront('fit', validation.count, validationBatchSize))) {
      epoch++;
      const failing = count % batchSize !== 0 ? count : validation.count;
      yield failure(position('fit', 1, 'before-batch'), 'fit-upfront', { samples: failing, batchSize, rows: failing % batchSize, defaulted });
      return false;
    }
    if (config.keras === 'tfjs' && step.shuffle === 'batch') {
      // tfjs-layers fitLoop: NotImplementedError at the start of the first epoch, before any batch
      epoch++;
      yield failure(position('fit', 1, 'before-batch'), 'tfjs-shuffle-batch', { samples: count, batchSize, rows: 0, defaulted });
      return false;
    }
    const trainSpec = split.trainSamples % batchSize === 0 ? batchSize : null;
    for (let e = 1; e <= step.epochs; e++) {
      epoch++;
      const order = epochOrder(split.trainSamples, batchSize, step.shuffle, config.keras, shuffleSeed(config, epoch));
      const isStatic = order.batches > 0 && staticShape('fit', trainSpec);
      for (let batch = 1; batch <= order.batches; batch++) {
        const ok = yield* modelCall('fit', batch, order.rowsOf(batch - 1), (r) => start + order.sample(batch - 1, r), {
          samples: split.trainSamples,
          batchSize,
          defaulted,
          staticShape: isStatic,
          firstBatch: batch === 1 && e === 1,
          initialState: initialStateEveryCall(config),
        });
        if (!ok) return false;
        // --reset-every K: a callback's on_train_batch_end, whose batch index restarts every epoch
        if (stateful && typeof resetPolicy === 'object' && batch % resetPolicy.everyBatches === 0) {
          yield { kind: 'reset-states', position: position('fit', batch, 'after-batch') };
        }
      }
      if (!(yield* inOrderCalls('validate', validation.start, validation.count, validationBatchSize, step.validationBatchSize === undefined && defaulted))) return false;
      // callbacks' on_epoch_end runs after the epoch's validation (§3)
      if (stateful && resetPolicy === 'epoch' && stateRows !== undefined) yield { kind: 'reset-states', position: position('fit', order.batches, 'epoch-end') };
    }
    return true;
  }
}

/** The schedule of a single fit() (the configuration's own fields), kept for callers of that case. */
export const fitSchedule = runSchedule;
