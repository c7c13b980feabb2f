/**
 * A Float32Array GRU: Keras gate order z, r, h; kernel (inputDim, 3*units), recurrent kernel
 * (units, 3*units), bias (3*units) with reset_after=False or (2, 3*units) with reset_after=True,
 * all row-major (§8). Mirrors lstm.ts: weights packed once, buffers allocated by the caller.
 */
import { glorotUniform, orthogonal } from './initializers.ts';
import { candidateActivation, type GateActivation } from './lstm.ts';
import { deriveSeed } from '../shared/random.ts';

export interface GruWeights {
  readonly inputDim: number;
  readonly units: number;
  /** True: Keras 3 / tf.keras default (reset gate applied after the recurrent matmul). False: Keras 2, TF.js. */
  readonly resetAfter: boolean;
  /** (inputDim, 3*units), blocks [z | r | h]. */
  readonly kernel: Float32Array;
  /** (units, 3*units), blocks [z | r | h]. */
  readonly recurrentKernel: Float32Array;
  /** resetAfter=False: (3*units). resetAfter=True: (2, 3*units), row 0 input bias, row 1 recurrent bias. */
  readonly bias: Float32Array;
}

/** Number of bias entries Keras stores for a GRU of `units` units. */
export function gruBiasLength(units: number, resetAfter: boolean): number {
  return (resetAfter ? 2 : 1) * 3 * units;
}

/** Keras default initialisation (glorot_uniform, orthogonal, zeros bias), seeded. */
export function initGruWeights(inputDim: number, units: number, seed: number, resetAfter: boolean): GruWeights {
  return {
    inputDim,
    units,
    resetAfter,
    kernel: glorotUniform(inputDim, 3 * units, deriveSeed(seed, 1)),
    recurrentKernel: orthogonal(units, 3 * units, deriveSeed(seed, 2)),
    bias: new Float32Array(gruBiasLength(units, resetAfter)),
  };
}

/** Weights with every entry equal to `value` (the `ones` initialiser of the TF.js golden tests). */
export function constantGruWeights(inputDim: number, units: number, value: number, resetAfter: boolean): GruWeights {
  return {
    inputDim,
    units,
    resetAfter,
    kernel: new Float32Array(inputDim * 3 * units).fill(value),
    recurrentKernel: new Float32Array(units * 3 * units).fill(value),
    bias: new Float32Array(gruBiasLength(units, resetAfter)).fill(value),
  };
}

/**
 * Weights repacked once for the time loop, as in PackedLstmWeights: gate columns become contiguous
 * rows (transposed) in doubles. reset_after=False has no recurrent bias; it is stored as zeros.
 */
export interface PackedGruWeights {
  readonly inputDim: number;
  readonly units: number;
  readonly resetAfter: boolean;
  /** (3*units, inputDim): kernel transposed. */
  readonly kernelT: Float64Array;
  /** (3*units, units): recurrent kernel transposed. */
  readonly recurrentKernelT: Float64Array;
  /** (3*units): added to x_t·W. */
  readonly inputBias: Float64Array;
  /** (3*units): added to h_{t-1}·U (zeros when resetAfter is false). */
  readonly recurrentBias: Float64Array;
}

export function packGruWeights(weights: GruWeights): PackedGruWeights {
  const { inputDim, units, kernel, recurrentKernel, resetAfter, bias } = weights;
  const gates = 3 * units;
  if (kernel.length !== inputDim * gates) throw new Error(`GRU kernel has ${kernel.length} entries, expected ${inputDim * gates}`);
  if (recurrentKernel.length !== units * gates) {
    throw new Error(`GRU recurrent kernel has ${recurrentKernel.length} entries, expected ${units * gates}`);
  }
  if (bias.length !== gruBiasLength(units, resetAfter)) {
    throw new Error(`GRU bias has ${bias.length} entries, expected ${gruBiasLength(units, resetAfter)} (reset_after=${resetAfter})`);
  }
  const kernelT = new Float64Array(gates * inputDim);
  for (let k = 0; k < inputDim; k++) for (let j = 0; j < gates; j++) kernelT[j * inputDim + k] = kernel[k * gates + j]!;
  const recurrentKernelT = new Float64Array(gates * units);
  for (let k = 0; k < units; k++) for (let j = 0; j < gates; j++) recurrentKernelT[j * units + k] = recurrentKernel[k * gates + j]!;
  const inputBias = Float64Array.from(bias.subarray(0, gates));
  const recurrentBias = resetAfter ? Float64Array.from(bias.subarray(gates, 2 * gates)) : new Float64Array(gates);
  return { inputDim, units, resetAfter, kernelT, recurrentKernelT, inputBias, recurrentBias };
}

/** Scratch doubles gruForward needs: 3*units input projection, 3*units recurrent projection, units for r ⊙ h. */
export function gruScratchLength(units: number): number {
  return 7 * units;
}

/**
 * Runs the time loop for `rows` sequences of `timesteps` steps. `inputs` is (rows, timesteps, inputDim)
 * row-major, as Keras's (batch, time, features). `h` (rows, units) holds the initial state and
 * receives the final one; `scratch` has gruScratchLength(units) doubles. `afterStep` runs after each
 * timestep. `mask` (rows, timesteps), 0 = padded step: that row's h passes through unchanged (§4).
 * `activation` is the recurrent activation σr of z and r; the candidate uses `activation.candidate` (tanh).
 */
export function gruForward(
  weights: PackedGruWeights,
  activation: GateActivation,
  inputs: Float32Array,
  rows: number,
  timesteps: number,
  h: Float32Array,
  scratch: Float64Array,
  afterStep?: (timestep: number) => void,
  mask?: Uint8Array,
): void {
  const { inputDim, units, resetAfter, kernelT, recurrentKernelT, inputBias, recurrentBias } = weights;
  const gates = 3 * units;
  if (scratch.length < gruScratchLength(units)) throw new Error(`GRU scratch needs ${gruScratchLength(units)} doubles`);
  const hard = activation.name === 'hard_sigmoid';
  const slope = activation.hardSigmoidSlope;
  const act = candidateActivation(activation);
  // scratch layout: [0, 3u) x_t·W + b_in, [3u, 6u) h·U (+ b_rec), [6u, 7u) r ⊙ h_{t-1}
  const rec = gates;
  const gated = 2 * gates;
  for (let t = 0; t < timesteps; t++) {
    for (let r = 0; r < rows; r++) {
      if (mask !== undefined && mask[r * timesteps + t] === 0) continue;
      const inputOffset = (r * timesteps + t) * inputDim;
      const stateOffset = r * units;
      // [x_z, x_r, x_h] = x_t·W + b_in
      affine(scratch, 0, inputBias, kernelT, 0, gates, inputDim, inputs, inputOffset);
      if (resetAfter) {
        // [r_z, r_r, r_h] = h_{t-1}·U + b_rec
        affine(scratch, rec, recurrentBias, recurrentKernelT, 0, gates, units, h, stateOffset);
        for (let j = 0; j < units; j++) {
          // update gate: how much of the old state to keep
          const update = gate(scratch[j]! + scratch[rec + j]!, hard, slope);
          // reset gate: how much of the old state the candidate sees (after its matmul)
          const reset = gate(scratch[units + j]! + scratch[rec + units + j]!, hard, slope);
          // candidate state
          const candidate = act(scratch[2 * units + j]! + reset * scratch[rec + 2 * units + j]!);
          h[stateOffset + j] = update * h[stateOffset + j]! + (1 - update) * candidate;
        }
      } else {
        // [r_z, r_r] = h_{t-1}·U[:, :2u]
        affine(scratch, rec, recurrentBias, recurrentKernelT, 0, 2 * units, units, h, stateOffset);
        for (let j = 0; j < units; j++) {
          // reset gate: how much of the old state the candidate sees (before its matmul)
          const reset = gate(scratch[units + j]! + scratch[rec + units + j]!, hard, slope);
          scratch[gated + j] = reset * h[stateOffset + j]!;
        }
        // r_h = (r ⊙ h_{t-1})·U[:, 2u:]
        affine(scratch, rec + 2 * units, recurrentBias, recurrentKernelT, 2 * units, units, units, scratch, gated);
        for (let j = 0; j < units; j++) {
          // update gate: how much of the old state to keep
          const update = gate(scratch[j]! + scratch[rec + j]!, hard, slope);
          // candidate state
          const candidate = act(scratch[2 * units + j]! + scratch[rec + 2 * units + j]!);
          h[stateOffset + j] = update * h[stateOffset + j]! + (1 - update) * candidate;
        }
      }
    }
    afterStep?.(t);
  }
}

/**
 * out[outOffset + j] = bias[first + j] + Σ_k vector[vectorOffset + k] · matrixT[(first + j)·length + k]
 * for j < count: rows first..first+count of a transposed weight matrix, four at a time.
 */
function affine(
  out: Float64Array,
  outOffset: number,
  bias: Float64Array,
  matrixT: Float64Array,
  first: number,
  count: number,
  length: number,
  vector: Float32Array | Float64Array,
  vectorOffset: number,
): void {
  const blocked = count - (count % 4);
  let j = 0;
  for (; j < blocked; j += 4) {
    const row = first + j;
    let a0 = bias[row]!;
    let a1 = bias[row + 1]!;
    let a2 = bias[row + 2]!;
    let a3 = bias[row + 3]!;
    const m0 = row * length;
    const m1 = m0 + length;
    const m2 = m1 + length;
    const m3 = m2 + length;
    for (let k = 0; k < length; k++) {
      const vk = vector[vectorOffset + k]!;
      a0 += vk * matrixT[m0 + k]!;
      a1 += vk * matrixT[m1 + k]!;
      a2 += vk * matrixT[m2 + k]!;
      a3 += vk * matrixT[m3 + k]!;
    }
    out[outOffset + j] = a0;
    out[outOffset + j + 1] = a1;
    out[outOffset + j + 2] = a2;
    out[outOffset + j + 3] = a3;
  }
  for (; j < count; j++) {
    const row = first + j;
    let a = bias[row]!;
    const m = row * length;
    for (let k = 0; k < length; k++) a += vector[vectorOffset + k]! * matrixT[m + k]!;
    out[outOffset + j] = a;
  }
}

/** σr: sigmoid, or hard_sigmoid clip(slope·x + 0.5, 0, 1). */
function gate(x: number, hard: boolean, slope: number): number {
  if (!hard) return 1 / (1 + Math.exp(-x));
  const y = slope * x + 0.5;
  return y < 0 ? 0 : y > 1 ? 1 : y;
}
