/**
 * State hooks: the seam through which the simulator's reset table is recorded. The layer calls them
 * from inside the running forward pass, with live views of its state buffers. Where and why (the
 * run positions and reset reasons) are Keras's schedule, in keras/events.ts.
 */
import type { LayerCall, ResetReason, RunPosition } from '../keras/events.ts';
import type { BatchSizeFailure } from '../keras/schedule.ts';

/** Live views of a layer's state: rows x units, row-major. Valid only during the hook call. */
export interface LayerState {
  readonly layer: string;
  readonly rows: number;
  readonly units: number;
  /** Hidden state h (also the layer's output). */
  readonly h: Float32Array;
  /** Cell state c (LSTM; empty for GRU and SimpleRNN). */
  readonly c: Float32Array;
  /** Every state tensor in Keras order: [h, c] for LSTM, [h] for GRU/SimpleRNN, forward then backward for Bidirectional. */
  readonly states: readonly Float32Array[];
  /**
   * Stateful layers: the state variable (Keras order, like `states`). It differs from `states` when
   * calls do not store their final state (JAX inside the trainer, §R1).
   */
  readonly stored?: readonly Float32Array[];
}

export interface ResetInfo {
  readonly layer: string;
  readonly reason: ResetReason;
  readonly position: RunPosition;
  /** Sequence rows whose state is zeroed. */
  readonly rows: number;
  /** State tensors zeroed per row (LSTM: h and c). */
  readonly stateTensors: number;
  /**
   * Mean |h| of the state thrown away: the stored state (stateful) or the previous call's final
   * state that a stateful layer would have carried (stateless); 0 where there is none.
   */
  readonly discardedMeanAbsH: number;
}

export interface CarryInfo {
  readonly layer: string;
  readonly position: RunPosition;
  readonly rows: number;
  /** Mean |h| of the carried state the call starts from. */
  readonly carriedMeanAbsH: number;
}

/** A call starts from another layer's final states passed as initial_state (§6): not a reset. */
export interface FromLayerInfo {
  readonly layer: string;
  /** The layer whose final states are passed. */
  readonly from: string;
  readonly position: RunPosition;
  readonly rows: number;
  readonly stateTensors: number;
  /** Mean |h| of the state the call replaces (the previous call's final state; 0 where there is none). */
  readonly discardedMeanAbsH: number;
}

/** Observers of a layer's state. All are optional; `onStep` costs a call per timestep. */
export interface StateHooks {
  /**
   * The state was zeroed (reasons initial, batch-start, reset-states: `state` already shows the
   * zeros), or a call starts from something other than its carry (broadcast, not-stored,
   * initial-state: `state` shows that start). Only the first are resets (events.ts zeroes()).
   */
  onReset?(info: ResetInfo, state: LayerState): void;
  /** A stateful call starts from the state the previous call left (a broadcast call does not: onReset 'broadcast'). */
  onCarry?(info: CarryInfo, state: LayerState): void;
  /** A stateful layer's call begins: nothing is decided yet (`state` is the previous call's end). */
  onCallBegin?(call: LayerCall, state: LayerState): void;
  /** A call starts from another layer's final states (initial_state). */
  onFromLayer?(info: FromLayerInfo, state: LayerState): void;
  /**
   * Before the time loop of a call (after any reset or carry): `timesteps` of this call (a layer may
   * have its own, e.g. a decoder), and `mask` (rows, timesteps), 0 = padded step, when masking.
   */
  onBatchStart?(call: LayerCall, state: LayerState, mask?: Uint8Array, timesteps?: number): void;
  /** After the time loop: `state` holds the final states. */
  onBatchEnd?(call: LayerCall, state: LayerState): void;
  /** After timestep `timestep` (0-based) of a call. */
  onStep?(call: LayerCall, timestep: number, state: LayerState): void;
  /** Keras raises here (a stateful batch of the wrong size) and the run stops. */
  onFailure?(failure: BatchSizeFailure): void;
}

/** Calls every hook set in order, so several observers can watch one run. */
export function combineHooks(...all: StateHooks[]): StateHooks {
  const withHook = <K extends keyof StateHooks>(key: K) => all.filter((hooks) => hooks[key] !== undefined);
  const combined: StateHooks = {};
  const onReset = withHook('onReset');
  if (onReset.length > 0) combined.onReset = (info, state) => onReset.forEach((h) => h.onReset!(info, state));
  const onCarry = withHook('onCarry');
  if (onCarry.length > 0) combined.onCarry = (info, state) => onCarry.forEach((h) => h.onCarry!(info, state));
  const onCallBegin = withHook('onCallBegin');
  if (onCallBegin.length > 0) combined.onCallBegin = (call, state) => onCallBegin.forEach((h) => h.onCallBegin!(call, state));
  const onFromLayer = withHook('onFromLayer');
  if (onFromLayer.length > 0) combined.onFromLayer = (info, state) => onFromLayer.forEach((h) => h.onFromLayer!(info, state));
  const onBatchStart = withHook('onBatchStart');
  if (onBatchStart.length > 0)
    combined.onBatchStart = (call, state, mask, timesteps) => onBatchStart.forEach((h) => h.onBatchStart!(call, state, mask, timesteps));
  const onBatchEnd = withHook('onBatchEnd');
  if (onBatchEnd.length > 0) combined.onBatchEnd = (call, state) => onBatchEnd.forEach((h) => h.onBatchEnd!(call, state));
  const onStep = withHook('onStep');
  if (onStep.length > 0) combined.onStep = (call, t, state) => onStep.forEach((h) => h.onStep!(call, t, state));
  const onFailure = withHook('onFailure');
  if (onFailure.length > 0) combined.onFailure = (failure) => onFailure.forEach((h) => h.onFailure!(failure));
  return combined;
}
