/**
 * A Float32Array LSTM: Keras gate order i, f, c, o; kernel (inputDim, 4*units), recurrent kernel
 * (units, 4*units), bias (4*units), all row-major (§8). Buffers are allocated once per layer.
 */
import { gatePreActivations } from './matmul.ts';
import { glorotUniform, lstmBias, orthogonal } from './initializers.ts';
import { deriveSeed } from '../shared/random.ts';

export interface LstmWeights {
  readonly inputDim: number;
  readonly units: number;
  /** (inputDim, 4*units), blocks [i | f | c | o]. */
  readonly kernel: Float32Array;
  /** (units, 4*units), blocks [i | f | c | o]. */
  readonly recurrentKernel: Float32Array;
  /** (4*units). */
  readonly bias: Float32Array;
}

/**
 * The recurrent activation σr of the gates i, f, o, as a plain formula: the logistic sigmoid, or
 * hard_sigmoid clip(slope·x + 0.5, 0, 1) with the slope of the caller's Keras version.
 */
export interface GateActivation {
  readonly name: 'sigmoid' | 'hard_sigmoid';
  /** hard_sigmoid slope: 0.2 in Keras 2 / tf.keras / TF.js, 1/6 in Keras 3 (§8). Ignored for sigmoid. */
  readonly hardSigmoidSlope: number;
  /**
   * The layer's `activation` (Keras's argument, tanh by default): the LSTM's cell input and output,
   * the GRU's candidate, the SimpleRNN's state. relu(x) = max(x, 0).
   */
  readonly candidate?: 'tanh' | 'relu';
}

/** The layer's `activation` as a function (tanh unless the layer says relu). */
export function candidateActivation(activation: GateActivation): (x: number) => number {
  return activation.candidate === 'relu' ? (x) => (x > 0 ? x : 0) : Math.tanh;
}

/** Keras default initialisation (glorot_uniform, orthogonal, unit_forget_bias), seeded. */
export function initLstmWeights(inputDim: number, units: number, seed: number): LstmWeights {
  return {
    inputDim,
    units,
    kernel: glorotUniform(inputDim, 4 * units, deriveSeed(seed, 1)),
    recurrentKernel: orthogonal(units, 4 * units, deriveSeed(seed, 2)),
    bias: lstmBias(units),
  };
}

/** Weights with every entry equal to `value` (the `ones` initialiser of the TF.js golden tests). */
export function constantLstmWeights(inputDim: number, units: number, value: number): LstmWeights {
  return {
    inputDim,
    units,
    kernel: new Float32Array(inputDim * 4 * units).fill(value),
    recurrentKernel: new Float32Array(units * 4 * units).fill(value),
    bias: new Float32Array(4 * units).fill(value),
  };
}

/**
 * Weights repacked once for the time loop: each gate column of the kernel and of the recurrent kernel
 * becomes a contiguous row (transposed), in doubles, so a gate's pre-activation is a dot product
 * with no conversion inside the loop. Values are the float32 weights exactly.
 */
export interface PackedLstmWeights {
  readonly inputDim: number;
  readonly units: number;
  /** (4*units, inputDim): kernel transposed. */
  readonly kernelT: Float64Array;
  /** (4*units, units): recurrent kernel transposed. */
  readonly recurrentKernelT: Float64Array;
  readonly bias: Float64Array;
}

export function packLstmWeights(weights: LstmWeights): PackedLstmWeights {
  const { inputDim, units, kernel, recurrentKernel } = weights;
  const gates = 4 * units;
  const kernelT = new Float64Array(gates * inputDim);
  for (let k = 0; k < inputDim; k++) for (let j = 0; j < gates; j++) kernelT[j * inputDim + k] = kernel[k * gates + j]!;
  const recurrentKernelT = new Float64Array(gates * units);
  for (let k = 0; k < units; k++) for (let j = 0; j < gates; j++) recurrentKernelT[j * units + k] = recurrentKernel[k * gates + j]!;
  return { inputDim, units, kernelT, recurrentKernelT, bias: Float64Array.from(weights.bias) };
}

/**
 * Runs the time loop for `rows` sequences of `timesteps` steps. `inputs` is (rows, timesteps, inputDim)
 * row-major, as Keras's (batch, time, features). `h` and `c` (rows, units) hold the initial states and
 * receive the final ones; `z` is scratch of 4*units. `afterStep` runs after each timestep.
 * `mask` (rows, timesteps), 0 = padded step: that row's h and c pass through the step unchanged,
 * never reset (§4).
 */
export function lstmForward(
  weights: PackedLstmWeights,
  activation: GateActivation,
  inputs: Float32Array,
  rows: number,
  timesteps: number,
  h: Float32Array,
  c: Float32Array,
  z: Float64Array,
  afterStep?: (timestep: number) => void,
  mask?: Uint8Array,
): void {
  const { inputDim, units, kernelT, recurrentKernelT, bias } = weights;
  const gates = 4 * units;
  const hard = activation.name === 'hard_sigmoid';
  const slope = activation.hardSigmoidSlope;
  const act = candidateActivation(activation);
  for (let t = 0; t < timesteps; t++) {
    for (let r = 0; r < rows; r++) {
      if (mask !== undefined && mask[r * timesteps + t] === 0) continue;
      const stateOffset = r * units;
      // z = x_t·W + h_{t-1}·U + b, all four gate blocks
      gatePreActivations(z, gates, bias, kernelT, inputDim, inputs, (r * timesteps + t) * inputDim, recurrentKernelT, units, h, stateOffset);
      for (let j = 0; j < units; j++) {
        const zi = z[j]!;
        const zf = z[units + j]!;
        const zo = z[3 * units + j]!;
        // input gate: how much of the candidate to write
        const inputGate = hard ? clip01(slope * zi + 0.5) : 1 / (1 + Math.exp(-zi));
        // forget gate: how much of the old cell to keep
        const forgetGate = hard ? clip01(slope * zf + 0.5) : 1 / (1 + Math.exp(-zf));
        // output gate: how much of the cell to expose as h
        const outputGate = hard ? clip01(slope * zo + 0.5) : 1 / (1 + Math.exp(-zo));
        // candidate cell contents
        const cellWrite = act(z[2 * units + j]!);
        c[stateOffset + j] = forgetGate * c[stateOffset + j]! + inputGate * cellWrite;
        // h reads the float32-rounded cell, as Keras computes in float32
        h[stateOffset + j] = outputGate * act(c[stateOffset + j]!);
      }
    }
    afterStep?.(t);
  }
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

