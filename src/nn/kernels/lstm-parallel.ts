/**
 * The second core: rows of a batch are independent through time, so a call splits its rows in two,
 * this thread runs the first part while a worker thread runs the second part, all timesteps each,
 * through its own instance of the same WebAssembly kernel. The two meet through a SharedArrayBuffer
 * and Atomics (the worker waits for a task number, runs it, publishes the same number as done).
 * Used only when nobody watches the steps (no per-step hook, no per-step output) and the call is
 * big enough to pay for the handover; otherwise the single-thread kernel runs.
 */
import { Worker } from 'node:worker_threads';
import type { GateActivation, LstmWeights } from '../lstm.ts';
import { WasmLstmKernel } from './lstm-wasm.ts';

/** Control words in the shared buffer. */
const TASK = 0;
const DONE = 1;
const ROWS = 2;
const STEPS = 3;
const HAS_MASK = 4;
/** The number of the last task that threw in the worker; -1 if the worker could not start. */
const FAILED = 5;
const CONTROL_WORDS = 8;

/** The worker: instantiate the kernel, then run every task posted through the shared buffer. */
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, kernel, recurrentKernel, bias, inputDim, units, hard, slope, shared, layout } = workerData;
const control = new Int32Array(shared, 0, ${CONTROL_WORDS});
try {
const exports = new WebAssembly.Instance(module).exports;
const align = (n) => Math.ceil(n / 16) * 16;
const G = 4 * units, Gp = Math.ceil(G / 8) * 8;
// as WasmLstmKernel: packed weights, padded bias, then the per-call regions (raw weights first, to pack)
const P = align(exports.__heap_base.value), b = P + align(4 * (inputDim + units) * Gp), x = b + align(4 * Gp);
const data = new Float32Array(shared);
const bytes = new Uint8Array(shared);
let capacity = { rows: 0, T: 0 };
let at;
function grow(end) {
  if (end > exports.memory.buffer.byteLength) exports.memory.grow(Math.ceil((end - exports.memory.buffer.byteLength) / 65536));
}
function reserve(rows, T) {
  if (rows <= capacity.rows && T <= capacity.T) return;
  rows = Math.max(rows, capacity.rows);
  T = Math.max(T, capacity.T);
  const h = x + align(4 * rows * T * inputDim), c = h + align(4 * rows * units), z = c + align(4 * rows * units), mask = z + align(4 * rows * Gp);
  grow(mask + align(rows * T));
  at = { h, c, z, mask };
  capacity = { rows, T };
}
const W = x, R = W + align(4 * inputDim * G);
grow(R + align(4 * units * G));
let floats = new Float32Array(exports.memory.buffer);
floats.set(kernel, W / 4);
floats.set(recurrentKernel, R / 4);
floats.set(bias, b / 4);
exports.lstm_pack(inputDim, units, W, R, P);
let seen = 0;
for (;;) {
  Atomics.wait(control, ${TASK}, seen);
  seen = Atomics.load(control, ${TASK});
  if (seen < 0) break;
  const rows = control[${ROWS}], T = control[${STEPS}], hasMask = control[${HAS_MASK}] === 1;
  try {
  reserve(rows, T);
  floats = new Float32Array(exports.memory.buffer);
  floats.set(data.subarray(layout.x / 4, layout.x / 4 + rows * T * inputDim), x / 4);
  floats.set(data.subarray(layout.h / 4, layout.h / 4 + rows * units), at.h / 4);
  floats.set(data.subarray(layout.c / 4, layout.c / 4 + rows * units), at.c / 4);
  if (hasMask) new Uint8Array(exports.memory.buffer).set(bytes.subarray(layout.mask, layout.mask + rows * T), at.mask);
  for (let t = 0; t < T; t++) exports.lstm_step(rows, T, inputDim, units, t, x, P, b, at.h, at.c, at.z, hasMask ? at.mask : 0, hard, slope);
  data.set(floats.subarray(at.h / 4, at.h / 4 + rows * units), layout.h / 4);
  data.set(floats.subarray(at.c / 4, at.c / 4 + rows * units), layout.c / 4);
  } catch {
    // the caller throws rather than waiting for an answer that never comes
    Atomics.store(control, ${FAILED}, seen);
  }
  Atomics.store(control, ${DONE}, seen);
  Atomics.notify(control, ${DONE});
}
} catch {
  // could not start: the caller runs every row itself from now on
  Atomics.store(control, ${FAILED}, -1);
  Atomics.store(control, ${DONE}, -1);
  Atomics.notify(control, ${DONE});
}
`;

/** Gate-matmul flops below which a call stays on one thread (the handover costs tens of microseconds). */
const minimumParallelFlops = 2e6;

export class ParallelLstmKernel {
  private readonly local: WasmLstmKernel;
  private readonly inputDim: number;
  private readonly units: number;
  private worker: Worker | undefined;
  private control: Int32Array | undefined;
  private data: Float32Array | undefined;
  private bytes: Uint8Array | undefined;
  private layout = { x: 0, h: 0, c: 0, mask: 0 };
  /** Rows x timesteps, and rows, the shared buffer holds for the worker's part. */
  private capacity = 0;
  private capacityRows = 0;
  private task = 0;
  /** Set when the worker failed: every call runs on this thread. */
  private disabled = false;

  private readonly module: WebAssembly.Module;
  private readonly weights: LstmWeights;
  private readonly activation: GateActivation;

  constructor(module: WebAssembly.Module, weights: LstmWeights, activation: GateActivation) {
    this.module = module;
    this.weights = weights;
    this.activation = activation;
    this.local = new WasmLstmKernel(module, weights, activation);
    this.inputDim = weights.inputDim;
    this.units = weights.units;
  }

  /** As lstmForward. Splits the rows over two threads when it pays. */
  forward(inputs: Float32Array, rows: number, timesteps: number, h: Float32Array, c: Float32Array, afterStep?: (t: number) => void, mask?: Uint8Array): void {
    const flops = 2 * 4 * this.units * (this.inputDim + this.units) * rows * timesteps;
    if (afterStep || this.disabled || rows < 8 || flops < minimumParallelFlops) {
      this.local.forward(inputs, rows, timesteps, h, c, afterStep, mask);
      return;
    }
    // the worker takes the second part: a multiple of four rows stays here for the 4-row blocks
    const here = Math.min(rows - 1, Math.ceil(rows / 2 / 4) * 4);
    const there = rows - here;
    if (!this.ensureWorker(there, timesteps)) {
      this.local.forward(inputs, rows, timesteps, h, c, afterStep, mask);
      return;
    }
    const { D, U } = { D: this.inputDim, U: this.units };
    const control = this.control!;
    const data = this.data!;
    data.set(inputs.subarray(here * timesteps * D, rows * timesteps * D), this.layout.x / 4);
    data.set(h.subarray(here * U, rows * U), this.layout.h / 4);
    data.set(c.subarray(here * U, rows * U), this.layout.c / 4);
    if (mask) this.bytes!.set(mask.subarray(here * timesteps, rows * timesteps), this.layout.mask);
    control[ROWS] = there;
    control[STEPS] = timesteps;
    control[HAS_MASK] = mask ? 1 : 0;
    const task = ++this.task;
    Atomics.store(control, TASK, task);
    Atomics.notify(control, TASK);
    this.local.forward(inputs, here, timesteps, h.subarray(0, here * U), c.subarray(0, here * U), undefined, mask?.subarray(0, here * timesteps));
    const started = Date.now();
    while (Atomics.load(control, DONE) !== task && Atomics.load(control, FAILED) !== -1) {
      Atomics.wait(control, DONE, Atomics.load(control, DONE), 1000);
      if (Date.now() - started > 600_000) throw new Error('the LSTM worker thread did not answer for 10 minutes');
    }
    const failed = Atomics.load(control, FAILED);
    if (failed === task || failed === -1) {
      // the worker's rows are untouched in h and c: run them here, and stay on this thread
      this.close();
      this.disabled = true;
      this.local.forward(inputs.subarray(here * timesteps * D), there, timesteps, h.subarray(here * U), c.subarray(here * U), undefined, mask?.subarray(here * timesteps));
      return;
    }
    h.set(data.subarray(this.layout.h / 4, this.layout.h / 4 + there * U), here * U);
    c.set(data.subarray(this.layout.c / 4, this.layout.c / 4 + there * U), here * U);
  }

  /** Starts the worker (once) with a shared buffer for `rows` x `timesteps`; false if it cannot. */
  private ensureWorker(rows: number, timesteps: number): boolean {
    if (this.worker) return rows <= this.capacityRows && rows * timesteps <= this.capacity;
    const { inputDim: D, units: U } = this;
    // room for the largest part seen so far, with slack for later calls
    const capacityRows = rows * 2;
    const align = (n: number) => Math.ceil(n / 16) * 16;
    const x = align(CONTROL_WORDS * 4);
    const hAt = x + align(4 * capacityRows * timesteps * D);
    const cAt = hAt + align(4 * capacityRows * U);
    const maskAt = cAt + align(4 * capacityRows * U);
    const shared = new SharedArrayBuffer(maskAt + align(capacityRows * timesteps));
    this.layout = { x, h: hAt, c: cAt, mask: maskAt };
    this.control = new Int32Array(shared, 0, CONTROL_WORDS);
    this.data = new Float32Array(shared);
    this.bytes = new Uint8Array(shared);
    this.capacity = capacityRows * timesteps;
    try {
      this.worker = new Worker(workerSource, {
        eval: true,
        workerData: {
          module: this.module,
          kernel: this.weights.kernel,
          recurrentKernel: this.weights.recurrentKernel,
          bias: this.weights.bias,
          inputDim: D,
          units: U,
          hard: this.activation.name === 'hard_sigmoid' ? 1 : 0,
          slope: this.activation.hardSigmoidSlope,
          shared,
          layout: this.layout,
        },
      });
    } catch {
      this.capacity = 0;
      return false;
    }
    // the worker must not keep a finished run alive
    this.worker.unref();
    this.capacityRows = capacityRows;
    return true;
  }

  /** Stops the worker thread. */
  close(): void {
    if (this.control) {
      Atomics.store(this.control, TASK, -1);
      Atomics.notify(this.control, TASK);
    }
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
