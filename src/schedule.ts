/**
 * The order of layer calls and state resets that Keras `fit` produces for a configuration, as a lazy
 * sequence of steps. Pure: no forward pass, no I/O.
 */
import { isStatefulModel, splitData, type SimulationConfig } from './config.ts';
import type { LayerCall, RunPosition } from './hooks.ts';
import { kerasProfiles } from './profiles.ts';
import { deriveSeed, permutation } from './random.ts';

export type ScheduleStep =
  /** A stateful layer is built: its zero state variables are created (§2.1). */
  | { readonly kind: 'build'; readonly position: RunPosition }
  | { readonly kind: 'call'; readonly call: LayerCall }
  /** An explicit reset_states() (stateful only): the --reset-every policy (§3: fit never resets). */
  | { readonly kind: 'reset-states'; readonly position: RunPosition }
  /** Keras raises here; nothing after this step runs. */
  | { readonly kind: 'fail'; readonly failure: BatchSizeFailure };

/** A stateful run meets a batch whose row count differs from the state's (§2.1). */
export interface BatchSizeFailure {
  readonly position: RunPosition;
  /** True when Keras checks before training (K2mb's divisibility check of all N samples). */
  readonly upfront: boolean;
  /** Rows of the offending batch (for the up-front check: N % batch size). */
  readonly rows: number;
}

/** Seed tag of the per-epoch shuffle permutation. */
const shuffleSeedTag = 0x5f1e;

/** Batches of `count` samples in batches of `batchSize`: the last one may be partial. */
export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

export function* fitSchedule(config: SimulationConfig): Generator<ScheduleStep, void, undefined> {
  const { batchSize, epochs, resetEvery } = config;
  const stateful = isStatefulModel(config);
  const { trainSamples, validationSamples } = splitData(config.samples, config.validationSplit);
  const profile = kerasProfiles[config.keras];

  if (stateful) {
    yield { kind: 'build', position: { phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch' } };
    if (profile.partialBatchCheck === 'upfront' && config.samples % batchSize !== 0) {
      const position: RunPosition = { phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch' };
      yield { kind: 'fail', failure: { position, upfront: true, rows: config.samples % batchSize } };
      return;
    }
  }

  const inOrder = new Int32Array(Math.max(trainSamples, validationSamples));
  for (let i = 0; i < inOrder.length; i++) inOrder[i] = i;
  const validationOrder = new Int32Array(validationSamples);
  for (let i = 0; i < validationSamples; i++) validationOrder[i] = trainSamples + i;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    // fit reshuffles the training part each epoch; validation is evaluated in order
    const trainOrder = config.shuffle
      ? permutation(trainSamples, deriveSeed(config.seed, shuffleSeedTag, epoch))
      : inOrder.subarray(0, trainSamples);
    const fitBatches = batchCount(trainSamples, batchSize);
    for (let batch = 1; batch <= fitBatches; batch++) {
      const start = (batch - 1) * batchSize;
      const rows = Math.min(batchSize, trainSamples - start);
      if (stateful && rows !== batchSize) {
        yield { kind: 'fail', failure: { position: { phase: 'fit', epoch, batch, timing: 'before-batch' }, upfront: false, rows } };
        return;
      }
      yield { kind: 'call', call: { phase: 'fit', epoch, batch, rows, samples: trainOrder.subarray(start, start + rows) } };
      if (stateful && typeof resetEvery === 'object' && batch % resetEvery.everyBatches === 0) {
        yield { kind: 'reset-states', position: { phase: 'fit', epoch, batch, timing: 'after-batch' } };
      }
    }
    const validationBatches = batchCount(validationSamples, batchSize);
    for (let batch = 1; batch <= validationBatches; batch++) {
      const start = (batch - 1) * batchSize;
      const rows = Math.min(batchSize, validationSamples - start);
      if (stateful && rows !== batchSize) {
        yield { kind: 'fail', failure: { position: { phase: 'validate', epoch, batch, timing: 'before-batch' }, upfront: false, rows } };
        return;
      }
      yield { kind: 'call', call: { phase: 'validate', epoch, batch, rows, samples: validationOrder.subarray(start, start + rows) } };
    }
    // callbacks' on_epoch_end runs after the epoch's validation (§3)
    if (stateful && resetEvery === 'epoch') {
      yield { kind: 'reset-states', position: { phase: 'fit', epoch, batch: fitBatches, timing: 'epoch-end' } };
    }
  }
}
