/** The LSTM kernel against golden values from Keras/TF.js, and the Keras default initialisers. */
import { describe, expect, it } from 'vitest';
import { glorotUniform, lstmBias, orthogonal } from '../../src/nn/initializers.ts';
import { constantLstmWeights, initLstmWeights, lstmForward, packLstmWeights, type GateActivation } from '../../src/nn/lstm.ts';

/** Runs all-ones LSTM units=5 on all-ones inputs (4, T, 2); returns h[0] after each step and the final c[0]. */
function onesRun(activation: GateActivation, timesteps: number) {
  const units = 5;
  const rows = 4;
  const packed = packLstmWeights(constantLstmWeights(2, units, 1));
  const h = new Float32Array(rows * units);
  const c = new Float32Array(rows * units);
  const outputs: number[] = [];
  lstmForward(packed, activation, new Float32Array(rows * timesteps * 2).fill(1), rows, timesteps, h, c, new Float64Array(4 * units), () =>
    outputs.push(h[0]!),
  );
  return { outputs, c: c[0]!, h, cAll: c };
}

describe('golden values (tfjs-layers recurrent_test.ts, Keras reference)', () => {
  // Reference (Keras / TF.js):
  //   layer = LSTM(units=5, kernel_initializer='ones', recurrent_initializer='ones',
  //                bias_initializer='ones', recurrent_activation=..., return_sequences=True)
  //   layer(np.ones((4, 2, 2)))   # h(t0), h(t1) of every unit and row
  it('hard_sigmoid (0.2x + 0.5): 0.7595095 then 0.96367633, c = 1.99505234', () => {
    const run = onesRun({ name: 'hard_sigmoid', hardSigmoidSlope: 0.2 }, 2);
    expect(run.outputs[0]).toBeCloseTo(0.7595095, 6);
    expect(run.outputs[1]).toBeCloseTo(0.96367633, 6);
    expect(run.c).toBeCloseTo(1.99505234, 6);
    // every unit of every row is the same number
    expect(new Set(run.h).size).toBe(1);
  });

  it('logistic sigmoid: 0.70377533 then 0.95851364, c = 1.94498957', () => {
    const run = onesRun({ name: 'sigmoid', hardSigmoidSlope: 0.2 }, 2);
    expect(run.outputs[0]).toBeCloseTo(0.70377533, 6);
    expect(run.outputs[1]).toBeCloseTo(0.95851364, 6);
    expect(run.c).toBeCloseTo(1.94498957, 6);
  });

  it('Keras 3 hard_sigmoid (x/6 + 0.5) gives different numbers from the Keras 2 formula (0.2x + 0.5)', () => {
    // weights 0.1, one step of ones (2 features): z = 0.1 + 0.1 + 0.1 = 0.3 in every gate
    const firstStep = (slope: number) => {
      const h = new Float32Array(5);
      const c = new Float32Array(5);
      const packed = packLstmWeights(constantLstmWeights(2, 5, 0.1));
      lstmForward(packed, { name: 'hard_sigmoid', hardSigmoidSlope: slope }, new Float32Array(2).fill(1), 1, 1, h, c, new Float64Array(20));
      return h[0]!;
    };
    const expected = (slope: number) => {
      const gate = slope * 0.3 + 0.5;
      return gate * Math.tanh(gate * Math.tanh(0.3));
    };
    expect(firstStep(0.2)).toBeCloseTo(expected(0.2), 6);
    expect(firstStep(1 / 6)).toBeCloseTo(expected(1 / 6), 6);
    expect(Math.abs(firstStep(0.2) - firstStep(1 / 6))).toBeGreaterThan(1e-3);
  });
});

describe('masking (§4): a padded step carries h and c unchanged', () => {
  it('the final state equals the state after the last unmasked step', () => {
    const weights = packLstmWeights(initLstmWeights(3, 4, 11));
    const activation: GateActivation = { name: 'sigmoid', hardSigmoidSlope: 0.2 };
    const inputs = Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i));
    const full = { h: new Float32Array(8), c: new Float32Array(8) };
    const prefix = { h: new Float32Array(8), c: new Float32Array(8) };
    // row 0: steps 3 and 4 masked; row 1: nothing masked
    const mask = Uint8Array.from([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    lstmForward(weights, activation, inputs, 2, 5, full.h, full.c, new Float64Array(16), undefined, mask);
    // row 0 alone over its first 3 steps
    const row0 = new Float32Array(3 * 3);
    for (let t = 0; t < 3; t++) for (let d = 0; d < 3; d++) row0[t * 3 + d] = inputs[t * 3 + d]!;
    lstmForward(weights, activation, row0, 1, 3, prefix.h, prefix.c, new Float64Array(16));
    expect([...full.h.subarray(0, 4)]).toEqual([...prefix.h.subarray(0, 4)]);
    expect([...full.c.subarray(0, 4)]).toEqual([...prefix.c.subarray(0, 4)]);
    // a fully masked row keeps its initial state
    const keep = { h: Float32Array.from([0.5, -0.5, 0.25, 0]), c: Float32Array.from([1, 2, 3, 4]) };
    lstmForward(weights, activation, inputs.subarray(0, 15), 1, 5, keep.h, keep.c, new Float64Array(16), undefined, new Uint8Array(5));
    expect([...keep.h]).toEqual([0.5, -0.5, 0.25, 0]);
    expect([...keep.c]).toEqual([1, 2, 3, 4]);
  });
});

describe('Keras default initialisers (§8)', () => {
  it('glorot_uniform stays within sqrt(6 / (fan_in + fan_out)) and is seeded', () => {
    const values = glorotUniform(3, 40, 5);
    const limit = Math.sqrt(6 / 43);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    expect(glorotUniform(3, 40, 5)).toEqual(values);
    expect(glorotUniform(3, 40, 6)).not.toEqual(values);
  });

  it.each([
    [4, 16],
    [8, 32],
    [6, 3],
  ])('orthogonal (%i, %i) has orthonormal rows (or columns when taller)', (rows, cols) => {
    const q = orthogonal(rows, cols, 9);
    const vectors =
      rows <= cols
        ? Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => q[i * cols + j]!))
        : Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, i) => q[i * cols + j]!));
    for (let a = 0; a < vectors.length; a++) {
      for (let b = 0; b < vectors.length; b++) {
        const dot = vectors[a]!.reduce((sum, x, i) => sum + x * vectors[b]![i]!, 0);
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });

  it('unit_forget_bias: ones in the forget block only', () => {
    expect([...lstmBias(2)]).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
  });
});
