/**
 * The LSTM time loop on WebAssembly SIMD (native/lstm.c): the same semantics as lstmForward, with
 * four rows sharing every weight load and eight gate columns summed in f32x4 registers. Weights are
 * copied into the module's memory once; each call copies its inputs and states in and the final
 * states out (and the states after every step when someone watches the steps).
 */
import type { GateActivation, LstmWeights } from '../lstm.ts';
import { lstmWasmBase64 } from './lstm-wasm-module.ts';

interface LstmExports {
  readonly memory: WebAssembly.Memory;
  readonly __heap_base: WebAssembly.Global;
  lstm_step(rows: number, T: number, D: number, U: number, t: number, x: number, W: number, R: number, b: number, h: number, c: number, z: number, mask: number, hard: number, slope: number): void;
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

export class WasmLstmKernel {
  private readonly exports: LstmExports;
  private readonly inputDim: number;
  private readonly units: number;
  private readonly hard: number;
  private readonly slope: number;
  private readonly weightsAt: { W: number; R: number; b: number };
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
    const heap = align(this.exports.__heap_base.value as number);
    const W = heap;
    const R = W + align(4 * this.inputDim * G);
    const b = R + align(4 * this.units * G);
    this.callBase = b + align(4 * G);
    this.weightsAt = { W, R, b };
    this.ensureMemory(this.callBase);
    const memory = new Float32Array(this.exports.memory.buffer);
    memory.set(weights.kernel, W / 4);
    memory.set(weights.recurrentKernel, R / 4);
    memory.set(weights.bias, b / 4);
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
    const mask = z + align(4 * rows * 4 * this.units);
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
    const { W, R, b } = this.weightsAt;
    for (let t = 0; t < timesteps; t++) {
      this.exports.lstm_step(rows, timesteps, this.inputDim, this.units, t, x, W, R, b, hAt, cAt, z, mask ? maskAt : 0, this.hard, this.slope);
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
