/**
 * Closed-form reset counts: the totals a configuration must produce, computed by arithmetic from
 * the configuration alone (O(plan steps × epochs), no schedule of batches, no forward pass). Tests
 * hold the hook-recorded totals of `simulate` against these; they also size a run before it starts.
 * Where a call starts (carry, JAX's unstored state, initial_state) follows the same StateFlow as
 * the simulator, driven a run of identical calls at a time (StateFlow.callMany).
 */
import {
  batchStepSamples,
  fitBatchSize,
  flatSteps,
  kerasDefaultBatchSize,
  planOf,
  rangeOf,
  resolveLayers,
  tfjsLoadFailure,
  initialStateEveryCall,
  layerAppliesMask,
  splitData,
  wiredStart,
  type FlatPlanStep,
  type SimulationConfig,
} from './config.ts';
import { otherStartFields, zeroByReason, zeroes, type LayerCall, type OtherStartField, type Phase, type ResetReason, type RunPosition } from './events.ts';
import { buildsSymbolically, executionOf, isTrainingPhase, stateRule, wrongRows, type FailureCheck } from './backends.ts';
import { kerasProfiles } from './profiles.ts';
import { batchCount, partialBatchPosition, shuffleSeed, TfTraces, torchInplaceFailure, unbuiltFails, type RunFailure } from './schedule.ts';
import { StateFlow, initialStateMode, type FlowEvidence } from './state-flow.ts';

/** Starts that are neither zeros nor a carry, by totals field (events.ts otherStartFields). */
type OtherStarts = Record<OtherStartField, number>;

const noOtherStarts = (): OtherStarts => ({ broadcastStarts: 0, storedRestarts: 0, initialStateStarts: 0 });
const otherStartKeys = Object.keys(noOtherStarts()) as OtherStartField[];

export interface LayerCounts extends Readonly<OtherStarts> {
  readonly layer: string;
  /** Zeroing events only (initial, batch-start, reset-states). */
  readonly resetEvents: number;
  readonly rowResets: number;
  readonly carries: number;
  /** Calls that started from another layer's final states (initial_state); never resets. */
  readonly fromLayerStarts: number;
  readonly byReason: Readonly<Record<ResetReason, number>>;
}

export interface ExpectedTotals extends Readonly<OtherStarts> {
  readonly batches: number;
  readonly fitBatches: number;
  readonly validationBatches: number;
  readonly evaluateBatches: number;
  readonly predictBatches: number;
  readonly trainOnBatchBatches: number;
  readonly predictOnBatchBatches: number;
  readonly directCalls: number;
  readonly resetEvents: number;
  readonly rowResets: number;
  readonly carries: number;
  readonly fromLayerStarts: number;
  /** Exceptions Keras raises (caught ones included). */
  readonly failedCalls: number;
  readonly byReason: Readonly<Record<ResetReason, number>>;
  readonly perEpoch: readonly EpochCounts[];
  readonly perLayer: readonly LayerCounts[];
  readonly epochsCompleted: number;
  /** False when Keras raises. */
  readonly completed: boolean;
  /** Where and how Keras raises and the script stops, when it does. */
  readonly failure?: RunFailure;
  /** Every exception of the run, caught ones included, in order. */
  readonly failures: readonly RunFailure[];
  /** Rows of all model calls that ran (every layer sees them). */
  readonly rowsRun: number;
  /** Rows of the calls in which a layer applies the padded samples' mask (config.ts layerAppliesMask). */
  readonly maskedRowsRun: number;
  /** What the run showed, for the findings (the simulator's StateFlow collects the same). */
  readonly evidence: FlowEvidence;
}

interface EpochCounts extends OtherStarts {
  epoch: number;
  batches: number;
  resetEvents: number;
  rowResets: number;
  carries: number;
}

interface Tally extends OtherStarts {
  resetEvents: number;
  rowResets: number;
  carries: number;
  fromLayerStarts: number;
  byReason: Record<ResetReason, number>;
}

type CountedPhase = Exclude<Phase, 'reset'>;

/** Everything a run of calls adds up, to repeat identical runs without replaying them. */
interface Snapshot {
  tallies: Tally[];
  epoch: EpochCounts;
  batches: Record<CountedPhase, number>;
  rowsRun: number;
  maskedRowsRun: number;
  evidence: Pick<FlowEvidence, 'carries' | 'fitCarries' | 'notStored' | 'broadcasts' | 'initialStateStarts'>;
}

const noSamples = new Int32Array(0);

export function expectedTotals(config: SimulationConfig): ExpectedTotals {
  const N = config.samples;
  const layers = resolveLayers(config);
  // a layer given another layer's final states as initial_state (a decoder), and shared layers' later calls
  const wiring = layers.map((layer) => wiredStart(layer, config.keras));
  const stateful = layers.some((layer) => layer.stateful);
  const firstStateful = layers.findIndex((layer) => layer.stateful);
  const execution = executionOf(config);
  const profile = kerasProfiles[config.keras];
  const torchFails = stateful && torchInplaceFailure(config, execution);
  const flow = new StateFlow(initialStateMode(config));
  const tfTraces = new TfTraces(execution);
  let stateRows: number | undefined = config.builtByFirstCall ? undefined : (config.stateBatchSize ?? config.batchSize);
  let lossBuilt = false;

  const tallies: Tally[] = layers.map(() => ({ resetEvents: 0, rowResets: 0, carries: 0, ...noOtherStarts(), fromLayerStarts: 0, byReason: zeroByReason() }));
  const perEpoch = new Map<number, EpochCounts>();
  const at = (epoch: number) => {
    let counts = perEpoch.get(epoch);
    if (!counts) perEpoch.set(epoch, (counts = { epoch, batches: 0, resetEvents: 0, rowResets: 0, carries: 0, ...noOtherStarts() }));
    return counts;
  };
  const batches: Record<CountedPhase, number> = { fit: 0, validate: 0, evaluate: 0, predict: 0, train_on_batch: 0, predict_on_batch: 0, call: 0 };
  let epoch = 0;
  let planStep = 0;
  let rowsRun = 0;
  let maskedRowsRun = 0;
  const failures: RunFailure[] = [];
  /** The exception that ended the script (not caught). */
  let failure: RunFailure | undefined;
  /** Fit epochs cut short by an exception. */
  let abortedEpochs = 0;
  /** The current step catches its exception. */
  let catching = false;

  const addEvents = (layer: number, reason: ResetReason, rows: number, count: number, atEpoch = epoch) => {
    if (count === 0) return;
    const tally = tallies[layer]!;
    tally.byReason[reason] += count;
    const counts = at(atEpoch);
    if (zeroes(reason)) {
      tally.resetEvents += count;
      tally.rowResets += rows * count;
      counts.resetEvents += count;
      counts.rowResets += rows * count;
    } else {
      // a start from something else than zeros: its own kind, never a reset
      const field = otherStartFields[reason];
      tally[field] += count;
      counts[field] += count;
    }
  };
  const zeroStateful = (reason: 'initial' | 'reset-states', atEpoch = epoch) => {
    layers.forEach((layer, i) => {
      if (layer.stateful && !layer.call) addEvents(i, reason, stateRows!, 1, atEpoch);
    });
    flow.zero();
  };
  const fail = (phase: Phase, batch: number, check: FailureCheck, details: { samples: number; batchSize: number; rows: number; defaulted: boolean }, timing: RunPosition['timing'] = 'before-batch') => {
    if (phase === 'fit' || phase === 'validate') abortedEpochs++;
    at(epoch);
    const raised: RunFailure = {
      position: { phase, epoch, batch, timing, planStep: Math.max(planStep, 1) },
      check,
      samples: details.samples,
      batchSize: details.batchSize,
      rows: details.rows,
      stateRows: stateRows ?? 0,
      batchSizeDefaulted: details.defaulted,
      ...(catching ? { caught: true } : {}),
    };
    failures.push(raised);
    if (!catching) failure = raised;
  };

  /** `count` consecutive calls of `rows` rows (batches firstBatch, firstBatch + 1, …), counted in O(layers). */
  const runCalls = (phase: CountedPhase, count: number, rows: number, firstBatch: number, broadcast: boolean, initialState: boolean) => {
    if (count === 0) return;
    batches[phase] += count;
    rowsRun += rows * count;
    if (layers.some((layer) => layerAppliesMask(layer, config.keras, initialState))) maskedRowsRun += rows * count;
    const counts = at(epoch);
    counts.batches += count;
    layers.forEach((layer, i) => {
      if (layer.stateful) return;
      // a stateless layer given another layer's states starts from them; otherwise from zeros (or the passed initial_state)
      if (wiring[i] === 'always') tallies[i]!.fromLayerStarts += count;
      // a layer above a broadcast one gets every state row
      else addEvents(i, initialState ? 'initial-state' : 'batch-start', broadcast && i > firstStateful ? stateRows! : rows, count);
    });
    if (!stateful) return;
    const rule = stateRule(execution, phase, rows);
    const make = (k: number): LayerCall => ({
      phase,
      epoch,
      batch: firstBatch + k,
      planStep,
      rows,
      samples: noSamples,
      state: rule,
      ...(broadcast ? { broadcast: true } : {}),
      ...(initialState ? { initialState: true } : {}),
    });
    const outcomes = flow.callMany(make, count);
    layers.forEach((layer, i) => {
      if (!layer.stateful) return;
      const wired = wiring[i]!;
      if (wired === 'always') {
        // §6: the passed state wins on every call
        tallies[i]!.fromLayerStarts += count;
        return;
      }
      if (wired === 'while-zero') {
        // tf.keras: the passed state right after zeros, the stored state afterwards
        tallies[i]!.fromLayerStarts += outcomes.fresh;
        tallies[i]!.carries += count - outcomes.fresh;
        counts.carries += count - outcomes.fresh;
        return;
      }
      if (layer.call) {
        // a shared layer's later call continues its earlier call of the same batch
        tallies[i]!.carries += count;
        counts.carries += count;
        return;
      }
      // a broadcast call runs one sample against every carried row (§R2): counted as a broadcast, not a carry
      const broadcastHere = broadcast && i === firstStateful && rule.writes;
      if (!broadcastHere) {
        tallies[i]!.carries += outcomes.carried;
        counts.carries += outcomes.carried;
      }
      addEvents(i, 'not-stored', stateRows!, outcomes['not-stored']);
      addEvents(i, 'initial-state', stateRows!, outcomes['initial-state']);
      if (broadcastHere) addEvents(i, 'broadcast', stateRows!, count);
    });
  };

  const snapshot = (): Snapshot => ({
    tallies: tallies.map((t) => ({ ...t, byReason: { ...t.byReason } })),
    epoch: { ...at(epoch) },
    batches: { ...batches },
    rowsRun,
    maskedRowsRun,
    evidence: {
      carries: flow.evidence.carries,
      fitCarries: flow.evidence.fitCarries,
      notStored: flow.evidence.notStored,
      broadcasts: flow.evidence.broadcasts,
      initialStateStarts: flow.evidence.initialStateStarts,
    },
  });
  /** Adds `times` × (after − before). */
  const repeat = (before: Snapshot, after: Snapshot, times: number) => {
    tallies.forEach((tally, i) => {
      const a = after.tallies[i]!;
      const b = before.tallies[i]!;
      tally.resetEvents += times * (a.resetEvents - b.resetEvents);
      tally.rowResets += times * (a.rowResets - b.rowResets);
      tally.carries += times * (a.carries - b.carries);
      tally.fromLayerStarts += times * (a.fromLayerStarts - b.fromLayerStarts);
      for (const key of otherStartKeys) tally[key] += times * (a[key] - b[key]);
      for (const reason of Object.keys(tally.byReason) as ResetReason[]) tally.byReason[reason] += times * (a.byReason[reason] - b.byReason[reason]);
    });
    const counts = at(epoch);
    counts.batches += times * (after.epoch.batches - before.epoch.batches);
    counts.resetEvents += times * (after.epoch.resetEvents - before.epoch.resetEvents);
    counts.rowResets += times * (after.epoch.rowResets - before.epoch.rowResets);
    counts.carries += times * (after.epoch.carries - before.epoch.carries);
    for (const key of otherStartKeys) counts[key] += times * (after.epoch[key] - before.epoch[key]);
    for (const phase of Object.keys(batches) as CountedPhase[]) batches[phase] += times * (after.batches[phase] - before.batches[phase]);
    rowsRun += times * (after.rowsRun - before.rowsRun);
    maskedRowsRun += times * (after.maskedRowsRun - before.maskedRowsRun);
    const evidence = flow.evidence;
    for (const key of ['carries', 'fitCarries', 'notStored', 'broadcasts', 'initialStateStarts'] as const) {
      evidence[key] += times * (after.evidence[key] - before.evidence[key]);
    }
  };

  /** What a batch of `rows` rows does to a stateful model: run, broadcast, or fail (backends.ts wrongRows). */
  const outcomeOf = (rows: number, staticShape: boolean, firstTrainerBuild: boolean) => {
    if (!stateful || rows === stateRows) return { kind: 'ok' as const };
    return wrongRows(execution, staticShape, rows, firstTrainerBuild, stateRows);
  };

  /** A Sequential without an Input is built by its first call (tensorflow, direct calls) or fails (§R5); false when it fails. */
  const buildIfNeeded = (phase: CountedPhase, rows: number, details: { samples: number; batchSize: number; defaulted: boolean }): boolean => {
    if (!stateful || stateRows !== undefined) return true;
    if (unbuiltFails(execution, phase)) {
      fail(phase, 1, 'unbuilt-in-trainer', { ...details, rows });
      return false;
    }
    stateRows = rows;
    zeroStateful('initial');
    return true;
  };

  /**
   * The batches of one call (a fit epoch's training batches, a validation, evaluate or predict):
   * `count` batches of `batchSize` rows except the partial one (`partialRows` rows at 1-based
   * position `partialAt`, 0 for none), with a reset after every K-th batch when `resetsEvery` > 0.
   * Returns false when the run stops.
   */
  const runPhase = (
    phase: CountedPhase,
    count: number,
    batchSize: number,
    partialRows: number,
    partialAt: number,
    details: { samples: number; defaulted: boolean; staticShape: boolean; partialStatic?: boolean; firstTrainerCall: boolean; resetsEvery: number; initialState: boolean },
  ): boolean => {
    if (count === 0) return true;
    const firstRows = partialAt === 1 ? partialRows : batchSize;
    if (!buildIfNeeded(phase, firstRows, { samples: details.samples, batchSize, defaulted: details.defaulted })) return false;
    const firstTrainerBuild = details.firstTrainerCall && buildsSymbolically(phase) && !lossBuilt;
    if (details.firstTrainerCall && buildsSymbolically(phase)) lossBuilt = true;
    const full = outcomeOf(batchSize, details.staticShape, firstTrainerBuild && partialAt !== 1);
    const fullLater = outcomeOf(batchSize, details.staticShape, false);
    const partial = partialAt > 0 ? outcomeOf(partialRows, details.partialStatic ?? details.staticShape, firstTrainerBuild && partialAt === 1) : undefined;
    // the first batch that fails, and how
    let failAt = Infinity;
    let failCheck: FailureCheck | undefined;
    let failRows = 0;
    const firstFull = partialAt === 1 ? 2 : 1;
    const fullOutcome = firstFull === 1 ? full : fullLater;
    if (firstFull <= count && fullOutcome.kind === 'fail') {
      failAt = firstFull;
      failCheck = fullOutcome.check;
      failRows = batchSize;
    }
    if (partial?.kind === 'fail' && partialAt < failAt) {
      failAt = partialAt;
      failCheck = partial.check;
      failRows = partialRows;
    }
    let ran = Math.min(count, failAt - 1);
    // torch.compile fails compiling the first batch's step before it runs; eager torch after it ran
    const torchCompileStops = torchFails && execution.torchCompile && isTrainingPhase(phase) && ran >= 1;
    const torchStops = torchFails && !execution.torchCompile && isTrainingPhase(phase) && ran >= 1;
    if (torchStops) ran = 1;
    if (torchCompileStops) ran = 0;
    const fullBroadcast = fullOutcome.kind === 'broadcast';
    const partialBroadcast = partial?.kind === 'broadcast';
    /** Batches [from, to] without a reset inside, split around the partial batch. */
    const segment = (from: number, to: number) => {
      if (to < from) return;
      const init = details.initialState;
      if (partialAt >= from && partialAt <= to) {
        runCalls(phase, partialAt - from, batchSize, from, fullBroadcast, init);
        runCalls(phase, 1, partialRows, partialAt, partialBroadcast, init);
        runCalls(phase, to - partialAt, batchSize, partialAt + 1, fullBroadcast, init);
      } else {
        runCalls(phase, to - from + 1, batchSize, from, fullBroadcast, init);
      }
    };
    const K = details.resetsEvery;
    if (K === 0 || !stateful) {
      segment(1, ran);
    } else {
      // chunks of K batches, each followed by a reset when it ran to its end; chunks between the
      // first, the one with the partial batch and the last start and end at zeros and count alike
      const chunks = Math.ceil(ran / K);
      const special = new Set([1, chunks, partialAt > 0 ? Math.ceil(partialAt / K) : 0]);
      let memo: { before: Snapshot; after: Snapshot } | undefined;
      let c = 1;
      while (c <= chunks) {
        const complete = c * K <= ran && !(torchStops && c * K === 1);
        const regular = c >= 2 && complete && !special.has(c);
        if (regular && memo) {
          let end = c;
          while (end + 1 <= chunks && (end + 1) * K <= ran && !special.has(end + 1)) end++;
          repeat(memo.before, memo.after, end - c + 1);
          c = end + 1;
          continue;
        }
        const before = regular ? snapshot() : undefined;
        segment((c - 1) * K + 1, Math.min(c * K, ran));
        if (complete) zeroStateful('reset-states');
        if (before) memo = { before, after: snapshot() };
        c++;
      }
    }
    if (torchCompileStops) {
      fail(phase, 1, 'torch-compile-inplace', { samples: details.samples, batchSize, rows: firstRows, defaulted: details.defaulted });
      return false;
    }
    if (torchStops) {
      fail(phase, 1, 'torch-inplace', { samples: details.samples, batchSize, rows: firstRows, defaulted: details.defaulted }, 'after-batch');
      return false;
    }
    if (failCheck !== undefined) {
      fail(phase, failAt, failCheck, { samples: details.samples, batchSize, rows: failRows, defaulted: details.defaulted });
      return false;
    }
    return true;
  };

  /**
   * The up-front divisibility checks (§2.1): K2mb and TF.js fit and evaluate always; K2mb predict when
   * N > batch_size (TF.js predict has none: tfjs-layers engine/training.ts predict).
   */
  const upfront = (phase: 'fit' | 'evaluate' | 'predict', count: number, batchSize: number) =>
    stateful &&
    profile.partialBatchCheck === 'upfront' &&
    (phase === 'predict' ? profile.predictUpfront && count > batchSize && count % batchSize !== 0 : count % batchSize !== 0);

  /** evaluate, predict or a validation: batches in order, the partial one last. */
  const initialStatePassed = initialStateEveryCall(config);
  const inOrder = (phase: CountedPhase, count: number, batchSize: number, defaulted: boolean): boolean => {
    const n = batchCount(count, batchSize);
    if (n === 0) return true;
    const partialRows = count % batchSize;
    // predict passes each batch's arrays to its tf.function; fit and evaluate pass a dataset
    const perBatch = phase === 'predict';
    const staticShape = perBatch ? (n > (partialRows > 0 ? 1 : 0) ? tfTraces.staticShape(phase, batchSize) : true) : tfTraces.staticShape(phase, partialRows === 0 ? batchSize : null);
    const partialStatic = perBatch && partialRows > 0 ? tfTraces.staticShape(phase, partialRows) : staticShape;
    return runPhase(phase, n, batchSize, partialRows, partialRows > 0 ? n : 0, {
      samples: count,
      defaulted,
      staticShape,
      partialStatic,
      firstTrainerCall: true,
      resetsEvery: 0,
      initialState: initialStatePassed,
    });
  };

  const fit = (step: Extract<FlatPlanStep, { type: 'fit' }>): boolean => {
    const { count } = rangeOf(step, N);
    const batchSize = fitBatchSize(step);
    const defaulted = step.batchSize === undefined;
    const split = step.validationData ? { trainSamples: count, validationSamples: 0 } : splitData(count, step.validationSplit ?? 0);
    const validation = step.validationData ? rangeOf(step.validationData, N).count : split.validationSamples;
    const validationBatchSize = step.validationBatchSize ?? batchSize;
    const policy = step.resetEvery ?? config.resetEvery;
    if (upfront('fit', count, batchSize) || (step.validationData !== undefined && upfront('fit', validation, validationBatchSize))) {
      epoch++;
      const failing = count % batchSize !== 0 ? count : validation;
      fail('fit', 1, 'fit-upfront', { samples: failing, batchSize, rows: failing % batchSize, defaulted });
      return false;
    }
    if (config.keras === 'tfjs' && step.shuffle === 'batch') {
      // tfjs-layers fitLoop: NotImplementedError at the start of the first epoch, before any batch
      epoch++;
      fail('fit', 1, 'tfjs-shuffle-batch', { samples: count, batchSize, rows: 0, defaulted });
      return false;
    }
    const train = split.trainSamples;
    const n = batchCount(train, batchSize);
    const partialRows = train % batchSize;
    const resetsEvery = stateful && typeof policy === 'object' ? policy.everyBatches : 0;
    for (let e = 1; e <= step.epochs; e++) {
      epoch++;
      at(epoch);
      const partialAt = partialRows > 0 ? partialBatchPosition(train, batchSize, step.shuffle, config.keras, shuffleSeed(config, epoch)) + 1 : 0;
      const staticShape = n > 0 && tfTraces.staticShape('fit', partialRows === 0 ? batchSize : null);
      const details = { samples: train, defaulted, staticShape, firstTrainerCall: e === 1, resetsEvery, initialState: initialStatePassed };
      if (!runPhase('fit', n, batchSize, partialRows, partialAt, details)) return false;
      if (!inOrder('validate', validation, validationBatchSize, step.validationBatchSize === undefined && defaulted)) return false;
      if (stateful && policy === 'epoch' && stateRows !== undefined) zeroStateful('reset-states');
    }
    return true;
  };

  const first = flatSteps(planOf(config)).next().value;
  const tfjsFailure = tfjsLoadFailure(config);
  if (tfjsFailure) {
    // TF.js cannot load the model (an unknown class, a GRU with reset_after=true): nothing runs
    epoch = 1;
    fail('fit', 1, tfjsFailure.check, { samples: N, batchSize: config.batchSize, rows: 0, defaulted: config.batchSizeDefaulted ?? false });
  } else if (stateful && config.unknownStateBatch) {
    // Keras refuses to build the stateful layers: nothing runs
    epoch = 1;
    fail('fit', 1, 'unknown-batch', { samples: N, batchSize: config.batchSize, rows: 0, defaulted: config.batchSizeDefaulted ?? false });
  } else if (stateful && stateRows !== undefined) {
    zeroStateful('initial', first === undefined || first.type === 'fit' ? 1 : 0);
  }
  for (const step of flatSteps(planOf(config))) {
    if (failure) break;
    planStep++;
    catching = step.catch === true;
    if (step.type === 'reset') {
      // Keras 3 has no Model.reset_states (§2.1 Reset API): AttributeError
      if (step.method === 'model.reset_states' && profile.keras3) fail('reset', 0, 'no-model-reset-states', { samples: 0, batchSize: 0, rows: 0, defaulted: false }, 'between-calls');
      else if (stateful && stateRows !== undefined) zeroStateful('reset-states');
      continue;
    }
    if (step.type === 'train_on_batch' || step.type === 'predict_on_batch' || step.type === 'call') {
      const { count } = batchStepSamples(step, stateRows ?? config.batchSize);
      const staticShape = tfTraces.staticShape(step.type, count);
      const initialState = initialStatePassed || (step.type === 'call' && step.initialState === true);
      runPhase(step.type, 1, count, 0, 0, { samples: count, defaulted: false, staticShape, firstTrainerCall: true, resetsEvery: 0, initialState });
      continue;
    }
    if (step.type === 'evaluate' || step.type === 'predict') {
      const { count } = rangeOf(step, N);
      const batchSize = step.batchSize ?? kerasDefaultBatchSize;
      const defaulted = step.batchSize === undefined;
      if (upfront(step.type, count, batchSize)) {
        fail(step.type, 1, step.type === 'evaluate' ? 'fit-upfront' : 'predict-upfront', { samples: count, batchSize, rows: count % batchSize, defaulted });
        continue;
      }
      inOrder(step.type, count, batchSize, defaulted);
      continue;
    }
    fit(step);
  }

  // each layer once: a shared layer's calls add up
  const byName = new Map<string, LayerCounts & { byReason: Record<ResetReason, number> }>();
  layers.forEach((layer, i) => {
    const tally = tallies[i]!;
    const entry = byName.get(layer.name);
    if (!entry) {
      byName.set(layer.name, { layer: layer.name, ...tally, byReason: { ...tally.byReason } });
      return;
    }
    byName.set(layer.name, {
      ...entry,
      resetEvents: entry.resetEvents + tally.resetEvents,
      rowResets: entry.rowResets + tally.rowResets,
      carries: entry.carries + tally.carries,
      broadcastStarts: entry.broadcastStarts + tally.broadcastStarts,
      storedRestarts: entry.storedRestarts + tally.storedRestarts,
      initialStateStarts: entry.initialStateStarts + tally.initialStateStarts,
      fromLayerStarts: entry.fromLayerStarts + tally.fromLayerStarts,
      byReason: Object.fromEntries(Object.entries(entry.byReason).map(([k, v]) => [k, v + tally.byReason[k as ResetReason]])) as Record<ResetReason, number>,
    });
  });
  const perLayer = [...byName.values()];
  const sum = (key: 'resetEvents' | 'rowResets' | 'carries' | 'fromLayerStarts' | OtherStartField) => perLayer.reduce((a, layer) => a + layer[key], 0);
  const byReason = zeroByReason();
  for (const tally of tallies) for (const reason of Object.keys(byReason) as ResetReason[]) byReason[reason] += tally.byReason[reason];
  return {
    batches: Object.values(batches).reduce((a, b) => a + b, 0),
    fitBatches: batches.fit,
    validationBatches: batches.validate,
    evaluateBatches: batches.evaluate,
    predictBatches: batches.predict,
    trainOnBatchBatches: batches.train_on_batch,
    predictOnBatchBatches: batches.predict_on_batch,
    directCalls: batches.call,
    resetEvents: sum('resetEvents'),
    rowResets: sum('rowResets'),
    carries: sum('carries'),
    broadcastStarts: sum('broadcastStarts'),
    storedRestarts: sum('storedRestarts'),
    initialStateStarts: sum('initialStateStarts'),
    fromLayerStarts: sum('fromLayerStarts'),
    failedCalls: failures.length,
    byReason,
    perEpoch: [...perEpoch.values()].sort((a, b) => a.epoch - b.epoch),
    perLayer,
    epochsCompleted: epoch - abortedEpochs,
    completed: failure === undefined,
    rowsRun,
    maskedRowsRun,
    evidence: flow.evidence,
    failures,
    ...(failure ? { failure } : {}),
  };
}
