/**
 * The second core. Rows of a batch are independent through time, so a call cuts its rows into
 * blocks (large first, smaller towards the end) that this thread and one worker thread pull from a
 * shared counter, each block running all its timesteps through that thread's own instance of the
 * same WebAssembly kernel. They meet through SharedArrayBuffers and Atomics.
 *
 * On a busy machine the worker may get little of its core, or none: this thread then simply pulls
 * more blocks, and once nothing is left to pull it waits for the worker's block in progress only
 * while the worker's measured progress says it will finish sooner than this thread could redo that
 * block; otherwise it redoes it itself (the worker's late result is then ignored). So two threads
 * are never much slower than one, whatever the other core is doing.
 *
 * Used only when nobody watches the steps (no per-step hook, no per-step output) and the call is big
 * enough to pay for the handover; otherwise the single-thread kernel runs.
 */
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { GateActivation, LstmWeights } from '../lstm.ts';
import { WasmLstmKernel } from './lstm-wasm.ts';

/** Control words (Int32) of the shared control buffer. */
const TASK = 0; // the current task number; -1 tells the worker to exit
const CLAIM = 1; // (task tag << 16) | next unclaimed block
const DONE_COUNT = 2; // bumped (and notified) by the worker after each block or failure
const ROWS = 3;
const STEPS = 4;
const HAS_MASK = 5;
const BLOCKS = 6;
const FAILED = 7; // 1 once the worker has failed (it then stops taking blocks)
const HEADER = 16;
/** The most blocks one call is cut into. */
const MAX_BLOCKS = 1024;
/** Per block, after the header: first row (Int32), status (Int32), worker's steps done (Int32). */
const BLOCK_START = HEADER;
const STATUS = BLOCK_START + MAX_BLOCKS + 1;
const PROGRESS = STATUS + MAX_BLOCKS;
const CONTROL_INTS = PROGRESS + MAX_BLOCKS;
/** Per block (Float64, after the Int32 words): when the worker started it (ms, performance.timeOrigin based). */
const STARTED_AT = Math.ceil((CONTROL_INTS * 4) / 8);
const CONTROL_BYTES = (STARTED_AT + MAX_BLOCKS) * 8;

/** How long the worker keeps looking for the next task before it sleeps, and this thread for a block about to end (ms). */
const WORKER_SPIN_MS = 0.2;
const SPIN_MS = 0.2;

/** Block status, tagged with the task: tag * 4 + state. */
const PENDING = 0;
const WORKER_DONE = 1;
const TAKEN_OVER = 2;

/** The worker: instantiate the kernel, then take blocks of every task posted through the control buffer. */
const workerSource = `(function () {
const { workerData, parentPort } = require('node:worker_threads');
const { module, kernel, recurrentKernel, bias, inputDim: D, units: U, hard, slope, control: controlBuffer, data: dataBuffer, layout, delayMs } = workerData;
const pause = new Int32Array(new SharedArrayBuffer(4));
const control = new Int32Array(controlBuffer);
const startedAt = new Float64Array(controlBuffer, ${STARTED_AT * 8}, ${MAX_BLOCKS});
const data = new Float32Array(dataBuffer);
const bytes = new Uint8Array(dataBuffer);
const now = () => performance.timeOrigin + performance.now();
function fail() {
  Atomics.store(control, ${FAILED}, 1);
  Atomics.add(control, ${DONE_COUNT}, 1);
  Atomics.notify(control, ${DONE_COUNT});
}
let exports, P, b, x, capacity = { rows: 0, T: 0 }, at, reserve;
try {
  exports = new WebAssembly.Instance(module).exports;
  const align = (n) => Math.ceil(n / 16) * 16;
  const G = 4 * U, Gp = Math.ceil(G / 8) * 8;
  const grow = (end) => { if (end > exports.memory.buffer.byteLength) exports.memory.grow(Math.ceil((end - exports.memory.buffer.byteLength) / 65536)); };
  // as instantiateLstmKernel: packed weights, padded bias, then the per-call regions (raw weights first, to pack)
  P = align(exports.__heap_base.value); b = P + align(4 * (D + U) * Gp); x = b + align(4 * Gp);
  const W = x, R = W + align(4 * D * G);
  grow(R + align(4 * U * G));
  const floats = new Float32Array(exports.memory.buffer);
  floats.set(kernel, W / 4);
  floats.set(recurrentKernel, R / 4);
  floats.set(bias, b / 4);
  exports.lstm_pack(D, U, W, R, P);
  const scratch = exports.lstm_scratch_rows(U) * Gp;
  reserve = (rows, T) => {
    if (rows <= capacity.rows && T <= capacity.T) return;
    rows = Math.max(rows, capacity.rows); T = Math.max(T, capacity.T);
    const h = x + align(4 * rows * T * D), c = h + align(4 * rows * U), zAt = c + align(4 * rows * U), mask = zAt + align(4 * scratch);
    grow(mask + align(rows * T));
    at = { h, c, z: zAt, mask };
    capacity = { rows, T };
  };
} catch {
  fail();
  return;
}
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  // the next call of a layer usually comes within microseconds: look for it a little before sleeping
  const spinUntil = performance.now() + ${WORKER_SPIN_MS};
  while (Atomics.load(control, ${TASK}) === seen && performance.now() < spinUntil);
  Atomics.wait(control, ${TASK}, seen);
  seen = Atomics.load(control, ${TASK});
  if (seen < 0) break;
  if (Atomics.load(control, ${FAILED}) === 1) continue;
  const tag = seen & 0x7fff;
  const rows = control[${ROWS}], T = control[${STEPS}], hasMask = control[${HAS_MASK}] === 1, blocks = control[${BLOCKS}];
  const chunk = Math.max(1, Math.ceil(T / 8));
  try {
    for (;;) {
      const word = Atomics.load(control, ${CLAIM});
      if (word >>> 16 !== tag || (word & 0xffff) >= blocks) break;
      if (Atomics.compareExchange(control, ${CLAIM}, word, word + 1) !== word) continue;
      const k = word & 0xffff;
      if (delayMs > 0) Atomics.wait(pause, 0, 0, delayMs); // tests: a worker whose core is busy
      startedAt[k] = now();
      const r0 = control[${BLOCK_START} + k], r1 = control[${BLOCK_START} + k + 1], n = r1 - r0;
      if (!(n > 0 && r1 <= rows)) break; // a task that ended while this thread was away
      reserve(n, T);
      const floats = new Float32Array(exports.memory.buffer);
      floats.set(data.subarray(layout.x / 4 + r0 * T * D, layout.x / 4 + r1 * T * D), x / 4);
      floats.set(data.subarray(layout.hIn / 4 + r0 * U, layout.hIn / 4 + r1 * U), at.h / 4);
      floats.set(data.subarray(layout.cIn / 4 + r0 * U, layout.cIn / 4 + r1 * U), at.c / 4);
      if (hasMask) new Uint8Array(exports.memory.buffer).set(bytes.subarray(layout.mask + r0 * T, layout.mask + r1 * T), at.mask);
      for (let t = 0; t < T; t += chunk) {
        exports.lstm_steps(n, T, D, U, t, Math.min(T, t + chunk), x, P, b, at.h, at.c, at.z, hasMask ? at.mask : 0, hard, slope);
        Atomics.store(control, ${PROGRESS} + k, Math.min(T, t + chunk));
      }
      data.set(floats.subarray(at.h / 4, at.h / 4 + n * U), layout.hOut / 4 + r0 * U);
      data.set(floats.subarray(at.c / 4, at.c / 4 + n * U), layout.cOut / 4 + r0 * U);
      Atomics.compareExchange(control, ${STATUS} + k, tag * 4 + ${PENDING}, tag * 4 + ${WORKER_DONE});
      Atomics.add(control, ${DONE_COUNT}, 1);
      Atomics.notify(control, ${DONE_COUNT});
    }
  } catch {
    fail();
  }
}
})();
`;

/** Gate-matmul flops below which a call stays on one thread (the handover costs tens of microseconds). */
const minimumParallelFlops = 2e6;
/** Rows of the smallest block (a multiple of the kernel's four-row blocks). */
const minimumBlockRows = 8;

/**
 * Block boundaries for `rows` rows: each block a quarter of what is left (a multiple of 4 rows, at
 * least minimumBlockRows), so the last blocks are small and the two threads end close together.
 */
export function blockBoundaries(rows: number): number[] {
  const starts = [0];
  let start = 0;
  while (start < rows) {
    const left = rows - start;
    let size = Math.max(minimumBlockRows, Math.ceil(left / 4 / 4) * 4);
    if (starts.length >= MAX_BLOCKS - 1) size = left;
    start += Math.min(size, left);
    starts.push(start);
  }
  return starts;
}

const now = () => performance.timeOrigin + performance.now();

export class ParallelLstmKernel {
  private readonly local: WasmLstmKernel;
  private readonly inputDim: number;
  private readonly units: number;
  private readonly module: WebAssembly.Module;
  private readonly weights: LstmWeights;
  private readonly activation: GateActivation;
  private worker: Worker | undefined;
  private control: Int32Array | undefined;
  private startedAt: Float64Array | undefined;
  private data: Float32Array | undefined;
  private bytes: Uint8Array | undefined;
  private layout = { x: 0, hIn: 0, cIn: 0, hOut: 0, cOut: 0, mask: 0 };
  /** Rows and timesteps the shared data buffer holds. */
  private capacity = { rows: 0, timesteps: 0 };
  private task = 0;
  /** This thread's milliseconds per row-step, measured on its own blocks. */
  private msPerRowStep = 0;
  /** Set when the worker failed: every call runs on this thread. */
  private disabled = false;
  /** Blocks of the last call done by the worker, and redone here after the worker fell behind (for tests and the bench). */
  readonly stats = { calls: 0, workerBlocks: 0, takenOver: 0 };

  private readonly workerDelayMs: number;
  private started: Promise<void> | undefined;

  /** `options.workerDelayMs` (tests): the worker sleeps that long before each block, as if its core were busy. */
  constructor(module: WebAssembly.Module, weights: LstmWeights, activation: GateActivation, options: { workerDelayMs?: number } = {}) {
    this.workerDelayMs = options.workerDelayMs ?? 0;
    this.module = module;
    this.weights = weights;
    this.activation = activation;
    this.local = new WasmLstmKernel(module, weights, activation);
    this.inputDim = weights.inputDim;
    this.units = weights.units;
  }

  /** As lstmForward. Shares the rows with the worker thread when it pays. */
  forward(inputs: Float32Array, rows: number, timesteps: number, h: Float32Array, c: Float32Array, afterStep?: (t: number) => void, mask?: Uint8Array): void {
    const { inputDim: D, units: U } = this;
    const flops = 2 * 4 * U * (D + U) * rows * timesteps;
    if (afterStep || this.disabled || rows < 2 * minimumBlockRows || flops < minimumParallelFlops) {
      this.local.forward(inputs, rows, timesteps, h, c, afterStep, mask);
      return;
    }
    this.ensureWorker(rows, timesteps);
    const control = this.control!;
    const data = this.data!;
    const starts = blockBoundaries(rows);
    const blocks = starts.length - 1;
    const task = (this.task = (this.task + 1) & 0x3fffffff);
    const tag = task & 0x7fff;
    // the worker may take any block but the first, which this thread takes before publishing
    const from = starts[1]!;
    const { layout } = this;
    data.set(inputs.subarray(from * timesteps * D, rows * timesteps * D), layout.x / 4 + from * timesteps * D);
    data.set(h.subarray(from * U, rows * U), layout.hIn / 4 + from * U);
    data.set(c.subarray(from * U, rows * U), layout.cIn / 4 + from * U);
    if (mask) this.bytes!.set(mask.subarray(from * timesteps, rows * timesteps), layout.mask + from * timesteps);
    for (let k = 0; k <= blocks; k++) control[BLOCK_START + k] = starts[k]!;
    for (let k = 0; k < blocks; k++) {
      control[STATUS + k] = tag * 4 + PENDING;
      control[PROGRESS + k] = 0;
      this.startedAt![k] = 0;
    }
    control[ROWS] = rows;
    control[STEPS] = timesteps;
    control[HAS_MASK] = mask ? 1 : 0;
    control[BLOCKS] = blocks;
    Atomics.store(control, CLAIM, (tag << 16) | 1);
    Atomics.store(control, TASK, task);
    Atomics.notify(control, TASK);

    const mine = new Uint8Array(blocks);
    const runHere = (k: number) => {
      const r0 = starts[k]!;
      const r1 = starts[k + 1]!;
      const began = performance.now();
      this.local.forward(inputs.subarray(r0 * timesteps * D, r1 * timesteps * D), r1 - r0, timesteps, h.subarray(r0 * U, r1 * U), c.subarray(r0 * U, r1 * U), undefined, mask?.subarray(r0 * timesteps, r1 * timesteps));
      const rate = (performance.now() - began) / ((r1 - r0) * timesteps);
      this.msPerRowStep = this.msPerRowStep === 0 ? rate : 0.5 * this.msPerRowStep + 0.5 * rate;
    };
    mine[0] = 1;
    runHere(0);
    for (;;) {
      const word = Atomics.load(control, CLAIM);
      const k = word & 0xffff;
      if (k >= blocks) break;
      if (Atomics.compareExchange(control, CLAIM, word, word + 1) !== word) continue;
      mine[k] = 1;
      runHere(k);
    }
    // every block is claimed: collect the worker's, redoing any it would finish later than this thread
    let workerBlocks = 0;
    let takenOver = 0;
    for (let k = 0; k < blocks; k++) {
      if (mine[k]) continue;
      const r0 = starts[k]!;
      const r1 = starts[k + 1]!;
      const ownMs = (r1 - r0) * timesteps * this.msPerRowStep;
      let firstSeen = 0;
      for (;;) {
        const count = Atomics.load(control, DONE_COUNT);
        const status = Atomics.load(control, STATUS + k);
        if (status === tag * 4 + WORKER_DONE) {
          h.set(data.subarray(layout.hOut / 4 + r0 * U, layout.hOut / 4 + r1 * U), r0 * U);
          c.set(data.subarray(layout.cOut / 4 + r0 * U, layout.cOut / 4 + r1 * U), r0 * U);
          workerBlocks++;
          break;
        }
        const t = now();
        if (firstSeen === 0) firstSeen = t;
        const done = Atomics.load(control, PROGRESS + k);
        const began = this.startedAt![k]! || firstSeen;
        const elapsed = t - began;
        // the worker's expected time left: from its pace so far, or unknown before its first chunk
        const left = done > 0 ? (elapsed * (timesteps - done)) / done : elapsed > ownMs / 4 ? Infinity : ownMs / 4 - elapsed;
        if (Atomics.load(control, FAILED) === 1 || left > ownMs) {
          if (Atomics.compareExchange(control, STATUS + k, tag * 4 + PENDING, tag * 4 + TAKEN_OVER) === tag * 4 + PENDING) {
            runHere(k);
            takenOver++;
            break;
          }
          continue; // the worker finished just now
        }
        if (left < SPIN_MS) {
          // about to end: look again without going to sleep (a wake-up costs tens of microseconds)
          const until = performance.now() + left;
          while (Atomics.load(control, DONE_COUNT) === count && performance.now() < until);
        } else {
          Atomics.wait(control, DONE_COUNT, count, Math.min(left, 5));
        }
      }
    }
    this.stats.calls++;
    this.stats.workerBlocks += workerBlocks;
    this.stats.takenOver += takenOver;
    if (Atomics.load(control, FAILED) === 1) {
      this.disabled = true;
      this.close();
    }
  }

  /** Starts the worker with shared buffers for `rows` x `timesteps` (again, larger, when a call outgrows them). */
  private ensureWorker(rows: number, timesteps: number): void {
    if (this.worker && rows <= this.capacity.rows && timesteps <= this.capacity.timesteps) return;
    this.close();
    const { inputDim: D, units: U } = this;
    rows = Math.max(rows, this.capacity.rows);
    timesteps = Math.max(timesteps, this.capacity.timesteps);
    const align = (n: number) => Math.ceil(n / 16) * 16;
    const x = 0;
    const hIn = x + align(4 * rows * timesteps * D);
    const cIn = hIn + align(4 * rows * U);
    const hOut = cIn + align(4 * rows * U);
    const cOut = hOut + align(4 * rows * U);
    const maskAt = cOut + align(4 * rows * U);
    const data = new SharedArrayBuffer(maskAt + align(rows * timesteps));
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.layout = { x, hIn, cIn, hOut, cOut, mask: maskAt };
    this.control = new Int32Array(control, 0, CONTROL_INTS);
    this.startedAt = new Float64Array(control, STARTED_AT * 8, MAX_BLOCKS);
    this.data = new Float32Array(data);
    this.bytes = new Uint8Array(data);
    this.capacity = { rows, timesteps };
    // node:worker_threads is required here, on the first big call: a small run never loads it
    const { Worker: WorkerThread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    this.worker = new WorkerThread(workerSource, {
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
        control,
        data,
        layout: this.layout,
        delayMs: this.workerDelayMs,
      },
    });
    const worker = this.worker;
    this.started = new Promise((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    // a worker that cannot start reports it through FAILED; an error event must not crash the run
    this.worker.on('error', () => {
      if (this.control) Atomics.store(this.control, FAILED, 1);
    });
    // the worker must not keep a finished run alive
    this.worker.unref();
  }

  /**
   * Starts the worker for calls of `rows` x `timesteps` now and resolves once it can take blocks
   * (tests and the bench, to keep its start-up out of what they measure; calls never wait for it).
   */
  async ready(rows: number, timesteps: number): Promise<void> {
    this.ensureWorker(rows, timesteps);
    const worker = this.worker!;
    worker.ref();
    await this.started;
    worker.unref();
  }

  /** Stops the worker thread (a later call starts a new one if needed). */
  close(): void {
    if (this.control) {
      Atomics.store(this.control, TASK, -1);
      Atomics.notify(this.control, TASK);
    }
    void this.worker?.terminate();
    this.worker = undefined;
    this.control = undefined;
    this.capacity = { rows: 0, timesteps: 0 };
  }
}
