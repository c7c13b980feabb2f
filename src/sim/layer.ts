/**
 * A recurrent layer with Keras's state lifecycle: stateless calls start from zeros (§1); a stateful
 * layer keeps (batch, units) state variables per state tensor, carries them row by row from call to
 * call and zeroes them only in `resetStates` (§2). Bidirectional layers keep forward states followed
 * by backward states (§5). Every state change goes through here and is reported to the hooks.
 */
import { lstmCell, type Cell } from '../nn/cells.ts';
import type { LayerCall, ResetReason, RunPosition } from '../keras/events.ts';
import type { LayerState, StateHooks } from './hooks.ts';
import type { GateActivation, LstmWeights } from '../nn/lstm.ts';

export interface RecurrentLayerOptions {
  /** Keras layer name (lstm, lstm_1, bidirectional, …). */
  readonly name: string;
  readonly stateful: boolean;
  /** The most rows one call can have (stateful: the fixed batch size). */
  readonly maxRows: number;
  readonly timesteps: number;
  /** One cell, or [forward, backward] for a Bidirectional wrapper. */
  readonly cells: readonly Cell[];
  /** Keep the output sequence (return_sequences=True) for a layer stacked on top. */
  readonly keepOutputs?: boolean;
}

/** Mean |value| of the first `count` entries (0 for none). */
export function meanAbs(values: Float32Array, count: number): number {
  if (count === 0) return 0;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.abs(values[i]!);
  return sum / count;
}

export class RecurrentLayer {
  readonly name: string;
  readonly stateful: boolean;
  readonly bidirectional: boolean;
  readonly units: number;
  /** State tensors per row over all directions (Bidirectional LSTM: fh, fc, bh, bc). */
  readonly stateTensors: number;
  /** Features per timestep of the output: units, or 2·units for Bidirectional (merge_mode='concat'). */
  readonly outputDim: number;
  readonly cells: readonly Cell[];
  /** (maxRows, timesteps, outputDim): the output sequence of the last call, when kept. */
  readonly outputs: Float32Array;
  private readonly timesteps: number;
  /** states[direction][tensor], each (maxRows, units). */
  private readonly states: Float32Array[][];
  private readonly reversedInputs: Float32Array;
  private readonly reversedMask: Uint8Array;
  private readonly keepOutputs: boolean;
  /** Rows the state currently holds. */
  private rows = 0;
  /** True when the state is zero because of a reset and no call has run since. */
  private freshlyZeroed = false;
  private built = false;

  constructor(options: RecurrentLayerOptions) {
    const first = options.cells[0];
    if (!first || options.cells.length > 2) throw new Error('a recurrent layer has one cell, or two for Bidirectional');
    this.name = options.name;
    this.stateful = options.stateful;
    this.cells = options.cells;
    this.bidirectional = options.cells.length === 2;
    this.units = first.units;
    this.timesteps = options.timesteps;
    this.stateTensors = options.cells.reduce((sum, cell) => sum + cell.stateTensors, 0);
    this.outputDim = first.units * options.cells.length;
    this.keepOutputs = options.keepOutputs ?? false;
    this.states = options.cells.map((cell) => Array.from({ length: cell.stateTensors }, () => new Float32Array(options.maxRows * cell.units)));
    this.outputs = new Float32Array(this.keepOutputs ? options.maxRows * options.timesteps * this.outputDim : 0);
    const inputDim = first.inputDim;
    this.reversedInputs = new Float32Array(this.bidirectional ? options.maxRows * options.timesteps * inputDim : 0);
    this.reversedMask = new Uint8Array(this.bidirectional ? options.maxRows * options.timesteps : 0);
    if (this.stateful) this.rows = options.maxRows;
  }

  /** Live views of the state for hooks and tests: h and c of the forward direction, and all tensors. */
  state(): LayerState {
    const used = this.rows * this.units;
    const views = this.states.flatMap((direction) => direction.map((tensor) => tensor.subarray(0, used)));
    const forward = this.states[0]!;
    return {
      layer: this.name,
      rows: this.rows,
      units: this.units,
      h: forward[0]!.subarray(0, used),
      c: forward.length > 1 ? forward[1]!.subarray(0, used) : new Float32Array(0),
      states: views,
    };
  }

  /** Mean |h| over the h tensors of every direction. */
  meanAbsH(): number {
    const used = this.rows * this.units;
    let sum = 0;
    for (const direction of this.states) sum += meanAbs(direction[0]!, used);
    return sum / this.states.length;
  }

  /** Stateful layers create their zero state variables when built (§2.1 "build()"). */
  build(position: RunPosition, hooks: StateHooks): void {
    if (this.built) return;
    this.built = true;
    if (this.stateful) this.zero('initial', this.rows, position, hooks);
  }

  /** layer.reset_states(): zero the stored state (stateful layers only). */
  resetStates(position: RunPosition, hooks: StateHooks): void {
    if (!this.stateful) throw new Error(`resetStates() needs a stateful layer (Keras: "Layer must be stateful."); ${this.name} is not`);
    this.zero('reset-states', this.rows, position, hooks);
  }

  /**
   * One layer call over a batch: `inputs` is (call.rows, timesteps, inputDim). Stateless: fresh zeros
   * first. Stateful: rows must equal the state's rows (the caller decides how Keras fails).
   * `mask` (rows, timesteps), 0 = padded step: states pass through it unchanged (§4).
   */
  call(inputs: Float32Array, call: LayerCall, hooks: StateHooks, mask?: Uint8Array): void {
    const position: RunPosition = {
      phase: call.phase,
      epoch: call.epoch,
      batch: call.batch,
      timing: 'before-batch',
      ...(call.planStep === undefined ? {} : { planStep: call.planStep }),
    };
    if (!this.stateful) {
      this.zero('batch-start', call.rows, position, hooks);
    } else {
      if (call.rows !== this.rows) {
        throw new Error(`stateful layer ${this.name} holds ${this.rows} state rows but was called with ${call.rows}`);
      }
      if (!this.freshlyZeroed) {
        hooks.onCarry?.({ layer: this.name, position, rows: this.rows, carriedMeanAbsH: this.meanAbsH() }, this.state());
      }
    }
    this.freshlyZeroed = false;
    hooks.onBatchStart?.(call, this.state());
    const { rows } = call;
    const T = this.timesteps;
    const forward = this.cells[0]!;
    const onStep = hooks.onStep;
    const afterForwardStep =
      this.keepOutputs || onStep
        ? (t: number) => {
            if (this.keepOutputs) this.copyOutput(0, rows, t);
            onStep?.(call, t, this.state());
          }
        : undefined;
    forward.forward(inputs, rows, T, this.states[0]!, afterForwardStep, mask);
    if (this.bidirectional) {
      // go_backwards: the backward cell reads the sequence (and its mask) from the last step to the first
      const inputDim = forward.inputDim;
      for (let r = 0; r < rows; r++) {
        for (let t = 0; t < T; t++) {
          const from = (r * T + (T - 1 - t)) * inputDim;
          this.reversedInputs.set(inputs.subarray(from, from + inputDim), (r * T + t) * inputDim);
          if (mask) this.reversedMask[r * T + t] = mask[r * T + (T - 1 - t)]!;
        }
      }
      const afterBackwardStep = this.keepOutputs ? (t: number) => this.copyOutput(1, rows, T - 1 - t) : undefined;
      this.cells[1]!.forward(this.reversedInputs, rows, T, this.states[1]!, afterBackwardStep, mask ? this.reversedMask : undefined);
    }
    hooks.onBatchEnd?.(call, this.state());
  }

  /** outputs[r, outputStep, direction block] = the current h of `direction`. */
  private copyOutput(direction: number, rows: number, outputStep: number): void {
    const h = this.states[direction]![0]!;
    const units = this.units;
    const T = this.timesteps;
    const offset = direction * units;
    for (let r = 0; r < rows; r++) {
      this.outputs.set(h.subarray(r * units, (r + 1) * units), (r * T + outputStep) * this.outputDim + offset);
    }
  }

  private zero(reason: ResetReason, rows: number, position: RunPosition, hooks: StateHooks): void {
    const discardedMeanAbsH = this.meanAbsH();
    this.rows = rows;
    for (const direction of this.states) for (const tensor of direction) tensor.fill(0, 0, rows * this.units);
    this.freshlyZeroed = true;
    hooks.onReset?.(
      { layer: this.name, reason, position, rows, stateTensors: this.stateTensors, discardedMeanAbsH },
      this.state(),
    );
  }
}

export interface LstmLayerOptions {
  readonly name?: string;
  readonly stateful: boolean;
  readonly maxRows: number;
  readonly timesteps: number;
  readonly activation: GateActivation;
}

/** A single LSTM layer (the common case): a RecurrentLayer over one LSTM cell. */
export class LstmLayer extends RecurrentLayer {
  readonly weights: LstmWeights;

  constructor(weights: LstmWeights, options: LstmLayerOptions) {
    super({
      name: options.name ?? 'lstm',
      stateful: options.stateful,
      maxRows: options.maxRows,
      timesteps: options.timesteps,
      cells: [lstmCell(weights, options.activation)],
    });
    this.weights = weights;
  }
}
