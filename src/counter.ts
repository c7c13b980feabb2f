/**
 * Closed-form reset counts: the totals a configuration must produce, computed by arithmetic from
 * the configuration alone, without the schedule or the forward pass. Tests hold the hook-recorded
 * totals of `simulate` against these; later they also serve runs too large to simulate.
 */
import type { SimulationConfig } from './config.ts';
import type { ResetReason } from './hooks.ts';
import { kerasProfiles } from './profiles.ts';

export interface ExpectedTotals {
  readonly batches: number;
  readonly fitBatches: number;
  readonly validationBatches: number;
  readonly resetEvents: number;
  readonly rowResets: number;
  readonly carries: number;
  readonly byReason: Readonly<Record<ResetReason, number>>;
  readonly perEpoch: readonly { epoch: number; batches: number; resetEvents: number; rowResets: number; carries: number }[];
  readonly epochsCompleted: number;
  /** False when Keras raises (a stateful batch of the wrong size). */
  readonly completed: boolean;
}

export function expectedTotals(config: SimulationConfig): ExpectedTotals {
  const { samples, batchSize: B, epochs: E } = config;
  const train = config.validationSplit > 0 ? Math.floor(samples * (1 - config.validationSplit)) : samples;
  const validation = samples - train;
  const F = Math.ceil(train / B);
  const V = Math.ceil(validation / B);

  if (!config.stateful) {
    // every call (training and validation) zeroes its own rows: all N rows once per epoch
    const perEpoch = Array.from({ length: E }, (_, i) => ({
      epoch: i + 1,
      batches: F + V,
      resetEvents: F + V,
      rowResets: samples,
      carries: 0,
    }));
    return {
      batches: E * (F + V),
      fitBatches: E * F,
      validationBatches: E * V,
      resetEvents: E * (F + V),
      rowResets: E * samples,
      carries: 0,
      byReason: { initial: 0, 'batch-start': E * (F + V), 'reset-states': 0 },
      perEpoch,
      epochsCompleted: E,
      completed: true,
    };
  }

  // stateful: full batches only; where does Keras stop?
  const upfrontFailure = kerasProfiles[config.keras].partialBatchCheck === 'upfront' && samples % B !== 0;
  const trainPartial = train % B !== 0;
  const validationPartial = validation % B !== 0;
  const fails = upfrontFailure || trainPartial || validationPartial;
  // calls that run in each epoch before any failure (a failure can only happen in epoch 1)
  const fitRun = upfrontFailure ? 0 : Math.floor(train / B);
  const validationRun = upfrontFailure || trainPartial ? 0 : Math.floor(validation / B);
  const epochsRun = fails ? 1 : E;

  const K = typeof config.resetEvery === 'object' ? config.resetEvery.everyBatches : 0;
  const perEpoch: { epoch: number; batches: number; resetEvents: number; rowResets: number; carries: number }[] = [];
  let zeroStarts = 0; // calls that start from zeros instead of a carried state
  let pendingZero = true; // the build's zeros
  for (let epoch = 1; epoch <= epochsRun; epoch++) {
    const resetsAfterBatch = K > 0 ? Math.floor(fitRun / K) : 0;
    const epochReset = config.resetEvery === 'epoch' && !fails ? 1 : 0;
    const resetEvents = (epoch === 1 ? 1 : 0) + resetsAfterBatch + epochReset;
    const batches = fitRun + validationRun;
    // a pending zero (build or last reset) is consumed by this epoch's first call
    let epochZeroStarts = pendingZero && batches > 0 ? 1 : 0;
    if (batches > 0) pendingZero = false;
    // resets after batch b < fitRun zero the state of batch b+1
    if (K > 0) {
      const lastResetIsAfterFinalBatch = resetsAfterBatch > 0 && fitRun % K === 0;
      epochZeroStarts += resetsAfterBatch - (lastResetIsAfterFinalBatch ? 1 : 0);
      if (lastResetIsAfterFinalBatch) {
        if (validationRun > 0) epochZeroStarts += 1;
        else pendingZero = true;
      }
    }
    if (epochReset) pendingZero = true;
    zeroStarts += epochZeroStarts;
    perEpoch.push({ epoch, batches, resetEvents, rowResets: resetEvents * B, carries: batches - epochZeroStarts });
  }
  const sum = (key: 'batches' | 'resetEvents' | 'rowResets' | 'carries') => perEpoch.reduce((a, e) => a + e[key], 0);
  const resetStates = sum('resetEvents') - 1;
  return {
    batches: sum('batches'),
    fitBatches: epochsRun * fitRun,
    validationBatches: epochsRun * validationRun,
    resetEvents: sum('resetEvents'),
    rowResets: sum('rowResets'),
    carries: sum('batches') - zeroStarts,
    byReason: { initial: 1, 'batch-start': 0, 'reset-states': resetStates },
    perEpoch,
    epochsCompleted: fails ? 0 : E,
    completed: !fails,
  };
}
