/**
 * The order of layer calls and state resets that a user's script produces (one fit(), or a training
 * plan of fit / evaluate / predict / reset calls), as a lazy sequence of steps, and where each Keras
 * version raises for a stateful batch of the wrong size. Pure: no forward pass, no I/O.
 */
import { flatSteps, isStatefulModel, kerasDefaultBatchSize, planMaxBatch, planOf, splitData, type ShuffleMode, type SimulationConfig } from './config.ts';
import type { LayerCall, Phase, RunPosition } from './events.ts';
import { kerasProfiles, type KerasVersion } from './profiles.ts';
import { deriveSeed, lazyPermutation } from '../shared/random.ts';

export type ScheduleStep =
  /** A stateful layer is built: its zero state variables are created (§2.1). */
  | { readonly kind: 'build'; readonly position: RunPosition }
  | { readonly kind: 'call'; readonly call: LayerCall }
  /** An explicit reset_states(): the --reset-every policy or a plan's reset step (§3: Keras never resets itself). */
  | { readonly kind: 'reset-states'; readonly position: RunPosition }
  /** Keras raises here; nothing after this step runs. */
  | { readonly kind: 'fail'; readonly failure: BatchSizeFailure };

/** A stateful model meets a batch whose row count differs from its state's (§2.1). */
export interface BatchSizeFailure {
  readonly position: RunPosition;
  /**
   * fit-upfront: K2mb fit/evaluate check N % batch_size before any batch; predict-upfront: K2mb predict
   * checks N > batch_size and N % batch_size != 0; at-batch: the call with the wrong rows raises.
   */
  readonly check: 'fit-upfront' | 'predict-upfront' | 'at-batch' | 'unknown-batch';
  /** Samples of the call (fit, evaluate or predict) that fails. */
  readonly samples: number;
  /** batch_size of that call. */
  readonly batchSize: number;
  /** Rows of the offending batch (for an up-front check: samples % batch_size). */
  readonly rows: number;
  /** Rows of the stateful layers' state (their fixed batch size). */
  readonly stateRows: number;
  /** True when batch_size was not given and Keras used 32. */
  readonly batchSizeDefaulted: boolean;
}

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

const inOrder: SampleOrder = (position) => position;

/**
 * The training samples of one epoch in the order fit feeds them (§3 shuffle):
 * true: a fresh permutation; 'batch': Keras 2.3 shuffles the order of whole batches (a partial last
 * batch stays last), tf.keras shuffles the order of batches and the rows inside each, Keras 3 keeps
 * the batch order and shuffles the rows inside each batch.
 */
export function epochOrder(trainSamples: number, batchSize: number, shuffle: ShuffleMode, keras: KerasVersion, seed: number): SampleOrder {
  if (shuffle === true) return lazyPermutation(trainSamples, seed);
  if (shuffle === false) return inOrder;
  const fullBatches = Math.floor(trainSamples / batchSize);
  const batchOrder: SampleOrder = keras === '2' || keras === 'tf' ? lazyPermutation(fullBatches, deriveSeed(seed, 1)) : inOrder;
  const shuffleRows = keras === 'tf' || keras === '3';
  let rowsOf = -1;
  let rowOrder: SampleOrder = inOrder;
  return (position) => {
    const batch = Math.floor(position / batchSize);
    const row = position - batch * batchSize;
    const source = batch < fullBatches ? batchOrder(batch) : batch;
    if (!shuffleRows) return source * batchSize + row;
    if (rowsOf !== source) {
      rowsOf = source;
      rowOrder = lazyPermutation(Math.min(batchSize, trainSamples - source * batchSize), deriveSeed(seed, 2, source));
    }
    return source * batchSize + rowOrder(row);
  };
}

/**
 * `withSamples: false` leaves every call's `samples` empty (counting needs no sample ids), so a run
 * over a billion samples costs no memory per sample.
 */
export function* runSchedule(config: SimulationConfig, withSamples = true): Generator<ScheduleStep, void, undefined> {
  const stateful = isStatefulModel(config);
  const stateRows = config.stateBatchSize ?? config.batchSize;
  const profile = kerasProfiles[config.keras];
  const { resetEvery } = config;
  let epoch = 0;
  let planStep = 0;
  const position = (phase: Phase, batch: number, timing: RunPosition['timing']): RunPosition => ({
    phase,
    epoch,
    batch,
    timing,
    planStep,
  });

  if (stateful && config.unknownStateBatch) {
    // a stateful layer needs a static batch size to create its state (§2.1): Keras raises at build
    const failure: BatchSizeFailure = {
      position: { phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch', planStep: 1 },
      check: 'unknown-batch',
      samples: config.samples,
      batchSize: config.batchSize,
      rows: 0,
      stateRows: 0,
      batchSizeDefaulted: config.batchSizeDefaulted ?? false,
    };
    yield { kind: 'fail', failure };
    return;
  }
  if (stateful) {
    // the state is created when the model is first called: by fit (epoch 1) or by an inference call before any fit (epoch 0)
    const first = flatSteps(planOf(config)).next().value;
    const phase: Phase = first === undefined || first.type === 'fit' ? 'fit' : first.type;
    yield { kind: 'build', position: { phase, epoch: phase === 'fit' ? 1 : 0, batch: 1, timing: 'before-batch', planStep: 1 } };
  }

  // the rows' samples of the current call; valid until the next step is taken
  const rowSamples = new Int32Array(Math.max(1, Math.min(config.samples, planMaxBatch(config))));
  /** Layer calls over `count` samples in `order`, in batches; stops with a failure where a stateful batch has the wrong size. */
  function* calls(
    phase: Phase,
    order: SampleOrder,
    count: number,
    batchSize: number,
    batchSizeDefaulted: boolean,
    afterBatch?: (batch: number) => boolean,
  ): Generator<ScheduleStep, boolean, undefined> {
    const batches = batchCount(count, batchSize);
    for (let batch = 1; batch <= batches; batch++) {
      const start = (batch - 1) * batchSize;
      const rows = Math.min(batchSize, count - start);
      if (stateful && rows !== stateRows) {
        const failure: BatchSizeFailure = {
          position: position(phase, batch, 'before-batch'),
          check: 'at-batch',
          samples: count,
          batchSize,
          rows,
          stateRows,
          batchSizeDefaulted,
        };
        yield { kind: 'fail', failure };
        return false;
      }
      if (withSamples) for (let r = 0; r < rows; r++) rowSamples[r] = order(start + r);
      yield { kind: 'call', call: { phase, epoch, batch, planStep, rows, samples: withSamples ? rowSamples.subarray(0, rows) : noSamples } };
      if (afterBatch?.(batch)) yield { kind: 'reset-states', position: position(phase, batch, 'after-batch') };
    }
    return true;
  }

  for (const step of flatSteps(planOf(config))) {
    planStep++;
    if (step.type === 'reset') {
      if (stateful) yield { kind: 'reset-states', position: position('reset', 0, 'between-calls') };
      continue;
    }
    if (step.type === 'evaluate' || step.type === 'predict') {
      const samples = Math.min(step.samples ?? config.samples, config.samples);
      const batchSize = step.batchSize ?? kerasDefaultBatchSize;
      const defaulted = step.batchSize === undefined;
      // K2mb checks evaluate like fit, and predict only when N > batch_size (§2.1)
      const upfront =
        stateful && profile.partialBatchCheck === 'upfront'
          ? step.type === 'evaluate'
            ? samples % batchSize !== 0
            : samples > batchSize && samples % batchSize !== 0
          : false;
      if (upfront) {
        const check = step.type === 'evaluate' ? 'fit-upfront' : 'predict-upfront';
        const failure: BatchSizeFailure = {
          position: position(step.type, 1, 'before-batch'),
          check,
          samples,
          batchSize,
          rows: samples % batchSize,
          stateRows,
          batchSizeDefaulted: defaulted,
        };
        yield { kind: 'fail', failure };
        return;
      }
      if (!(yield* calls(step.type, inOrder, samples, batchSize, defaulted))) return;
      continue;
    }
    // fit: validation_split takes the last samples before shuffling (§3)
    const { trainSamples, validationSamples } = splitData(config.samples, step.validationSplit ?? 0);
    const defaulted = config.plan === undefined && (config.batchSizeDefaulted ?? false);
    if (stateful && profile.partialBatchCheck === 'upfront' && config.samples % step.batchSize !== 0) {
      epoch++;
      const failure: BatchSizeFailure = {
        position: position('fit', 1, 'before-batch'),
        check: 'fit-upfront',
        samples: config.samples,
        batchSize: step.batchSize,
        rows: config.samples % step.batchSize,
        stateRows,
        batchSizeDefaulted: defaulted,
      };
      yield { kind: 'fail', failure };
      return;
    }
    const validationOrder: SampleOrder = (position) => trainSamples + position;
    for (let e = 1; e <= step.epochs; e++) {
      epoch++;
      const order = epochOrder(trainSamples, step.batchSize, step.shuffle, config.keras, deriveSeed(config.seed, shuffleSeedTag, epoch));
      const resetAfter =
        stateful && typeof resetEvery === 'object' ? (batch: number) => batch % resetEvery.everyBatches === 0 : undefined;
      if (!(yield* calls('fit', order, trainSamples, step.batchSize, defaulted, resetAfter))) return;
      if (!(yield* calls('validate', validationOrder, validationSamples, step.batchSize, defaulted))) return;
      // callbacks' on_epoch_end runs after the epoch's validation (§3)
      if (stateful && resetEvery === 'epoch') {
        yield { kind: 'reset-states', position: position('fit', batchCount(trainSamples, step.batchSize), 'epoch-end') };
      }
    }
  }
}

/** The schedule of a single fit() (the configuration's own fields), kept for callers of that case. */
export const fitSchedule = runSchedule;
