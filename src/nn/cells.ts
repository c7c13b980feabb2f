/**
 * One interface over the three Keras recurrent cells (§5, §8): what state tensors a cell keeps and
 * how it runs a time loop over them. Layers and the simulator only see this interface.
 */
import { gruForward, gruScratchLength, initGruWeights, packGruWeights, type GruWeights } from './gru.ts';
import { candidateActivation, initLstmWeights, lstmForward, packLstmWeights, type GateActivation, type LstmWeights } from './lstm.ts';
import { ParallelLstmKernel } from './kernels/lstm-parallel.ts';
import { lstmWasmModule, WasmLstmKernel, type WasmKernelBuild } from './kernels/lstm-wasm.ts';
import { deriveSeed } from '../shared/random.ts';
import { prepareOrthogonal } from './initializers.ts';
import { initSimpleRnnWeights, packSimpleRnnWeights, simpleRnnForward, type SimpleRnnWeights } from './simple-rnn.ts';

/** The three cells computed here (simple = SimpleRNN); keras/layers.ts names them as Keras does. */
export type CellKind = 'lstm' | 'gru' | 'simple';

/** Weights in Keras's layout (row-major), as `layer.get_weights()` returns them. */
export interface KerasWeights {
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  readonly bias: Float32Array;
  /** Keras shapes of the three arrays. */
  readonly shapes: { readonly kernel: readonly number[]; readonly recurrentKernel: readonly number[]; readonly bias: readonly number[] };
}

export interface Cell {
  readonly kind: CellKind;
  readonly inputDim: number;
  readonly units: number;
  /** State tensors, each (rows, units); index 0 is h, the output. */
  readonly stateTensors: number;
  readonly activation: GateActivation;
  /** GRU only: reset_after. */
  readonly resetAfter?: boolean;
  readonly weights: KerasWeights;
  /**
   * Runs `timesteps` steps for `rows` rows: `inputs` (rows, timesteps, inputDim); `states[i]`
   * (rows, units) hold the initial states and receive the final ones. A row whose `mask` is 0 at a
   * step keeps its states through that step.
   */
  forward(
    inputs: Float32Array,
    rows: number,
    timesteps: number,
    states: readonly Float32Array[],
    afterStep?: (timestep: number) => void,
    mask?: Uint8Array,
  ): void;
  /** Releases what the cell holds outside the heap (the LSTM kernel's worker thread); it may run again after. */
  close?(): void;
  /** Starts the LSTM kernel's worker thread for calls of rows x timesteps now (benchmarks: its start-up out of the timing). */
  ready?(rows: number, timesteps: number): Promise<void>;
}

export interface CellOptions {
  readonly kind: CellKind;
  readonly inputDim: number;
  readonly units: number;
  readonly activation: GateActivation;
  /** GRU: reset_after (the version profile's default). */
  readonly resetAfter: boolean;
  readonly seed: number;
}

/** Which LSTM kernel runs: WebAssembly SIMD where available (the default), or the JS one. */
export type LstmKernelChoice = 'auto' | 'js' | 'wasm';
/** How the wasm kernel runs: its build (default: relaxed SIMD where available) and threads (default 2). */
export interface LstmKernelOptions {
  readonly build?: WasmKernelBuild;
  readonly threads?: 1 | 2;
}
let lstmKernelChoice: LstmKernelChoice = 'auto';
let lstmKernelOptions: LstmKernelOptions = {};

/** Chooses the LSTM kernel of cells built from now on (benchmarks and tests compare them). */
export function setLstmKernel(choice: LstmKernelChoice, options: LstmKernelOptions = {}): void {
  lstmKernelChoice = choice;
  lstmKernelOptions = options;
}

export function lstmCell(weights: LstmWeights, activation: GateActivation): Cell {
  const { inputDim, units } = weights;
  // the wasm kernel computes tanh; another activation (relu) runs on the JS kernel
  const tanh = (activation.candidate ?? 'tanh') === 'tanh';
  const module = lstmKernelChoice === 'js' || !tanh ? null : lstmWasmModule(lstmKernelOptions.build);
  if (lstmKernelChoice === 'wasm' && !module && tanh) throw new Error(`this runtime cannot run the ${lstmKernelOptions.build ?? 'wasm'} LSTM kernel`);
  const wasm = module
    ? lstmKernelOptions.threads === 1
      ? new WasmLstmKernel(module, weights, activation)
      : new ParallelLstmKernel(module, weights, activation)
    : undefined;
  const packed = wasm ? undefined : packLstmWeights(weights);
  const z = new Float64Array(wasm ? 0 : 4 * units);
  return {
    kind: 'lstm',
    inputDim,
    units,
    stateTensors: 2,
    activation,
    weights: {
      kernel: weights.kernel,
      recurrentKernel: weights.recurrentKernel,
      bias: weights.bias,
      shapes: { kernel: [inputDim, 4 * units], recurrentKernel: [units, 4 * units], bias: [4 * units] },
    },
    forward(inputs, rows, timesteps, states, afterStep, mask) {
      if (wasm) wasm.forward(inputs, rows, timesteps, states[0]!, states[1]!, afterStep, mask);
      else lstmForward(packed!, activation, inputs, rows, timesteps, states[0]!, states[1]!, z, afterStep, mask);
    },
    close() {
      if (wasm instanceof ParallelLstmKernel) wasm.close();
    },
    async ready(rows, timesteps) {
      if (wasm instanceof ParallelLstmKernel) await wasm.ready(rows, timesteps);
    },
  };
}

export function gruCell(weights: GruWeights, activation: GateActivation): Cell {
  const packed = packGruWeights(weights);
  const scratch = new Float64Array(gruScratchLength(weights.units));
  const { inputDim, units, resetAfter } = weights;
  return {
    kind: 'gru',
    inputDim,
    units,
    stateTensors: 1,
    activation,
    resetAfter,
    weights: {
      kernel: weights.kernel,
      recurrentKernel: weights.recurrentKernel,
      bias: weights.bias,
      shapes: { kernel: [inputDim, 3 * units], recurrentKernel: [units, 3 * units], bias: resetAfter ? [2, 3 * units] : [3 * units] },
    },
    forward(inputs, rows, timesteps, states, afterStep, mask) {
      gruForward(packed, activation, inputs, rows, timesteps, states[0]!, scratch, afterStep, mask);
    },
  };
}

export function simpleRnnCell(weights: SimpleRnnWeights, activation: GateActivation): Cell {
  const packed = packSimpleRnnWeights(weights);
  const z = new Float64Array(weights.units);
  const act = candidateActivation(activation);
  const { inputDim, units } = weights;
  return {
    kind: 'simple',
    inputDim,
    units,
    stateTensors: 1,
    activation,
    weights: {
      kernel: weights.kernel,
      recurrentKernel: weights.recurrentKernel,
      bias: weights.bias,
      shapes: { kernel: [inputDim, units], recurrentKernel: [units, units], bias: [units] },
    },
    forward(inputs, rows, timesteps, states, afterStep, mask) {
      simpleRnnForward(packed, inputs, rows, timesteps, states[0]!, z, afterStep, mask, act);
    },
  };
}

/** A cell with Keras's default initialisers, seeded. */
/**
 * Computes ahead, yielding as it goes, the slow part of `createCell(options)`'s seeded initialisation
 * (the orthogonal recurrent kernel, O(units³)), so the `createCell` that follows finds it made.
 */
export function* prepareCell(kind: CellKind, units: number, seed: number): Generator<void, void, undefined> {
  if (kind === 'lstm') yield* prepareOrthogonal(units, 4 * units, deriveSeed(seed, 2));
  else if (kind === 'gru') yield* prepareOrthogonal(units, 3 * units, deriveSeed(deriveSeed(seed, 3), 2));
  else yield* prepareOrthogonal(units, units, deriveSeed(deriveSeed(seed, 4), 2));
}

export function createCell(options: CellOptions): Cell {
  const { kind, inputDim, units, activation, seed } = options;
  if (kind === 'lstm') return lstmCell(initLstmWeights(inputDim, units, seed), activation);
  if (kind === 'gru') return gruCell(initGruWeights(inputDim, units, deriveSeed(seed, 3), options.resetAfter), activation);
  return simpleRnnCell(initSimpleRnnWeights(inputDim, units, deriveSeed(seed, 4)), activation);
}
