/**
 * What a run produces: the reset table, the totals and the findings. Every output format (table,
 * JSON, TSV, NDJSON) renders this one object.
 */
import type { LayerSpec, SimulationConfig } from '../keras/config.ts';
import type { EventReason, EventTiming, Phase, ResetReason } from '../keras/events.ts';
import type { Finding } from '../keras/findings.ts';
import type { Backend } from '../keras/profiles.ts';

/**
 * One row of the event table: a layer's state is zeroed at this point of the run (a reset: initial,
 * batch-start, reset-states), or a call starts from something other than its carry or zeros
 * (broadcast, not-stored, initial-state, from-layer), listed but not counted as a reset.
 */
export interface ResetEvent {
  /** 1-based position in the run's event list. */
  readonly index: number;
  /** Why: a reset reason, or 'from-layer' (the call starts from another layer's final states: not a reset). */
  readonly reason: EventReason;
  readonly phase: Phase;
  readonly epoch: number;
  /** The batch the event precedes (before-batch) or follows (after-batch, epoch-end: the epoch's last training batch). */
  readonly batch: number;
  readonly timing: EventTiming;
  /** 1-based step of the training plan (1 for a single fit). */
  readonly planStep: number;
  readonly layer: string;
  /**
   * Sequence rows the event concerns, one independent state per row: zeroed (initial, batch-start,
   * reset-states) or started from something else (the other reasons).
   */
  readonly rows: number;
  /** State tensors zeroed per row (LSTM: h and c). */
  readonly stateTensors: number;
  /** Mean |h| of the state thrown away (0 where there is none; null in a --count-only run, which has no forward pass). */
  readonly discardedMeanAbsH: number | null;
}

export interface EpochTotals {
  readonly epoch: number;
  /** Layer calls in this epoch (training and validation batches). */
  readonly batches: number;
  /** Reset events that zero the state (initial, batch-start, reset-states). */
  readonly resetEvents: number;
  readonly rowResets: number;
  readonly carries: number;
  /** Layer calls whose 1-row batch was broadcast into every state row (§R2). */
  readonly broadcastStarts: number;
  /** JAX: layer calls that restarted from the stored state variable, not the previous call's final state (§R1). */
  readonly storedRestarts: number;
  /** Layer calls that started from the passed initial_state (§6). */
  readonly initialStateStarts: number;
}

export interface Totals {
  /** Model calls that ran: training and validation batches, evaluate, predict, *_on_batch and direct calls. */
  readonly batches: number;
  readonly fitBatches: number;
  readonly validationBatches: number;
  /** Batches of evaluate() and predict() steps of a plan. */
  readonly evaluateBatches: number;
  readonly predictBatches: number;
  /** train_on_batch() and predict_on_batch() calls of a plan. */
  readonly trainOnBatchBatches: number;
  readonly predictOnBatchBatches: number;
  /** Direct model(x) calls of a plan. */
  readonly directCalls: number;
  /**
   * Events that zero the state: initial, batch-start and reset-states only (= the sum of those three
   * in byReason). Starts from anything else are counted apart (broadcastStarts, storedRestarts,
   * initialStateStarts, fromLayerStarts, failedCalls), never as resets.
   */
  readonly resetEvents: number;
  /** Sequence rows zeroed, summed over the zeroing events (resetEvents). */
  readonly rowResets: number;
  /** Layer calls that started from the previous call's final state, row by row (a broadcast call is not one: broadcastStarts). */
  readonly carries: number;
  /**
   * Layer calls whose 1-row batch was broadcast against every carried state row, all of them
   * overwritten with that one sample's result (tensorflow partial batch, Keras < 3.12; §R2). Not a
   * reset and not a carry. Equals byReason.broadcast.
   */
  readonly broadcastStarts: number;
  /**
   * JAX: layer calls that restarted from the state variable's stored value (its value when the
   * function was traced, or its current value with run_eagerly / jit_compile=False) instead of the
   * previous call's final state, because fit/evaluate/predict never write it (§R1). Nothing is zeroed
   * (the stored value may be non-zero). Equals byReason['not-stored'].
   */
  readonly storedRestarts: number;
  /** Layer calls that started from the initial_state passed to the layer (§6), stateful or not. Equals byReason['initial-state']. */
  readonly initialStateStarts: number;
  /** Calls (or steps) at which Keras raises, caught ones included: they start nothing (the strip's X). */
  readonly failedCalls: number;
  /** Layer calls that started from another layer's final states (initial_state, e.g. a decoder from its encoder); not resets. */
  readonly fromLayerStarts: number;
  /**
   * Listed events by reason (every reason present, 0 where none): the zeroing ones (initial,
   * batch-start, reset-states) add up to resetEvents; broadcast, not-stored and initial-state are the
   * starts counted in broadcastStarts, storedRestarts and initialStateStarts.
   */
  readonly byReason: Readonly<Record<ResetReason, number>>;
  readonly perEpoch: readonly EpochTotals[];
  /** Epochs that ran to their end (fewer than configured when Keras would stop). */
  readonly epochsCompleted: number;
  readonly trainSamples: number;
  readonly validationSamples: number;
  /** The same counts for each layer (the totals above add them up over layers). */
  readonly perLayer: readonly LayerTotals[];
  /** Masking: (row, timestep) pairs that were padding, over all model calls (null when not counted: --count-only with --mask-fraction). */
  readonly maskedSteps: number | null;
  /** Masking: rows of model calls whose every step was padding; their state passed through unchanged. */
  readonly passThroughRows: number | null;
}

export interface LayerTotals extends LayerSpec {
  readonly resetEvents: number;
  readonly rowResets: number;
  readonly carries: number;
  readonly broadcastStarts: number;
  readonly storedRestarts: number;
  readonly initialStateStarts: number;
  /** Calls that started from another layer's final states (initial_state). */
  readonly fromLayerStarts: number;
  readonly byReason: Readonly<Record<ResetReason, number>>;
}

export interface SimulationResult {
  readonly config: SimulationConfig & { readonly backend: Backend; readonly kerasLabel: string; readonly resolvedLayers: readonly LayerSpec[] };
  readonly events: readonly ResetEvent[];
  readonly totals: Totals;
  readonly findings: readonly Finding[];
  /** False when Keras would raise and the run stops early (see the error finding). */
  readonly completed: boolean;
  /** The plain-language answer, one sentence per line. */
  readonly answer: readonly string[];
  /** Mean |h| of the last layer's final state after the last model call (0 if none ran; null in a --count-only run). */
  readonly finalMeanAbsH: number | null;
  /** True when the totals are the closed form and no forward pass ran (--count-only). */
  readonly countOnly: boolean;
}

/** Events a run lists: its resets and every start event that is not one (broadcast, not-stored, initial-state, from-layer). */
export function listedEventCount(totals: Totals): number {
  return totals.resetEvents + totals.broadcastStarts + totals.storedRestarts + totals.initialStateStarts + totals.fromLayerStarts;
}
