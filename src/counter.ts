/**
 * Closed-form reset counts: the totals a configuration must produce, computed by arithmetic from
 * the configuration alone, without the schedule or the forward pass. Tests hold the hook-recorded
 * totals of `simulate` against these; later they also serve runs too large to simulate.
 */
import { resolveLayers, type SimulationConfig } from './config.ts';
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
  readonly perEpoch: readonly EpochCounts[];
  readonly perLayer: readonly { readonly layer: string; readonly resetEvents: number; readonly rowResets: number; readonly carries: number }[];
  readonly epochsCompleted: number;
  /** False when Keras raises (a stateful batch of the wrong size). */
  readonly completed: boolean;
}

interface EpochCounts {
  epoch: number;
  batches: number;
  resetEvents: number;
  rowResets: number;
  carries: number;
}

export function expectedTotals(config: SimulationConfig): ExpectedTotals {
  const { samples, batchSize: B, epochs: E } = config;
  const layers = resolveLayers(config);
  const statefulModel = layers.some((layer) => layer.stateful);
  const train = config.validationSplit > 0 ? Math.floor(samples * (1 - config.validationSplit)) : samples;
  const validation = samples - train;

  // model calls that run: a stateless model runs every batch, partial ones included; a stateful one
  // stops at the first batch of the wrong size (which can only be in epoch 1)
  const upfrontFailure = statefulModel && kerasProfiles[config.keras].partialBatchCheck === 'upfront' && samples % B !== 0;
  const trainPartial = statefulModel && train % B !== 0;
  const validationPartial = statefulModel && validation % B !== 0;
  const fails = upfrontFailure || trainPartial || validationPartial;
  const fitRun = !statefulModel ? Math.ceil(train / B) : upfrontFailure ? 0 : Math.floor(train / B);
  const validationRun = !statefulModel ? Math.ceil(validation / B) : upfrontFailure || trainPartial ? 0 : Math.floor(validation / B);
  const epochsRun = fails ? 1 : E;
  // rows of one epoch's calls: all samples when every batch runs, full batches otherwise
  const rowsPerEpoch = statefulModel ? (fitRun + validationRun) * B : samples;

  const perEpoch: EpochCounts[] = Array.from({ length: epochsRun }, (_, i) => ({
    epoch: i + 1,
    batches: fitRun + validationRun,
    resetEvents: 0,
    rowResets: 0,
    carries: 0,
  }));
  const byReason: Record<ResetReason, number> = { initial: 0, 'batch-start': 0, 'reset-states': 0 };
  const perLayer = layers.map((layer) => {
    const counts = layer.stateful ? statefulLayerCounts(config, fitRun, validationRun, epochsRun, fails) : undefined;
    let resetEvents = 0;
    let rowResets = 0;
    let carries = 0;
    perEpoch.forEach((epoch, i) => {
      // stateless: one event per call, zeroing that call's rows (§1)
      const events = counts ? counts[i]!.resetEvents : fitRun + validationRun;
      const rows = counts ? counts[i]!.resetEvents * B : rowsPerEpoch;
      const carried = counts ? counts[i]!.carries : 0;
      epoch.resetEvents += events;
      epoch.rowResets += rows;
      epoch.carries += carried;
      resetEvents += events;
      rowResets += rows;
      carries += carried;
    });
    if (layer.stateful) {
      byReason.initial += 1;
      byReason['reset-states'] += resetEvents - 1;
    } else {
      byReason['batch-start'] += resetEvents;
    }
    return { layer: layer.name, resetEvents, rowResets, carries };
  });
  const sum = (key: 'resetEvents' | 'rowResets' | 'carries') => perLayer.reduce((a, layer) => a + layer[key], 0);
  return {
    batches: epochsRun * (fitRun + validationRun),
    fitBatches: epochsRun * fitRun,
    validationBatches: epochsRun * validationRun,
    resetEvents: sum('resetEvents'),
    rowResets: sum('rowResets'),
    carries: sum('carries'),
    byReason,
    perEpoch,
    perLayer,
    epochsCompleted: fails ? 0 : E,
    completed: !fails,
  };
}

/** Per epoch, the reset events and carried calls of one stateful layer. */
function statefulLayerCounts(
  config: SimulationConfig,
  fitRun: number,
  validationRun: number,
  epochsRun: number,
  fails: boolean,
): { resetEvents: number; carries: number }[] {
  const K = typeof config.resetEvery === 'object' ? config.resetEvery.everyBatches : 0;
  const counts: { resetEvents: number; carries: number }[] = [];
  let pendingZero = true; // the build's zeros
  for (let epoch = 1; epoch <= epochsRun; epoch++) {
    const resetsAfterBatch = K > 0 ? Math.floor(fitRun / K) : 0;
    const epochReset = config.resetEvery === 'epoch' && !fails ? 1 : 0;
    const resetEvents = (epoch === 1 ? 1 : 0) + resetsAfterBatch + epochReset;
    const calls = fitRun + validationRun;
    // a pending zero (build or last reset) is consumed by this epoch's first call
    let zeroStarts = pendingZero && calls > 0 ? 1 : 0;
    if (calls > 0) pendingZero = false;
    // resets after batch b < fitRun zero the state of batch b+1
    if (K > 0) {
      const lastResetIsAfterFinalBatch = resetsAfterBatch > 0 && fitRun % K === 0;
      zeroStarts += resetsAfterBatch - (lastResetIsAfterFinalBatch ? 1 : 0);
      if (lastResetIsAfterFinalBatch) {
        if (validationRun > 0) zeroStarts += 1;
        else pendingZero = true;
      }
    }
    if (epochReset) pendingZero = true;
    counts.push({ resetEvents, carries: calls - zeroStarts });
  }
  return counts;
}
