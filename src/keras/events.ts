/**
 * The vocabulary of a run's schedule: which call of the user's script a layer call belongs to, where
 * in the run something happens, and why a state is zero (shared/keras-semantics.md §1-§3).
 */

/** Why a layer's state is zero at this point. */
export type ResetReason =
  /** stateful: the state variables are created as zeros when the layer is built (§2.1 "build()"). */
  | 'initial'
  /** stateless: every layer call starts from fresh zeros (§1). */
  | 'batch-start'
  /** stateful: an explicit layer.reset_state(s)() / model.reset_states() call (§2.1 "Reset API"). */
  | 'reset-states'
  /**
   * stateful on JAX: the call does not start from the previous call's final state, which fit,
   * evaluate, predict and *_on_batch never store; it starts from the variable's value when the
   * compiled function was traced (jit) or its current value (run_eagerly) (§R1).
   */
  | 'not-stored'
  /** stateful: the call starts from the initial_state passed to the layer, not from the carried state (§6). */
  | 'initial-state'
  /**
   * stateful: a 1-row batch is broadcast against every state row, and all of them are overwritten with
   * that one sample's result (tensorflow with a partial batch, or any backend before Keras 3.12; §R2, keras#21183).
   */
  | 'broadcast';

export const resetReasons: readonly ResetReason[] = ['initial', 'batch-start', 'reset-states', 'not-stored', 'initial-state', 'broadcast'];

/**
 * The reasons that zero the state: the only resets. The others start a call from something that is
 * not zeros made for it (JAX's stored value, a passed initial_state, a broadcast over the carried
 * rows); they are listed as events but counted as their own kinds, never as resets or rows zeroed.
 */
export type ZeroingReason = 'initial' | 'batch-start' | 'reset-states';
export const zeroingReasons: readonly ZeroingReason[] = ['initial', 'batch-start', 'reset-states'];

/** True when an event with this reason zeroes its rows (a reset). */
export function zeroes(reason: EventReason): reason is ZeroingReason {
  return reason === 'initial' || reason === 'batch-start' || reason === 'reset-states';
}

/** The start kinds that are neither a carry nor zeros, each counted in the totals under its own name. */
export type OtherStartReason = Exclude<ResetReason, ZeroingReason>;
/** The totals field that counts each such start (totals, perEpoch, perLayer). */
export const otherStartFields = { broadcast: 'broadcastStarts', 'not-stored': 'storedRestarts', 'initial-state': 'initialStateStarts' } as const;
export type OtherStartField = (typeof otherStartFields)[OtherStartReason];

/**
 * Why an event is listed: a reset, or `from-layer`: the call starts from another layer's final states
 * passed as initial_state (a seq2seq decoder from its encoder, §6), which is never a reset.
 */
export type EventReason = ResetReason | 'from-layer';

export const eventReasons: readonly EventReason[] = [...resetReasons, 'from-layer'];

/** Every reason with a zero count. */
export function zeroByReason(): Record<ResetReason, number> {
  return { initial: 0, 'batch-start': 0, 'reset-states': 0, 'not-stored': 0, 'initial-state': 0, broadcast: 0 };
}

/**
 * Which call of the user's script a layer call belongs to: fit's training batches, its validation,
 * evaluate(), predict(), train_on_batch(), predict_on_batch(), a direct model(x) call ('call'), or
 * an explicit reset between calls.
 */
export type Phase = 'fit' | 'validate' | 'evaluate' | 'predict' | 'train_on_batch' | 'predict_on_batch' | 'call' | 'reset';

export const phases: readonly Phase[] = ['fit', 'validate', 'evaluate', 'predict', 'train_on_batch', 'predict_on_batch', 'call', 'reset'];

/** When an event happens relative to the batch it names. */
export type EventTiming = 'before-batch' | 'after-batch' | 'epoch-end' | 'between-calls';

/**
 * Where in the run something happens. `batch` is 1-based within its phase and epoch (0 for a reset
 * between calls); `epoch` counts fit epochs over the whole run (0 before the first fit);
 * `planStep` is the 1-based step of the training plan (1 for a single fit).
 */
export interface RunPosition {
  readonly phase: Phase;
  readonly epoch: number;
  readonly batch: number;
  readonly timing: EventTiming;
  /** Absent means 1 (a single fit). */
  readonly planStep?: number;
}

/** A layer call: one batch through one layer. */
export interface LayerCall {
  readonly phase: Phase;
  readonly epoch: number;
  readonly batch: number;
  /** Absent means 1 (a single fit). */
  readonly planStep?: number;
  /** Rows of this batch (the last batch of a phase may be partial). */
  readonly rows: number;
  /** Sample index (into the whole data set) of each row; valid only during the call (the buffer is reused). */
  readonly samples: Int32Array;
  /**
   * Stateful layers: where the call starts and whether it stores its final state (backends.ts
   * stateRule, §R1). Absent: from the stored state, stored afterwards.
   */
  readonly state?: { readonly source: 'stored' | 'trace'; readonly traceKey?: string; readonly writes: boolean };
  /** A 1-row batch broadcast against the stateful layers' state rows (§R2); `rows` is 1. */
  readonly broadcast?: boolean;
  /** initial_state is passed to the recurrent layers in this call (§6). */
  readonly initialState?: boolean;
}
