/**
 * The WebAssembly SIMD LSTM kernel (native/lstm.c), both builds (plain SIMD, and relaxed SIMD with
 * fused multiply-add, turned on here as the CLI does), against the JS kernel (lstmForward, itself
 * cross-checked with TF.js) and directly against TF.js: same states within 1e-5 for odd and even
 * unit counts, D > 1, both activations, masks, state carried over several calls, per-step states for
 * the hooks, and row counts that are not multiples of the kernel's four-row blocks. Then the
 * two-thread kernel: the worker's blocks, a worker too slow to wait for, and its block cutting.
 */
import { describe, expect, it } from 'vitest';
import { blockBoundaries, ParallelLstmKernel } from '../../src/nn/kernels/lstm-parallel.ts';
import { lstmWasmModule, WasmLstmKernel, type WasmKernelBuild } from '../../src/nn/kernels/lstm-wasm.ts';
import { enableRelaxedSimd, relaxedSimdAvailable } from '../../src/nn/kernels/relaxed-simd.ts';
import { initLstmWeights, lstmForward, packLstmWeights, type GateActivation, type LstmWeights } from '../../src/nn/lstm.ts';
import { mulberry32 } from '../../src/shared/random.ts';
import { loadTfjs, maxAbsDifference } from '../helpers/tfjs.ts';

const activations: GateActivation[] = [
  { name: 'sigmoid', hardSigmoidSlope: 0.2 },
  { name: 'hard_sigmoid', hardSigmoidSlope: 0.2 },
  { name: 'hard_sigmoid', hardSigmoidSlope: 1 / 6 },
];

enableRelaxedSimd();
const builds: WasmKernelBuild[] = ['simd', 'relaxed'];
const moduleOf = (build: WasmKernelBuild) => lstmWasmModule(build)!;

/** The JS kernel's final h and c for these inputs and initial states. */
function jsForward(weights: LstmWeights, activation: GateActivation, inputs: Float32Array, rows: number, T: number, h0?: Float32Array, c0?: Float32Array, mask?: Uint8Array) {
  const U = weights.units;
  const h = h0 ? h0.slice() : new Float32Array(rows * U);
  const c = c0 ? c0.slice() : new Float32Array(rows * U);
  lstmForward(packLstmWeights(weights), activation, inputs, rows, T, h, c, new Float64Array(4 * U), undefined, mask);
  return { h, c };
}

describe('relaxed SIMD detection', () => {
  it('Node 20 runs relaxed SIMD once its V8 flag is on, and both builds compile', () => {
    expect(relaxedSimdAvailable()).toBe(true);
    expect(moduleOf('simd')).not.toBeNull();
    expect(moduleOf('relaxed')).not.toBeNull();
    // the default is the relaxed build where it is available
    expect(lstmWasmModule()).toBe(moduleOf('relaxed'));
  });
});

describe.each(builds)('WasmLstmKernel, %s build', (build) => {
  it.each([
    [1, 3, 1, 1],
    [5, 7, 3, 5],
    [9, 4, 2, 8],
    [4, 6, 4, 13],
    [17, 5, 6, 32],
    [6, 3, 2, 20],
  ])('rows %i, T %i, D %i, U %i: states and every step equal the JS kernel within 1e-5', (rows, T, D, U) => {
    const random = mulberry32(rows * 1000 + U);
    for (const activation of activations) {
      const weights = initLstmWeights(D, U, rows + U);
      // scale up so hard_sigmoid clips sometimes
      const scaled = { ...weights, kernel: weights.kernel.map((v) => v * 3), recurrentKernel: weights.recurrentKernel.map((v) => v * 2) };
      const inputs = Float32Array.from({ length: rows * T * D }, () => random() * 4 - 2);
      const mask = Uint8Array.from({ length: rows * T }, (_, i) => (i % T >= T - (i % 3) ? 0 : 1));
      const kernel = new WasmLstmKernel(moduleOf(build), scaled, activation);
      const js = { h: Float32Array.from({ length: rows * U }, () => random() - 0.5), c: Float32Array.from({ length: rows * U }, () => random() - 0.5) };
      const wasm = { h: js.h.slice(), c: js.c.slice() };
      const jsSteps: number[][] = [];
      const wasmSteps: number[][] = [];
      // three calls in a row: the state carries, with a mask on the second; per-step states on the third
      for (let call = 0; call < 3; call++) {
        const callMask = call === 1 ? mask : undefined;
        const watch = call !== 0;
        lstmForward(packLstmWeights(scaled), activation, inputs, rows, T, js.h, js.c, new Float64Array(4 * U), watch ? () => jsSteps.push([...js.h]) : undefined, callMask);
        kernel.forward(inputs, rows, T, wasm.h, wasm.c, watch ? () => wasmSteps.push([...wasm.h]) : undefined, callMask);
      }
      expect(maxAbsDifference(wasm.h, js.h)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDifference(wasm.c, js.c)).toBeLessThanOrEqual(1e-5);
      expect(wasmSteps).toHaveLength(2 * T);
      wasmSteps.forEach((step, i) => expect(maxAbsDifference(step, jsSteps[i]!)).toBeLessThanOrEqual(1e-5));
    }
  });

  it('a fully masked row keeps its state exactly', () => {
    const weights = initLstmWeights(2, 4, 3);
    const kernel = new WasmLstmKernel(moduleOf(build), weights, activations[0]!);
    const h = Float32Array.from([0.1, -0.2, 0.3, -0.4, 0.5, 0.6, 0.7, 0.8]);
    const c = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const mask = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    kernel.forward(Float32Array.from({ length: 12 }, (_, i) => i / 10), 2, 3, h, c, undefined, mask);
    expect([...h.subarray(0, 4)]).toEqual([...Float32Array.from([0.1, -0.2, 0.3, -0.4])]);
    expect([...c.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect([...c.subarray(4)]).not.toEqual([5, 6, 7, 8]);
  });

  it('saturating pre-activations (|z| in the hundreds) stay finite and equal the JS kernel', () => {
    const [rows, T, D, U] = [6, 8, 3, 12];
    const weights = initLstmWeights(D, U, 9);
    const huge = { ...weights, kernel: weights.kernel.map((v) => v * 200), recurrentKernel: weights.recurrentKernel.map((v) => v * 100) };
    const random = mulberry32(4);
    const inputs = Float32Array.from({ length: rows * T * D }, () => random() * 6 - 3);
    for (const activation of activations) {
      const js = jsForward(huge, activation, inputs, rows, T);
      const wasm = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      new WasmLstmKernel(moduleOf(build), huge, activation).forward(inputs, rows, T, wasm.h, wasm.c);
      expect(wasm.h.every(Number.isFinite) && wasm.c.every(Number.isFinite)).toBe(true);
      expect(maxAbsDifference(wasm.h, js.h)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDifference(wasm.c, js.c)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('grows its memory for larger calls after smaller ones', () => {
    const weights = initLstmWeights(3, 8, 5);
    const kernel = new WasmLstmKernel(moduleOf(build), weights, activations[0]!);
    for (const [rows, T] of [[2, 3], [300, 40], [5, 2], [7, 60]] as const) {
      const inputs = Float32Array.from({ length: rows * T * 3 }, (_, i) => Math.sin(i));
      const js = jsForward(weights, activations[0]!, inputs, rows, T);
      const wasm = { h: new Float32Array(rows * 8), c: new Float32Array(rows * 8) };
      kernel.forward(inputs, rows, T, wasm.h, wasm.c);
      expect(maxAbsDifference(wasm.h, js.h)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('equals TF.js tf.layers.lstm (CPU backend) within 1e-5: 11 rows, T 9, D 3, U 37, masked tails', async () => {
    const tf = await loadTfjs();
    const [rows, T, D, U] = [11, 9, 3, 37];
    const random = mulberry32(1313);
    const weights = initLstmWeights(D, U, 13);
    const inputs = Float32Array.from({ length: rows * T * D }, () => random() * 2 - 1);
    // row r has its last r % 4 steps padded with zeros, which TF.js's Masking(0) skips
    const mask = Uint8Array.from({ length: rows * T }, (_, i) => (i % T >= T - (Math.floor(i / T) % 4) ? 0 : 1));
    mask.forEach((m, i) => {
      if (m === 0) inputs.fill(0, i * D, (i + 1) * D);
    });
    for (const [activation, tfName] of [[activations[0]!, 'sigmoid'], [activations[1]!, 'hardSigmoid']] as const) {
      const model = tf.sequential();
      model.add(tf.layers.masking({ maskValue: 0, inputShape: [T, D] }));
      model.add(tf.layers.lstm({ units: U, recurrentActivation: tfName, kernelInitializer: 'zeros', recurrentInitializer: 'zeros' }));
      model.layers[1]!.setWeights([tf.tensor2d(weights.kernel, [D, 4 * U]), tf.tensor2d(weights.recurrentKernel, [U, 4 * U]), tf.tensor1d(weights.bias)]);
      const expected = tf.tidy(() => (model.predict(tf.tensor3d(inputs, [rows, T, D])) as import('@tensorflow/tfjs').Tensor).dataSync() as Float32Array);
      model.dispose();
      const wasm = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      new WasmLstmKernel(moduleOf(build), weights, activation).forward(inputs, rows, T, wasm.h, wasm.c, undefined, mask);
      expect(maxAbsDifference(wasm.h, expected)).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('the two builds', () => {
  it('differ only by the rounding of fused multiply-adds (within 1e-6 over 40 steps)', () => {
    const [rows, T, D, U] = [12, 40, 4, 24];
    const weights = initLstmWeights(D, U, 17);
    const inputs = Float32Array.from({ length: rows * T * D }, (_, i) => Math.sin(i * 0.61));
    const runs = builds.map((build) => {
      const state = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      new WasmLstmKernel(moduleOf(build), weights, activations[0]!).forward(inputs, rows, T, state.h, state.c);
      return state;
    });
    expect(maxAbsDifference(runs[0]!.h, runs[1]!.h)).toBeLessThanOrEqual(1e-6);
  });
});

describe('blockBoundaries (the blocks the two threads pull)', () => {
  it.each([16, 37, 128, 200, 256, 1001])('%i rows: contiguous, every row once, multiples of 4 rows but the last, shrinking', (rows) => {
    const starts = blockBoundaries(rows);
    expect(starts[0]).toBe(0);
    expect(starts[starts.length - 1]).toBe(rows);
    const sizes = starts.slice(1).map((s, i) => s - starts[i]!);
    expect(sizes.every((n) => n > 0)).toBe(true);
    expect(sizes.slice(0, -1).every((n) => n % 4 === 0 && n >= 8)).toBe(true);
    for (let i = 1; i < sizes.length - 1; i++) expect(sizes[i]!).toBeLessThanOrEqual(sizes[i - 1]!);
  });
});

describe.each(builds)('ParallelLstmKernel (rows pulled in blocks by this thread and a worker thread), %s build', (build) => {
  const [T, D, U] = [30, 5, 64];
  const weights = initLstmWeights(D, U, 21);

  it('equals the JS kernel within 1e-5 over carried calls, with and without a mask, for odd row counts; the worker does blocks', async () => {
    for (const activation of [activations[0]!, activations[2]!]) {
      const kernel = new ParallelLstmKernel(moduleOf(build), weights, activation);
      await kernel.ready(64, T);
      const random = mulberry32(77);
      for (const rows of [64, 37, 19, 61]) {
        const inputs = Float32Array.from({ length: rows * T * D }, () => random() * 2 - 1);
        const mask = Uint8Array.from({ length: rows * T }, (_, i) => ((i * 7) % 11 === 0 ? 0 : 1));
        const js = { h: Float32Array.from({ length: rows * U }, () => random() - 0.5), c: new Float32Array(rows * U) };
        const parallel = { h: js.h.slice(), c: js.c.slice() };
        for (const callMask of [undefined, mask, undefined]) {
          lstmForward(packLstmWeights(weights), activation, inputs, rows, T, js.h, js.c, new Float64Array(4 * U), undefined, callMask);
          kernel.forward(inputs, rows, T, parallel.h, parallel.c, undefined, callMask);
        }
        expect(maxAbsDifference(parallel.h, js.h)).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDifference(parallel.c, js.c)).toBeLessThanOrEqual(1e-5);
      }
      // on a busy machine the worker may have had no time yet: more calls until it has done a block
      const rows = 64;
      const inputs = Float32Array.from({ length: rows * T * D }, () => random() * 2 - 1);
      const js = jsForward(weights, activation, inputs, rows, T);
      for (let call = 0; call < 100 && kernel.stats.workerBlocks === 0; call++) {
        const parallel = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
        kernel.forward(inputs, rows, T, parallel.h, parallel.c);
        expect(maxAbsDifference(parallel.h, js.h)).toBeLessThanOrEqual(1e-5);
      }
      expect(kernel.stats.workerBlocks).toBeGreaterThan(0);
      kernel.close();
    }
  });

  it('redoes the blocks of a worker too slow to wait for (its core busy), with the same results', async () => {
    const activation = activations[0]!;
    // the worker sleeps 2 s before each block: far longer than this thread needs for one
    const kernel = new ParallelLstmKernel(moduleOf(build), weights, activation, { workerDelayMs: 2000 });
    await kernel.ready(48, T);
    const rows = 48;
    const inputs = Float32Array.from({ length: rows * T * D }, (_, i) => Math.cos(i * 0.3));
    const js = jsForward(weights, activation, inputs, rows, T);
    // calls until the worker has claimed a block (on a busy machine it may take a while to wake);
    // it then sleeps on that block, and this thread must redo it rather than wait
    const started = Date.now();
    let parallel = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
    while (kernel.stats.takenOver === 0 && Date.now() - started < 20_000) {
      parallel = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      kernel.forward(inputs, rows, T, parallel.h, parallel.c);
      expect(maxAbsDifference(parallel.h, js.h)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDifference(parallel.c, js.c)).toBeLessThanOrEqual(1e-5);
    }
    // it did not sit out the worker's sleep: the worker finished nothing, this thread redid its block
    expect(kernel.stats.takenOver).toBeGreaterThan(0);
    expect(kernel.stats.workerBlocks).toBe(0);
    // the next call is right too, though the worker may still be busy with a block of the last one
    const again = jsForward(weights, activation, inputs, rows, T, js.h, js.c);
    kernel.forward(inputs, rows, T, parallel.h, parallel.c);
    expect(maxAbsDifference(parallel.h, again.h)).toBeLessThanOrEqual(1e-5);
    kernel.close();
  });

  it('starts a larger worker when a call outgrows its buffers (more rows, or more steps)', async () => {
    const activation = activations[1]!;
    const kernel = new ParallelLstmKernel(moduleOf(build), weights, activation);
    await kernel.ready(16, 40);
    for (const [rows, steps] of [[16, 40], [32, 20], [40, 60]] as const) {
      const inputs = Float32Array.from({ length: rows * steps * D }, (_, i) => Math.sin(i * 0.37));
      const js = jsForward(weights, activation, inputs, rows, steps);
      const parallel = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      kernel.forward(inputs, rows, steps, parallel.h, parallel.c);
      expect(maxAbsDifference(parallel.h, js.h)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDifference(parallel.c, js.c)).toBeLessThanOrEqual(1e-5);
    }
    kernel.close();
  });
});
