/**
 * Closed-form reset counts: the totals a configuration must produce, computed by arithmetic from
 * the configuration alone (O(plan steps × epochs), no schedule of batches, no forward pass). Tests
 * hold the hook-recorded totals of `simulate` against these; they also size a run before it starts.
 */
import { flatSteps, kerasDefaultBatchSize, planOf, resolveLayers, type SimulationConfig } from './config.ts';
import type { ResetReason } from './events.ts';
import { kerasProfiles } from './profiles.ts';
import type { BatchSizeFailure } from './schedule.ts';

export interface ExpectedTotals {
  readonly batches: number;
  readonly fitBatches: number;
  readonly validationBatches: number;
  readonly evaluateBatches: number;
  readonly predictBatches: number;
  readonly resetEvents: number;
  readonly rowResets: number;
  readonly carries: number;
  readonly byReason: Readonly<Record<ResetReason, number>>;
  readonly perEpoch: readonly EpochCounts[];
  readonly perLayer: readonly { readonly layer: string; readonly resetEvents: number; readonly rowResets: number; readonly carries: number }[];
  readonly epochsCompleted: number;
  /** False when Keras raises (a stateful batch of the wrong size). */
  readonly completed: boolean;
  /** Where and how Keras raises, when it does. */
  readonly failure?: BatchSizeFailure;
  /** Rows of all model calls that ran (every layer sees them). */
  readonly rowsRun: number;
}

interface EpochCounts {
  epoch: number;
  batches: number;
  resetEvents: number;
  rowResets: number;
  carries: number;
}

/** Counts of one kind of layer (all stateful layers count alike, and all stateless ones). */
interface Tally {
  resetEvents: number;
  rowResets: number;
  carries: number;
  initial: number;
  resetStates: number;
}

export function expectedTotals(config: SimulationConfig): ExpectedTotals {
  const N = config.samples;
  const layers = resolveLayers(config);
  const statefulCount = layers.filter((layer) => layer.stateful).length;
  const statelessCount = layers.length - statefulCount;
  const stateful = statefulCount > 0;
  const stateRows = config.stateBatchSize ?? config.batchSize;
  const upfrontChecks = kerasProfiles[config.keras].partialBatchCheck === 'upfront';
  const K = typeof config.resetEvery === 'object' ? config.resetEvery.everyBatches : 0;

  const perEpoch = new Map<number, EpochCounts>();
  const at = (epoch: number) => {
    let counts = perEpoch.get(epoch);
    if (!counts) perEpoch.set(epoch, (counts = { epoch, batches: 0, resetEvents: 0, rowResets: 0, carries: 0 }));
    return counts;
  };
  const statefulTally: Tally = { resetEvents: 0, rowResets: 0, carries: 0, initial: 0, resetStates: 0 };
  const statelessTally: Tally = { resetEvents: 0, rowResets: 0, carries: 0, initial: 0, resetStates: 0 };
  const batches = { fit: 0, validate: 0, evaluate: 0, predict: 0 };
  let epoch = 0;
  let pendingZero = true; // the build's zeros, consumed by the first call
  let failed = false;
  /** A failure inside fit leaves its epoch incomplete; one in evaluate/predict does not. */
  let failedInFit = false;
  let failure: BatchSizeFailure | undefined;
  let rowsRun = 0;
  let planStep = 0;
  const fail = (
    phase: 'fit' | 'validate' | 'evaluate' | 'predict',
    check: BatchSizeFailure['check'],
    details: { batch: number; samples: number; batchSize: number; rows: number; defaulted: boolean },
  ) => {
    failed = true;
    failedInFit = phase === 'fit' || phase === 'validate';
    at(epoch);
    failure = {
      position: { phase, epoch, batch: details.batch, timing: 'before-batch', planStep: Math.max(planStep, 1) },
      check,
      samples: details.samples,
      batchSize: details.batchSize,
      rows: details.rows,
      stateRows: check === 'unknown-batch' ? 0 : stateRows,
      batchSizeDefaulted: details.defaulted,
    };
  };
  /** The batch at which a stateful run over `n` samples in batches of `b` fails, and its rows. */
  const failingBatch = (n: number, b: number) => {
    const full = Math.floor(n / b);
    if (full === 0) return { batch: 1, rows: n };
    if (b !== stateRows) return { batch: 1, rows: b };
    return { batch: full + 1, rows: n % b };
  };

  /** A stateful layer's explicit zeroing (build or reset_states) of all its rows. */
  const zeroStateful = (atEpoch: number, initial: boolean) => {
    if (!stateful) return;
    statefulTally.resetEvents++;
    statefulTally.rowResets += stateRows;
    if (initial) statefulTally.initial++;
    else statefulTally.resetStates++;
    const counts = at(atEpoch);
    counts.resetEvents += statefulCount;
    counts.rowResets += statefulCount * stateRows;
    pendingZero = true;
  };
  /** `calls` consecutive calls with `rows` rows in all; with resets after some of them (zeroStartsInside). */
  const runCalls = (phase: keyof typeof batches, calls: number, rows: number, zeroStartsInside: number) => {
    if (calls === 0) return;
    batches[phase] += calls;
    rowsRun += rows;
    const counts = at(epoch);
    counts.batches += calls;
    // stateless layers: one zeroing per call, of its rows (§1)
    statelessTally.resetEvents += calls;
    statelessTally.rowResets += rows;
    counts.resetEvents += statelessCount * calls;
    counts.rowResets += statelessCount * rows;
    if (stateful) {
      const carried = calls - (pendingZero ? 1 : 0) - zeroStartsInside;
      statefulTally.carries += carried;
      counts.carries += statefulCount * carried;
      pendingZero = false;
    }
  };
  /** How many full calls of `b` rows run over `n` samples before a stateful model fails, and whether it fails. */
  const statefulRun = (n: number, b: number) => {
    if (!stateful) return { calls: Math.ceil(n / b), rows: n, fails: false };
    // batches: floor(n/b) of b rows, then one of n % b; the first whose rows differ from the state's fails
    const full = Math.floor(n / b);
    if (full === 0) return n === stateRows ? { calls: 1, rows: n, fails: false } : { calls: 0, rows: 0, fails: n > 0 };
    if (b !== stateRows) return { calls: 0, rows: 0, fails: true };
    return { calls: full, rows: full * b, fails: n % b !== 0 };
  };

  const steps = flatSteps(planOf(config));
  const first = flatSteps(planOf(config)).next().value;
  if (stateful && config.unknownStateBatch) {
    // Keras refuses to build the stateful layers: nothing runs
    epoch = 1;
    fail('fit', 'unknown-batch', { batch: 1, samples: N, batchSize: config.batchSize, rows: 0, defaulted: config.batchSizeDefaulted ?? false });
  } else if (stateful) {
    zeroStateful(first === undefined || first.type === 'fit' ? 1 : 0, true);
  }
  for (const step of steps) {
    if (failed) break;
    planStep++;
    if (step.type === 'reset') {
      zeroStateful(epoch, false);
      continue;
    }
    if (step.type === 'evaluate' || step.type === 'predict') {
      const n = Math.min(step.samples ?? N, N);
      const b = step.batchSize ?? kerasDefaultBatchSize;
      const upfront = stateful && upfrontChecks && (step.type === 'evaluate' ? n % b !== 0 : n > b && n % b !== 0);
      const defaulted = step.batchSize === undefined;
      if (upfront) {
        const check = step.type === 'evaluate' ? 'fit-upfront' : 'predict-upfront';
        fail(step.type, check, { batch: 1, samples: n, batchSize: b, rows: n % b, defaulted });
        break;
      }
      const run = statefulRun(n, b);
      runCalls(step.type, run.calls, run.rows, 0);
      if (run.fails) fail(step.type, 'at-batch', { ...failingBatch(n, b), samples: n, batchSize: b, defaulted });
      continue;
    }
    const defaulted = config.plan === undefined && (config.batchSizeDefaulted ?? false);
    if (stateful && upfrontChecks && N % step.batchSize !== 0) {
      epoch++;
      fail('fit', 'fit-upfront', { batch: 1, samples: N, batchSize: step.batchSize, rows: N % step.batchSize, defaulted });
      break;
    }
    const split = step.validationSplit ?? 0;
    const train = split > 0 ? Math.floor(N * (1 - split)) : N;
    const validation = N - train;
    for (let e = 1; e <= step.epochs && !failed; e++) {
      epoch++;
      at(epoch);
      const fit = statefulRun(train, step.batchSize);
      // --reset-every K: a reset after training batches K, 2K, … of this epoch
      const resetsAfterBatch = stateful && K > 0 ? Math.floor(fit.calls / K) : 0;
      const resetAfterLastBatch = resetsAfterBatch > 0 && fit.calls % K === 0;
      // each reset except one after the last training batch zeroes the start of the next training batch
      runCalls('fit', fit.calls, fit.rows, resetsAfterBatch - (resetAfterLastBatch ? 1 : 0));
      for (let r = 0; r < resetsAfterBatch; r++) zeroStateful(epoch, false);
      if (!resetAfterLastBatch && resetsAfterBatch > 0) pendingZero = false;
      if (fit.fails) {
        fail('fit', 'at-batch', { ...failingBatch(train, step.batchSize), samples: train, batchSize: step.batchSize, defaulted });
        break;
      }
      const val = statefulRun(validation, step.batchSize);
      runCalls('validate', val.calls, val.rows, 0);
      if (val.fails) {
        fail('validate', 'at-batch', { ...failingBatch(validation, step.batchSize), samples: validation, batchSize: step.batchSize, defaulted });
        break;
      }
      if (stateful && config.resetEvery === 'epoch') zeroStateful(epoch, false);
    }
  }

  const perLayer = layers.map((layer) => {
    const tally = layer.stateful ? statefulTally : statelessTally;
    return { layer: layer.name, resetEvents: tally.resetEvents, rowResets: tally.rowResets, carries: tally.carries };
  });
  const sum = (key: 'resetEvents' | 'rowResets' | 'carries') => perLayer.reduce((a, layer) => a + layer[key], 0);
  return {
    batches: batches.fit + batches.validate + batches.evaluate + batches.predict,
    fitBatches: batches.fit,
    validationBatches: batches.validate,
    evaluateBatches: batches.evaluate,
    predictBatches: batches.predict,
    resetEvents: sum('resetEvents'),
    rowResets: sum('rowResets'),
    carries: sum('carries'),
    byReason: {
      initial: statefulCount * statefulTally.initial,
      'batch-start': statelessCount * statelessTally.resetEvents,
      'reset-states': statefulCount * statefulTally.resetStates,
    },
    perEpoch: [...perEpoch.values()].sort((a, b) => a.epoch - b.epoch),
    perLayer,
    epochsCompleted: failedInFit ? epoch - 1 : epoch,
    completed: !failed,
    rowsRun,
    ...(failure ? { failure } : {}),
  };
}
