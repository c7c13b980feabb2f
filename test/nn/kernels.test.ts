/**
 * The WebAssembly SIMD LSTM kernel (native/lstm.c) against the JS kernel (lstmForward, itself
 * cross-checked with TF.js): same states within 1e-5 for odd and even unit counts, D > 1, both
 * activations, masks, state carried over several calls, and per-step states for the hooks.
 */
import { describe, expect, it } from 'vitest';
import { lstmWasmModule, WasmLstmKernel } from '../../src/nn/kernels/lstm-wasm.ts';
import { initLstmWeights, lstmForward, packLstmWeights, type GateActivation } from '../../src/nn/lstm.ts';
import { mulberry32 } from '../../src/shared/random.ts';
import { maxAbsDifference } from '../helpers/tfjs.ts';

const activations: GateActivation[] = [
  { name: 'sigmoid', hardSigmoidSlope: 0.2 },
  { name: 'hard_sigmoid', hardSigmoidSlope: 0.2 },
  { name: 'hard_sigmoid', hardSigmoidSlope: 1 / 6 },
];

describe('WasmLstmKernel', () => {
  it('compiles here (Node 20 has WebAssembly SIMD)', () => {
    expect(lstmWasmModule()).not.toBeNull();
  });

  it.each([
    [1, 3, 1, 1],
    [5, 7, 3, 5],
    [9, 4, 2, 8],
    [4, 6, 4, 13],
    [17, 5, 6, 32],
  ])('rows %i, T %i, D %i, U %i: states and every step equal the JS kernel within 1e-5', (rows, T, D, U) => {
    const random = mulberry32(rows * 1000 + U);
    for (const activation of activations) {
      const weights = initLstmWeights(D, U, rows + U);
      // scale up so hard_sigmoid clips sometimes
      const scaled = { ...weights, kernel: weights.kernel.map((v) => v * 3), recurrentKernel: weights.recurrentKernel.map((v) => v * 2) };
      const inputs = Float32Array.from({ length: rows * T * D }, () => random() * 4 - 2);
      const mask = Uint8Array.from({ length: rows * T }, (_, i) => (i % T >= T - (i % 3) ? 0 : 1));
      const kernel = new WasmLstmKernel(lstmWasmModule()!, scaled, activation);
      const js = { h: Float32Array.from({ length: rows * U }, () => random() - 0.5), c: Float32Array.from({ length: rows * U }, () => random() - 0.5) };
      const wasm = { h: js.h.slice(), c: js.c.slice() };
      const jsSteps: number[][] = [];
      const wasmSteps: number[][] = [];
      // three calls in a row: the state carries, with a mask on the second
      for (let call = 0; call < 3; call++) {
        const callMask = call === 1 ? mask : undefined;
        lstmForward(packLstmWeights(scaled), activation, inputs, rows, T, js.h, js.c, new Float64Array(4 * U), () => jsSteps.push([...js.h]), callMask);
        kernel.forward(inputs, rows, T, wasm.h, wasm.c, () => wasmSteps.push([...wasm.h]), callMask);
      }
      expect(maxAbsDifference(wasm.h, js.h)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDifference(wasm.c, js.c)).toBeLessThanOrEqual(1e-5);
      expect(wasmSteps).toHaveLength(3 * T);
      wasmSteps.forEach((step, i) => expect(maxAbsDifference(step, jsSteps[i]!)).toBeLessThanOrEqual(1e-5));
    }
  });

  it('a fully masked row keeps its state exactly', () => {
    const weights = initLstmWeights(2, 4, 3);
    const kernel = new WasmLstmKernel(lstmWasmModule()!, weights, activations[0]!);
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
      const js = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      const wasm = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      lstmForward(packLstmWeights(huge), activation, inputs, rows, T, js.h, js.c, new Float64Array(4 * U));
      new WasmLstmKernel(lstmWasmModule()!, huge, activation).forward(inputs, rows, T, wasm.h, wasm.c);
      expect(wasm.h.every(Number.isFinite) && wasm.c.every(Number.isFinite)).toBe(true);
      expect(maxAbsDifference(wasm.h, js.h)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDifference(wasm.c, js.c)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('grows its memory for larger calls after smaller ones', () => {
    const weights = initLstmWeights(3, 8, 5);
    const kernel = new WasmLstmKernel(lstmWasmModule()!, weights, activations[0]!);
    for (const [rows, T] of [[2, 3], [300, 40], [5, 2]] as const) {
      const inputs = Float32Array.from({ length: rows * T * 3 }, (_, i) => Math.sin(i));
      const js = { h: new Float32Array(rows * 8), c: new Float32Array(rows * 8) };
      const wasm = { h: new Float32Array(rows * 8), c: new Float32Array(rows * 8) };
      lstmForward(packLstmWeights(weights), activations[0]!, inputs, rows, T, js.h, js.c, new Float64Array(32));
      kernel.forward(inputs, rows, T, wasm.h, wasm.c);
      expect(maxAbsDifference(wasm.h, js.h)).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('ParallelLstmKernel (rows split over this thread and a worker thread)', () => {
  it('equals the JS kernel within 1e-5 over carried calls, with and without a mask, for odd row counts', async () => {
    const { ParallelLstmKernel } = await import('../../src/nn/kernels/lstm-parallel.ts');
    const [T, D, U] = [30, 5, 64];
    const weights = initLstmWeights(D, U, 21);
    const activation = activations[0]!;
    const kernel = new ParallelLstmKernel(lstmWasmModule()!, weights, activation);
    const random = mulberry32(77);
    for (const rows of [64, 37, 9, 64]) {
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
    kernel.close();
  });

  it('keeps its regions apart when a call has more rows but fewer steps than the one before', async () => {
    const { ParallelLstmKernel } = await import('../../src/nn/kernels/lstm-parallel.ts');
    const [D, U] = [5, 64];
    const weights = initLstmWeights(D, U, 3);
    const activation = activations[0]!;
    const kernel = new ParallelLstmKernel(lstmWasmModule()!, weights, activation);
    // the worker's part: 8 rows x 40 steps, then 16 rows x 20 steps (the same rows x steps)
    for (const [rows, T] of [[16, 40], [32, 20]] as const) {
      const inputs = Float32Array.from({ length: rows * T * D }, (_, i) => Math.sin(i * 0.37));
      const js = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      const parallel = { h: new Float32Array(rows * U), c: new Float32Array(rows * U) };
      lstmForward(packLstmWeights(weights), activation, inputs, rows, T, js.h, js.c, new Float64Array(4 * U));
      kernel.forward(inputs, rows, T, parallel.h, parallel.c);
      expect(maxAbsDifference(parallel.h, js.h)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDifference(parallel.c, js.c)).toBeLessThanOrEqual(1e-5);
    }
    kernel.close();
  });
});
