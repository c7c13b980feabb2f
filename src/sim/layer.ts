/**
 * A recurrent layer with Keras's state lifecycle: stateless calls start from zeros (§1); a stateful
 * layer keeps (batch, units) state variables per state tensor, carries them row by row from call to
 * call and zeroes them only in `resetStates` (§2). Where a call starts instead (JAX's unstored
 * trainer calls and their trace-time values, §R1; a passed initial_state, §6) and whether it stores
 * its final state comes from the StateFlow decision (keras/state-flow.ts); a 1-row batch against more
 * state rows is broadcast into all of them (§R2). Bidirectional layers keep forward states followed
 * by backward states (§5). Every state change goes through here and is reported to the hooks.
 */
import { lstmCell, type Cell } from '../nn/cells.ts';
import type { LayerCall, ResetReason, RunPosition } from '../keras/events.ts';
import type { FlowDecision } from '../keras/state-flow.ts';
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
  /** Bidirectional merge_mode of the kept outputs (default concat). */
  readonly mergeMode?: 'concat' | 'sum' | 'mul' | 'ave';
}

/** How a stateful call starts (keras/state-flow.ts) and what this layer gets. */
export interface CallOptions {
  /** (rows, timesteps), 0 = padded step: states pass through it unchanged (§4). */
  readonly mask?: Uint8Array | undefined;
  /** Rows of `inputs` (default call.rows): a layer above a broadcast one gets every state row. */
  readonly rows?: number;
  /** Stateful layers: where the call starts and whether it stores (default: carry and store). */
  readonly decision?: FlowDecision;
  /** This layer is the one the 1-row batch is broadcast into (the first stateful layer). */
  readonly broadcastHere?: boolean;
  /** The passed initial_state, per direction and tensor (rows × units each), for decision.from 'initial-state'. */
  readonly initialState?: readonly (readonly Float32Array[])[];
  /** Timesteps of this call's input (default the layer's); at most the layer's. */
  readonly timesteps?: number;
  /**
   * initial_state from another layer: its final states in Keras order ([h, c] per direction), each
   * (rows, units). Used on every call ('always') or, tf.keras's stateful rule, only while the stored
   * state is all zeros ('while-zero', §6); otherwise the layer starts as it would without it.
   */
  readonly fromLayer?: { readonly from: string; readonly states: readonly Float32Array[]; readonly mode: 'always' | 'while-zero' };
  /** go_backwards: read the input from the last step to the first (outputs in that order, as Keras returns them). */
  readonly goBackwards?: boolean;
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
  readonly mergeMode: 'concat' | 'sum' | 'mul' | 'ave';
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
  /** The state variable when it differs from `states` (JAX: the last calls did not store theirs). */
  private storedCopy: Float32Array[][] | null = null;
  private storedIsWorking = true;
  /** The current call stores its final state (stateful, not JAX inside the trainer). */
  private writesThisCall = false;
  /** JAX jit: the variable's value each compiled function captured when it was traced. */
  private readonly traceValues = new Map<string, Float32Array[][]>();
  /** Broadcast buffers: one input row (and its mask) repeated over every state row. */
  private broadcastInputs = new Float32Array(0);
  private broadcastMask = new Uint8Array(0);
  /** True when the state is zero because of a reset and no call has run since. */
  private freshlyZeroed = false;
  private built = false;
  private stateViews: LayerState | undefined;
  /** The stored copy the cached views show (null: the working state is the stored one). */
  private viewsOf: Float32Array[][] | null = null;

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
    this.mergeMode = options.mergeMode ?? 'concat';
    this.outputDim = this.bidirectional && this.mergeMode === 'concat' ? 2 * first.units : first.units;
    this.keepOutputs = options.keepOutputs ?? false;
    this.states = options.cells.map((cell) => Array.from({ length: cell.stateTensors }, () => new Float32Array(options.maxRows * cell.units)));
    this.outputs = new Float32Array(this.keepOutputs ? options.maxRows * options.timesteps * this.outputDim : 0);
    const inputDim = first.inputDim;
    this.reversedInputs = new Float32Array(options.maxRows * options.timesteps * inputDim);
    this.reversedMask = new Uint8Array(options.maxRows * options.timesteps);
    if (this.stateful) this.rows = options.maxRows;
    this.lastTimesteps = options.timesteps;
  }

  /** Live views of the state for hooks and tests: h and c of the forward direction, and all tensors. */
  state(): LayerState {
    // the views change only with the rows in use and where the stored variable lives: made once per
    // such change, not on every hook call
    const cached = this.stateViews;
    if (cached && cached.rows === this.rows && this.viewsOf === (this.storedIsWorking ? null : this.storedCopy)) return cached;
    const used = this.rows * this.units;
    const views = this.states.flatMap((direction) => direction.map((tensor) => tensor.subarray(0, used)));
    const forward = this.states[0]!;
    const stored = this.stateful ? (this.storedIsWorking ? views : this.storedCopy!.flatMap((direction) => direction.map((tensor) => tensor.subarray(0, used)))) : undefined;
    this.viewsOf = this.storedIsWorking ? null : this.storedCopy;
    this.stateViews = {
      layer: this.name,
      rows: this.rows,
      units: this.units,
      h: forward[0]!.subarray(0, used),
      c: forward.length > 1 ? forward[1]!.subarray(0, used) : new Float32Array(0),
      states: views,
      ...(stored ? { stored } : {}),
    };
    return this.stateViews;
  }

  /** Mean |h| over the h tensors of every direction. */
  meanAbsH(): number {
    const used = this.rows * this.units;
    let sum = 0;
    for (const direction of this.states) sum += meanAbs(direction[0]!, used);
    return sum / this.states.length;
  }

  /**
   * Stateful layers create their zero state variables when built (§2.1 "build()"), of `rows` rows
   * (default: the most the layer was made for; a Sequential without an Input takes its first batch's).
   */
  build(position: RunPosition, hooks: StateHooks, rows?: number): void {
    if (this.built) return;
    this.built = true;
    if (this.stateful) this.zero('initial', rows ?? this.rows, position, hooks);
  }

  /** layer.reset_states(): zero the stored state (stateful layers only). */
  resetStates(position: RunPosition, hooks: StateHooks): void {
    if (!this.stateful) throw new Error(`resetStates() needs a stateful layer (Keras: "Layer must be stateful."); ${this.name} is not`);
    this.zero('reset-states', this.rows, position, hooks);
  }

  /**
   * One layer call over a batch: `inputs` is (rows, timesteps, inputDim). Stateless: fresh zeros
   * first. Stateful: the start the decision names (default: the carried state); rows must equal the
   * state's, except a broadcast 1-row batch. `mask` (or options.mask) (rows, timesteps), 0 = padded
   * step: states pass through it unchanged (§4).
   */
  call(inputs: Float32Array, call: LayerCall, hooks: StateHooks, mask?: Uint8Array, options: CallOptions = {}): void {
    const position: RunPosition = {
      phase: call.phase,
      epoch: call.epoch,
      batch: call.batch,
      timing: 'before-batch',
      ...(call.planStep === undefined ? {} : { planStep: call.planStep }),
    };
    mask ??= options.mask;
    const inputRows = options.rows ?? call.rows;
    this.lastTimesteps = options.timesteps ?? this.timesteps;
    const wired = options.fromLayer;
    const fromLayer = wired !== undefined && (wired.mode === 'always' || !this.stateful || this.storedIsZero());
    if (fromLayer) {
      if (this.stateful && inputRows !== this.rows) {
        throw new Error(`stateful layer ${this.name} holds ${this.rows} state rows but was called with ${inputRows}`);
      }
      this.startFromLayer(wired, inputRows, position, hooks);
    } else if (!this.stateful) {
      if (options.initialState) {
        // a stateless call given initial_state starts from it instead of zeros (§6)
        const discardedMeanAbsH = this.meanAbsH();
        this.rows = inputRows;
        this.copyInto(options.initialState);
        hooks.onReset?.(
          { layer: this.name, reason: 'initial-state', position, rows: inputRows, stateTensors: this.stateTensors, discardedMeanAbsH },
          this.state(),
        );
      } else {
        this.zero('batch-start', inputRows, position, hooks);
      }
    } else {
      hooks.onCallBegin?.(call, this.state());
      const decision = options.decision;
      const broadcast = inputRows === 1 && this.rows > 1;
      if (inputRows !== this.rows && !broadcast) {
        throw new Error(`stateful layer ${this.name} holds ${this.rows} state rows but was called with ${inputRows}`);
      }
      // a broadcast call starts from the carried rows but runs one sample against all of them: its own kind, not a carry (§R2)
      const broadcastWrites = broadcast && options.broadcastHere === true && (decision?.writes ?? true);
      if (decision) this.start(decision, position, hooks, options.initialState, broadcastWrites);
      else if (!this.freshlyZeroed && !broadcastWrites) {
        hooks.onCarry?.({ layer: this.name, position, rows: this.rows, carriedMeanAbsH: this.meanAbsH() }, this.state());
      }
      if (broadcast) {
        if (broadcastWrites) {
          hooks.onReset?.(
            { layer: this.name, reason: 'broadcast', position, rows: this.rows, stateTensors: this.stateTensors, discardedMeanAbsH: this.meanAbsH() },
            this.state(),
          );
        }
        // one sample's sequence against every state row, as numpy broadcasting does
        const perRow = this.timesteps * this.cells[0]!.inputDim;
        if (this.broadcastInputs.length < this.rows * perRow) this.broadcastInputs = new Float32Array(this.rows * perRow);
        for (let r = 0; r < this.rows; r++) this.broadcastInputs.set(inputs.subarray(0, perRow), r * perRow);
        inputs = this.broadcastInputs;
        if (mask) {
          if (this.broadcastMask.length < this.rows * this.timesteps) this.broadcastMask = new Uint8Array(this.rows * this.timesteps);
          for (let r = 0; r < this.rows; r++) this.broadcastMask.set(mask.subarray(0, this.timesteps), r * this.timesteps);
          mask = this.broadcastMask;
        }
      }
    }
    this.freshlyZeroed = false;
    const rowsCall: LayerCall = this.rows === call.rows ? call : { ...call, rows: this.rows };
    this.writesThisCall = this.stateful && (options.decision?.writes ?? true);
    this.run(inputs, rowsCall, hooks, mask, options.goBackwards ?? false);
  }

  /** True when the stored state of every row is 0 (tf.keras's `count_nonzero == 0`, §6). */
  private storedIsZero(): boolean {
    const source = this.storedIsWorking ? this.states : this.storedCopy!;
    const used = this.rows * this.units;
    for (const direction of source) for (const tensor of direction) for (let i = 0; i < used; i++) if (tensor[i] !== 0) return false;
    return true;
  }

  /** Starts a call from another layer's final states (initial_state): reported, never a reset. */
  private startFromLayer(wired: NonNullable<CallOptions['fromLayer']>, rows: number, position: RunPosition, hooks: StateHooks): void {
    const discardedMeanAbsH = this.meanAbsH();
    this.rows = rows;
    const tensors = this.states.flat();
    if (wired.states.length !== tensors.length) {
      throw new Error(`${this.name} gets ${wired.states.length} initial_state tensors from ${wired.from}, but it keeps ${tensors.length}`);
    }
    tensors.forEach((tensor, i) => tensor.set(wired.states[i]!.subarray(0, rows * this.units)));
    hooks.onFromLayer?.(
      { layer: this.name, from: wired.from, position, rows, stateTensors: this.stateTensors, discardedMeanAbsH },
      this.state(),
    );
  }

  /** Timesteps of the last call (its output sequence's length). */
  private lastTimesteps: number;

  /** The last output of the last call (return_sequences=False): each direction's final h, merged. (rows, outputDim). */
  lastOutput(out: Float32Array): void {
    const units = this.units;
    for (let r = 0; r < this.rows; r++) {
      for (let d = 0; d < this.states.length; d++) this.merge(out, r * this.outputDim, d, this.states[d]![0]!.subarray(r * units, (r + 1) * units));
    }
  }

  /** The final states of the last call in Keras order ([h, c] per direction), each (rows, units). */
  finalStates(): Float32Array[] {
    const used = this.rows * this.units;
    return this.states.flatMap((direction) => direction.map((tensor) => tensor.slice(0, used)));
  }

  /** Writes direction `d`'s values into a merged output row at `offset` (merge_mode). */
  private merge(out: Float32Array, offset: number, d: number, h: Float32Array): void {
    const units = this.units;
    if (!this.bidirectional || this.mergeMode === 'concat') {
      out.set(h, offset + d * units);
      return;
    }
    for (let j = 0; j < units; j++) {
      const value = h[j]!;
      if (d === 0) out[offset + j] = value;
      else if (this.mergeMode === 'sum') out[offset + j] = out[offset + j]! + value;
      else if (this.mergeMode === 'mul') out[offset + j] = out[offset + j]! * value;
      else out[offset + j] = (out[offset + j]! + value) / 2;
    }
  }

  /**
   * Puts the decided start into the state buffers and reports it: a carry, or (JAX, initial_state) an
   * event for the carried state it replaces.
   */
  private start(decision: FlowDecision, position: RunPosition, hooks: StateHooks, initialState?: readonly (readonly Float32Array[])[], broadcast = false): void {
    const stored = () => (this.storedIsWorking ? this.states : this.storedCopy!);
    if (decision.captureTrace && decision.traceKey !== undefined) this.traceValues.set(decision.traceKey, this.clone(stored()));
    if (!decision.writes && this.storedIsWorking) {
      // the variable keeps its value while this call's final state is dropped
      this.storedCopy = this.clone(this.states, this.storedCopy);
      this.storedIsWorking = false;
    }
    const discardedMeanAbsH = this.meanAbsH();
    if (decision.from === 'stored') this.copyInto(this.storedCopy!);
    else if (decision.from === 'trace') this.copyInto(this.traceValues.get(decision.traceKey!)!);
    else if (decision.from === 'initial-state') {
      if (initialState) this.copyInto(initialState);
      else for (const direction of this.states) for (const tensor of direction) tensor.fill(0, 0, this.rows * this.units);
    }
    if (decision.outcome === 'carried') {
      if (!broadcast) hooks.onCarry?.({ layer: this.name, position, rows: this.rows, carriedMeanAbsH: discardedMeanAbsH }, this.state());
    } else if (decision.outcome === 'not-stored' || decision.outcome === 'initial-state') {
      hooks.onReset?.(
        { layer: this.name, reason: decision.outcome, position, rows: this.rows, stateTensors: this.stateTensors, discardedMeanAbsH },
        this.state(),
      );
    }
  }

  private clone(source: readonly (readonly Float32Array[])[], into?: Float32Array[][] | null): Float32Array[][] {
    const used = this.rows * this.units;
    if (into) {
      source.forEach((direction, d) => direction.forEach((tensor, t) => into[d]![t]!.set(tensor.subarray(0, used))));
      return into;
    }
    return source.map((direction) => direction.map((tensor) => tensor.slice(0, used)));
  }

  private copyInto(source: readonly (readonly Float32Array[])[]): void {
    const used = this.rows * this.units;
    this.states.forEach((direction, d) => direction.forEach((tensor, t) => tensor.set(source[d]![t]!.subarray(0, used))));
  }

  /** The time loop of one call over `call.rows` rows (both directions for Bidirectional). */
  private run(inputs: Float32Array, call: LayerCall, hooks: StateHooks, mask: Uint8Array | undefined, goBackwards: boolean): void {
    hooks.onBatchStart?.(call, this.state(), mask, this.lastTimesteps);
    const { rows } = call;
    const T = this.lastTimesteps;
    const forward = this.cells[0]!;
    const inputDim = forward.inputDim;
    const onStep = hooks.onStep;
    const afterForwardStep =
      this.keepOutputs || onStep
        ? (t: number) => {
            if (this.keepOutputs) this.copyOutput(0, rows, t);
            onStep?.(call, t, this.state());
          }
        : undefined;
    // (rows, T, D) read from the last step to the first, with its mask
    const reverse = (): Uint8Array | undefined => {
      for (let r = 0; r < rows; r++) {
        for (let t = 0; t < T; t++) {
          const from = (r * T + (T - 1 - t)) * inputDim;
          this.reversedInputs.set(inputs.subarray(from, from + inputDim), (r * T + t) * inputDim);
          if (mask) this.reversedMask[r * T + t] = mask[r * T + (T - 1 - t)]!;
        }
      }
      return mask ? this.reversedMask : undefined;
    };
    if (goBackwards && !this.bidirectional) {
      const reversedMask = reverse();
      forward.forward(this.reversedInputs, rows, T, this.states[0]!, afterForwardStep, reversedMask);
    } else {
      forward.forward(inputs, rows, T, this.states[0]!, afterForwardStep, mask);
    }
    if (this.bidirectional) {
      // the backward layer reads the sequence (and its mask) from the last step to the first
      const reversedMask = reverse();
      const afterBackwardStep = this.keepOutputs ? (t: number) => this.copyOutput(1, rows, T - 1 - t) : undefined;
      this.cells[1]!.forward(this.reversedInputs, rows, T, this.states[1]!, afterBackwardStep, reversedMask);
    }
    // the call assigns its final state to the variable as it ends (rnn.py RNN.call)
    if (this.writesThisCall) this.storedIsWorking = true;
    hooks.onBatchEnd?.(call, this.state());
  }

  /** Starts the cells' worker threads for calls of `rows` rows now (benchmarks: their start-up out of the timing). */
  async ready(rows: number): Promise<void> {
    for (const cell of this.cells) await cell.ready?.(rows, this.timesteps);
  }

  /** Releases the cells' worker threads (the layer may run again after). */
  close(): void {
    for (const cell of this.cells) cell.close?.();
  }

  /** outputs[r, outputStep] gets the current h of `direction`, merged as merge_mode says. */
  private copyOutput(direction: number, rows: number, outputStep: number): void {
    const h = this.states[direction]![0]!;
    const units = this.units;
    const T = this.lastTimesteps;
    if (!this.bidirectional) {
      // one direction: a plain copy, no subarray per row and step
      const out = this.outputs;
      for (let r = 0; r < rows; r++) {
        const at = (r * T + outputStep) * units;
        const from = r * units;
        for (let i = 0; i < units; i++) out[at + i] = h[from + i]!;
      }
      return;
    }
    for (let r = 0; r < rows; r++) {
      this.merge(this.outputs, (r * T + outputStep) * this.outputDim, direction, h.subarray(r * units, (r + 1) * units));
    }
  }

  private zero(reason: ResetReason, rows: number, position: RunPosition, hooks: StateHooks): void {
    const discardedMeanAbsH = this.meanAbsH();
    this.rows = rows;
    for (const direction of this.states) for (const tensor of direction) tensor.fill(0, 0, rows * this.units);
    this.storedIsWorking = true;
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
