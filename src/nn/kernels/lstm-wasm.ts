/**
 * The LSTM time loop on WebAssembly SIMD (native/lstm.c): the same semantics as lstmForward. Each
 * step is one batched product z (rows, 4U) = x_t W + h R + b, the weights packed once into panels
 * of eight gate columns that stay in the L1 cache while every block of four rows goes through them
 * (eight sums per row in f32x4 registers), then the gates and the new states, fused. Each call
 * copies its inputs and states in and the final states out (and the states after every step when
 * someone watches the steps).
 */
import type { GateActivation, LstmWeights } from '../lstm.ts';
import { lstmWasmBase64 } from './lstm-wasm-module.ts';

interface LstmExports {
  readonly memory: WebAssembly.Memory;
  readonly __heap_base: WebAssembly.Global;
  lstm_pack(D: number, U: number, W: number, R: number, P: number): void;
  lstm_step(rows: number, T: number, D: number, U: number, t: number, x: number, P: number, b: number, h: number, c: number, z: number, mask: number, hard: number, slope: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is not available (then the JS kernel runs). */
export function lstmWasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Uint8Array.from(atob(lstmWasmBase64), (ch) => ch.charCodeAt(0)));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Gate columns padded to the kernel's panels of eight. */
export const paddedGates = (units: number) => Math.ceil((4 * units) / 8) * 8;

export class WasmLstmKernel {
  private readonly exports: LstmExports;
  private readonly inputDim: number;
  private readonly units: number;
  private readonly hard: number;
  private readonly slope: number;
  private readonly weightsAt: { P: number; b: number };
  /** Gate columns padded to a multiple of eight: the row stride of z. */
  private readonly Gp: number;
  /** Start of the per-call regions, after the weights. */
  private readonly callBase: number;
  private capacity = { rows: 0, timesteps: 0 };
  private at = { x: 0, h: 0, c: 0, z: 0, mask: 0 };

  constructor(module: WebAssembly.Module, weights: LstmWeights, activation: GateActivation) {
    this.exports = new WebAssembly.Instance(module).exports as unknown as LstmExports;
    this.inputDim = weights.inputDim;
    this.units = weights.units;
    this.hard = activation.name === 'hard_sigmoid' ? 1 : 0;
    this.slope = activation.hardSigmoidSlope;
    const G = 4 * this.units;
    const Gp = paddedGates(this.units);
    this.Gp = Gp;
    const heap = align(this.exports.__heap_base.value as number);
    // packed weights (D + U rows per panel of eight columns), then the bias padded with zeros
    const P = heap;
    const b = P + align(4 * (this.inputDim + this.units) * Gp);
    this.callBase = b + align(4 * Gp);
    this.weightsAt = { P, b };
    // the weights as Keras lays them out go to the per-call region first, to be packed from there
    const W = this.callBase;
    const R = W + align(4 * this.inputDim * G);
    this.ensureMemory(R + align(4 * this.units * G));
    const memory = new Float32Array(this.exports.memory.buffer);
    memory.set(weights.kernel, W / 4);
    memory.set(weights.recurrentKernel, R / 4);
    memory.set(weights.bias, b / 4);
    this.exports.lstm_pack(this.inputDim, this.units, W, R, P);
  }

  private ensureMemory(bytes: number): void {
    const memory = this.exports.memory;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
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
    const mask = z + align(4 * rows * this.Gp);
    this.ensureMemory(mask + align(rows * timesteps));
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
    for (let t = 0; t < timesteps; t++) {
      this.exports.lstm_step(rows, timesteps, this.inputDim, this.units, t, x, P, b, hAt, cAt, z, mask ? maskAt : 0, this.hard, this.slope);
      if (afterStep) {
        h.set(hView);
        c.set(cView);
        afterStep(t);
      }
    }
    h.set(hView);
    c.set(cView);
  }
}
