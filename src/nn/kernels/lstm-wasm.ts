/**
 * The LSTM time loop on WebAssembly SIMD (native/lstm.c): the same semantics as lstmForward. Each
 * step is one batched product z (rows, 4U) = x_t W + h R + b, the weights packed once into panels
 * of eight gate columns that stay in the L1 cache while a tile of rows goes through them (eight sums
 * per row in f32x4 registers), then the gates and the new states of that tile. Each call copies its
 * inputs and states in and the final states out (and the states after every step when someone
 * watches the steps).
 *
 * Two builds of the same C: with relaxed SIMD (fused multiply-add) where this runtime validates it,
 * plain SIMD otherwise (see ./relaxed-simd.ts).
 */
import type { GateActivation, LstmWeights } from '../lstm.ts';
import { lstmRelaxedWasmBase64, lstmWasmBase64 } from './lstm-wasm-module.ts';
import { relaxedSimdAvailable } from './relaxed-simd.ts';

/** The exports of native/lstm.c. */
export interface LstmExports {
  readonly memory: WebAssembly.Memory;
  readonly __heap_base: WebAssembly.Global;
  lstm_pack(D: number, U: number, W: number, R: number, P: number): void;
  lstm_steps(rows: number, T: number, D: number, U: number, t0: number, t1: number, x: number, P: number, b: number, h: number, c: number, z: number, mask: number, hard: number, slope: number): void;
  lstm_scratch_rows(U: number): number;
}

/** Which build: 'relaxed' (relaxed SIMD: fused multiply-add) or 'simd' (WebAssembly SIMD only). */
export type WasmKernelBuild = 'relaxed' | 'simd';

const compiled = new Map<WasmKernelBuild, WebAssembly.Module | null>();

/**
 * The compiled module of a build (by default relaxed SIMD where available, else plain SIMD), or null
 * where this runtime cannot run it (no WebAssembly SIMD: then the JS kernel runs).
 */
export function lstmWasmModule(build: WasmKernelBuild = relaxedSimdAvailable() ? 'relaxed' : 'simd'): WebAssembly.Module | null {
  if (!compiled.has(build)) {
    const base64 = build === 'relaxed' ? lstmRelaxedWasmBase64 : lstmWasmBase64;
    let module: WebAssembly.Module | null;
    try {
      module = build === 'relaxed' && !relaxedSimdAvailable() ? null : new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)));
    } catch {
      module = null;
    }
    compiled.set(build, module);
  }
  return compiled.get(build)!;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Gate columns padded to the kernel's panels of eight. */
export const paddedGates = (units: number) => Math.ceil((4 * units) / 8) * 8;

/**
 * Instantiates the kernel and packs the weights into its memory: returns the exports, where the
 * packed weights and padded bias are, and where the per-call regions may start.
 */
export function instantiateLstmKernel(module: WebAssembly.Module, weights: Pick<LstmWeights, 'inputDim' | 'units' | 'kernel' | 'recurrentKernel' | 'bias'>) {
  const exports = new WebAssembly.Instance(module).exports as unknown as LstmExports;
  const { inputDim: D, units: U } = weights;
  const G = 4 * U;
  const Gp = paddedGates(U);
  // packed weights (D + U rows per panel of eight columns), then the bias padded with zeros
  const P = align(exports.__heap_base.value as number);
  const b = P + align(4 * (D + U) * Gp);
  const callBase = b + align(4 * Gp);
  // the weights as Keras lays them out go to the per-call region first, to be packed from there
  const W = callBase;
  const R = W + align(4 * D * G);
  growMemory(exports.memory, R + align(4 * U * G));
  const memory = new Float32Array(exports.memory.buffer);
  memory.set(weights.kernel, W / 4);
  memory.set(weights.recurrentKernel, R / 4);
  memory.fill(0, b / 4, b / 4 + Gp);
  memory.set(weights.bias, b / 4);
  exports.lstm_pack(D, U, W, R, P);
  return { exports, P, b, callBase, scratchRows: exports.lstm_scratch_rows(U) };
}

export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
}

export class WasmLstmKernel {
  private readonly exports: LstmExports;
  private readonly inputDim: number;
  private readonly units: number;
  private readonly hard: number;
  private readonly slope: number;
  private readonly weightsAt: { P: number; b: number };
  /** Start of the per-call regions, after the weights. */
  private readonly callBase: number;
  private readonly scratchRows: number;
  private capacity = { rows: 0, timesteps: 0 };
  private at = { x: 0, h: 0, c: 0, z: 0, mask: 0 };

  constructor(module: WebAssembly.Module, weights: LstmWeights, activation: GateActivation) {
    const kernel = instantiateLstmKernel(module, weights);
    this.exports = kernel.exports;
    this.inputDim = weights.inputDim;
    this.units = weights.units;
    this.hard = activation.name === 'hard_sigmoid' ? 1 : 0;
    this.slope = activation.hardSigmoidSlope;
    this.weightsAt = { P: kernel.P, b: kernel.b };
    this.callBase = kernel.callBase;
    this.scratchRows = kernel.scratchRows;
  }

  /** Lays out the per-call regions for `rows` rows of `timesteps` steps (growing memory if needed). */
  private reserve(rows: number, timesteps: number): void {
    if (rows <= this.capacity.rows && timesteps <= this.capacity.timesteps) return;
    rows = Math.max(rows, this.capacity.rows);
    timesteps = Math.max(timesteps, this.capacity.timesteps);
    const x = this.callBase;
    const h = x + align(4 * rows * timesteps * this.inputDim);
    const c = h + align(4 * rows * this.units);
    const z = c + align(4 * rows * this.units);
    const mask = z + align(4 * this.scratchRows * paddedGates(this.units));
    growMemory(this.exports.memory, mask + align(rows * timesteps));
    this.at = { x, h, c, z, mask };
    this.capacity = { rows, timesteps };
  }

  /** As lstmForward: `h` and `c` (rows, units) hold the initial states and receive the final ones. */
  forward(inputs: Float32Array, rows: number, timesteps: number, h: Float32Array, c: Float32Array, afterStep?: (t: number) => void, mask?: Uint8Array): void {
    this.reserve(rows, timesteps);
    const { x, h: hAt, c: cAt, z, mask: maskAt } = this.at;
    const floats = new Float32Array(this.exports.memory.buffer);
    const used = rows * this.units;
    floats.set(inputs.subarray(0, rows * timesteps * this.inputDim), x / 4);
    floats.set(h.subarray(0, used), hAt / 4);
    floats.set(c.subarray(0, used), cAt / 4);
    if (mask) new Uint8Array(this.exports.memory.buffer).set(mask.subarray(0, rows * timesteps), maskAt);
    const hView = floats.subarray(hAt / 4, hAt / 4 + used);
    const cView = floats.subarray(cAt / 4, cAt / 4 + used);
    const { P, b } = this.weightsAt;
    const run = (t0: number, t1: number) =>
      this.exports.lstm_steps(rows, timesteps, this.inputDim, this.units, t0, t1, x, P, b, hAt, cAt, z, mask ? maskAt : 0, this.hard, this.slope);
    if (afterStep) {
      for (let t = 0; t < timesteps; t++) {
        run(t, t + 1);
        h.set(hView);
        c.set(cView);
        afterStep(t);
      }
    } else {
      run(0, timesteps);
    }
    h.set(hView);
    c.set(cView);
  }
}
