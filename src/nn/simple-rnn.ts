/**
 * A Float32Array SimpleRNN: h_t = tanh(x_t·W + b + h_{t-1}·U); kernel (inputDim, units), recurrent
 * kernel (units, units), bias (units), all row-major (§8). Mirrors lstm.ts.
 */
import { gatePreActivations } from './matmul.ts';
import { glorotUniform, orthogonal } from './initializers.ts';
import { deriveSeed } from '../shared/random.ts';

export interface SimpleRnnWeights {
  readonly inputDim: number;
  readonly units: number;
  /** (inputDim, units). */
  readonly kernel: Float32Array;
  /** (units, units). */
  readonly recurrentKernel: Float32Array;
  /** (units). */
  readonly bias: Float32Array;
}

/** Keras default initialisation (glorot_uniform, orthogonal, zeros bias), seeded. */
export function initSimpleRnnWeights(inputDim: number, units: number, seed: number): SimpleRnnWeights {
  return {
    inputDim,
    units,
    kernel: glorotUniform(inputDim, units, deriveSeed(seed, 1)),
    recurrentKernel: orthogonal(units, units, deriveSeed(seed, 2)),
    bias: new Float32Array(units),
  };
}

/** Weights with every entry equal to `value`. */
export function constantSimpleRnnWeights(inputDim: number, units: number, value: number): SimpleRnnWeights {
  return {
    inputDim,
    units,
    kernel: new Float32Array(inputDim * units).fill(value),
    recurrentKernel: new Float32Array(units * units).fill(value),
    bias: new Float32Array(units).fill(value),
  };
}

/** Weights repacked once for the time loop (transposed, in doubles), as PackedLstmWeights. */
export interface PackedSimpleRnnWeights {
  readonly inputDim: number;
  readonly units: number;
  /** (units, inputDim): kernel transposed. */
  readonly kernelT: Float64Array;
  /** (units, units): recurrent kernel transposed. */
  readonly recurrentKernelT: Float64Array;
  readonly bias: Float64Array;
}

export function packSimpleRnnWeights(weights: SimpleRnnWeights): PackedSimpleRnnWeights {
  const { inputDim, units, kernel, recurrentKernel } = weights;
  if (kernel.length !== inputDim * units) throw new Error(`SimpleRNN kernel has ${kernel.length} entries, expected ${inputDim * units}`);
  if (recurrentKernel.length !== units * units) {
    throw new Error(`SimpleRNN recurrent kernel has ${recurrentKernel.length} entries, expected ${units * units}`);
  }
  if (weights.bias.length !== units) throw new Error(`SimpleRNN bias has ${weights.bias.length} entries, expected ${units}`);
  const kernelT = new Float64Array(units * inputDim);
  for (let k = 0; k < inputDim; k++) for (let j = 0; j < units; j++) kernelT[j * inputDim + k] = kernel[k * units + j]!;
  const recurrentKernelT = new Float64Array(units * units);
  for (let k = 0; k < units; k++) for (let j = 0; j < units; j++) recurrentKernelT[j * units + k] = recurrentKernel[k * units + j]!;
  return { inputDim, units, kernelT, recurrentKernelT, bias: Float64Array.from(weights.bias) };
}

/**
 * Runs the time loop for `rows` sequences of `timesteps` steps. `inputs` is (rows, timesteps, inputDim)
 * row-major. `h` (rows, units) holds the initial state and receives the final one; `z` is scratch of
 * `units` doubles (the pre-activation, so every unit reads h_{t-1}). `afterStep` runs after each
 * timestep. `mask` (rows, timesteps), 0 = padded step: that row's h passes through unchanged (§4).
 */
export function simpleRnnForward(
  weights: PackedSimpleRnnWeights,
  inputs: Float32Array,
  rows: number,
  timesteps: number,
  h: Float32Array,
  z: Float64Array,
  afterStep?: (timestep: number) => void,
  mask?: Uint8Array,
  activation: (x: number) => number = Math.tanh,
): void {
  const { inputDim, units, kernelT, recurrentKernelT, bias } = weights;
  if (z.length < units) throw new Error(`SimpleRNN scratch needs ${units} doubles`);
  for (let t = 0; t < timesteps; t++) {
    for (let r = 0; r < rows; r++) {
      if (mask !== undefined && mask[r * timesteps + t] === 0) continue;
      const stateOffset = r * units;
      // z = x_t·W + b + h_{t-1}·U
      gatePreActivations(z, units, bias, kernelT, inputDim, inputs, (r * timesteps + t) * inputDim, recurrentKernelT, units, h, stateOffset);
      // new state: the activation (tanh by default) of the pre-activation
      for (let k = 0; k < units; k++) h[stateOffset + k] = activation(z[k]!);
    }
    afterStep?.(t);
  }
}
