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
  | 'reset-states';

export const resetReasons: readonly ResetReason[] = ['initial', 'batch-start', 'reset-states'];

/**
 * Which call of the user's script a layer call belongs to: fit's training batches, its validation,
 * evaluate(), predict(), or an explicit reset between calls.
 */
export type Phase = 'fit' | 'validate' | 'evaluate' | 'predict' | 'reset';

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
}
