/**
 * The SimpleRNN kernel (src/simple-rnn.ts), h_t = tanh(x_t·W + b + h_{t-1}·U) (§8), against TF.js 4.22
 * `tf.layers.simpleRNN` (pure JS CPU backend), same weights via setWeights, seeded inputs. Every
 * timestep output (return_sequences) and the final state are compared at 1e-5.
 *
 * Measured max |diff| (run with SHOW_DIFFS=1 to print them):
 *   stateless, 4 shapes (D = 1..4, units 1..8):            ≤ 1.2e-7
 *   stateful carry + model.resetStates(), 4 batches:       ≤ 1.6e-7
 *   Masking(maskValue 0) before the layer:                 ≤ 1.2e-7
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import {
  constantSimpleRnnWeights,
  initSimpleRnnWeights,
  packSimpleRnnWeights,
  simpleRnnForward,
  type SimpleRnnWeights,
} from '../../src/nn/simple-rnn.ts';
import { label, SHAPES, uniformArray, diffRecorder, type Run, type Shape } from '../helpers/cells.ts';
import { loadTfjs, maxAbsDifference } from '../helpers/tfjs.ts';

type Tf = Awaited<ReturnType<typeof loadTfjs>>;

let tf: Tf;
const diffs = diffRecorder();
const expectClose = diffs.expectClose;

beforeAll(async () => {
  tf = await loadTfjs();
}, 60_000);

afterAll(() => diffs.print());



function randomWeights(inputDim: number, units: number, seed: number): SimpleRnnWeights {
  return {
    inputDim,
    units,
    kernel: uniformArray(inputDim * units, seed + 1, 0.8),
    recurrentKernel: uniformArray(units * units, seed + 2, 0.8),
    bias: uniformArray(units, seed + 3, 0.5),
  };
}


/** src/simple-rnn.ts from the state `h` (updated in place; zeros when omitted). */
function runOurs(weights: SimpleRnnWeights, inputs: Float32Array, shape: Shape, h = new Float32Array(shape.rows * shape.units), mask?: Uint8Array): Run {
  const { rows, timesteps, units } = shape;
  const sequence = new Float32Array(rows * timesteps * units);
  const afterStep = (t: number): void => {
    for (let r = 0; r < rows; r++) sequence.set(h.subarray(r * units, (r + 1) * units), (r * timesteps + t) * units);
  };
  simpleRnnForward(packSimpleRnnWeights(weights), inputs, rows, timesteps, h, new Float64Array(units), afterStep, mask);
  return { sequence, final: Float32Array.from(h) };
}

function tfjsWeights(weights: SimpleRnnWeights): Tensor[] {
  const { inputDim, units } = weights;
  return [tf.tensor2d(weights.kernel, [inputDim, units]), tf.tensor2d(weights.recurrentKernel, [units, units]), tf.tensor1d(weights.bias)];
}

/** Stateless TF.js SimpleRNN with return_sequences and return_state. */
function runTfjs(weights: SimpleRnnWeights, inputs: Float32Array, shape: Shape, masked = false): Run {
  let result: Run | undefined;
  tf.tidy(() => {
    const input = tf.input({ shape: [shape.timesteps, shape.inputDim] });
    const x = masked ? (tf.layers.masking({ maskValue: 0 }).apply(input) as SymbolicTensor) : input;
    const layer = tf.layers.simpleRNN({ units: shape.units, returnSequences: true, returnState: true });
    const outputs = layer.apply(x) as SymbolicTensor[];
    const model = tf.model({ inputs: input, outputs });
    layer.setWeights(tfjsWeights(weights));
    const [sequence, final] = model.predict(tf.tensor3d(inputs, [shape.rows, shape.timesteps, shape.inputDim])) as Tensor[];
    result = { sequence: Float32Array.from(sequence!.dataSync()), final: Float32Array.from(final!.dataSync()) };
    model.dispose();
  });
  return result!;
}

describe('SimpleRNN weights', () => {
  it('initSimpleRnnWeights: Keras layout and defaults (glorot_uniform, orthogonal, zeros)', () => {
    const w = initSimpleRnnWeights(3, 4, 9);
    expect(w.kernel.length).toBe(12);
    expect(w.recurrentKernel.length).toBe(16);
    expect(w.bias.every((v) => v === 0)).toBe(true);
    expect(w.kernel.every((v) => Math.abs(v) <= Math.sqrt(6 / 7))).toBe(true);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        let dot = 0;
        for (let j = 0; j < 4; j++) dot += w.recurrentKernel[a * 4 + j]! * w.recurrentKernel[b * 4 + j]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });

  it('constant weights follow h_t = tanh(x_t·W + b + h_{t-1}·U) by hand', () => {
    const shape: Shape = { rows: 1, timesteps: 2, inputDim: 1, units: 1 };
    const ours = runOurs(constantSimpleRnnWeights(1, 1, 0.5), Float32Array.from([1, -2]), shape);
    const h1 = Math.tanh(0.5 * 1 + 0.5);
    const h2 = Math.tanh(0.5 * -2 + 0.5 + 0.5 * h1);
    expect(maxAbsDifference(ours.sequence, [h1, h2])).toBeLessThan(1e-7);
  });
});

describe('SimpleRNN vs TF.js', () => {
  for (const [i, shape] of SHAPES.entries()) {
    it(`${label(shape)}, stateless`, () => {
      const weights = randomWeights(shape.inputDim, shape.units, 100 + i);
      const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 200 + i, 2);
      const ours = runOurs(weights, inputs, shape);
      const theirs = runTfjs(weights, inputs, shape);
      expectClose(`${label(shape)} sequence`, ours.sequence, theirs.sequence);
      expectClose(`${label(shape)} final`, ours.final, theirs.final);
    });
  }

  it('stateful: carries h across predict calls row by row, zeroed by model.resetStates()', () => {
    const shape: Shape = { rows: 3, timesteps: 4, inputDim: 2, units: 6 };
    const weights = randomWeights(shape.inputDim, shape.units, 500);
    const model = tf.sequential();
    const layer = tf.layers.simpleRNN({
      units: shape.units,
      returnSequences: true,
      stateful: true,
      batchInputShape: [shape.rows, shape.timesteps, shape.inputDim],
    });
    model.add(layer);
    tf.tidy(() => layer.setWeights(tfjsWeights(weights)));

    const h = new Float32Array(shape.rows * shape.units);
    for (let k = 0; k < 4; k++) {
      if (k === 2) {
        model.resetStates();
        h.fill(0);
      }
      const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 600 + k, 2);
      const carried = h.some((v) => v !== 0);
      const ours = runOurs(weights, inputs, shape, h);
      const theirs = tf.tidy(() => {
        const sequence = model.predict(tf.tensor3d(inputs, [shape.rows, shape.timesteps, shape.inputDim]), { batchSize: shape.rows }) as Tensor;
        return { sequence: Float32Array.from(sequence.dataSync()), final: Float32Array.from(layer.states[0]!.dataSync()) };
      });
      expectClose(`stateful batch ${k} sequence`, ours.sequence, theirs.sequence);
      expectClose(`stateful batch ${k} final`, ours.final, theirs.final);
      // the carry is real: batches 1 and 3 differ from a run starting at zeros
      expect(carried).toBe(k === 1 || k === 3);
      if (carried) expect(maxAbsDifference(ours.sequence, runOurs(weights, inputs, shape).sequence)).toBeGreaterThan(1e-3);
    }
    model.dispose();
  });

  it('masking (Masking(mask_value=0) before the layer): masked steps carry h unchanged', () => {
    const shape: Shape = { rows: 4, timesteps: 6, inputDim: 3, units: 5 };
    const weights = randomWeights(shape.inputDim, shape.units, 700);
    const inputs = uniformArray(shape.rows * shape.timesteps * shape.inputDim, 701, 2);
    // row 0 left-padded, row 1 a gap, row 2 right-padded, row 3 fully masked
    const padded: [number, number][] = [[0, 0], [0, 1], [1, 3], [2, 4], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4], [3, 5]];
    for (const [r, t] of padded) inputs.fill(0, (r * shape.timesteps + t) * shape.inputDim, (r * shape.timesteps + t + 1) * shape.inputDim);
    // Keras masking: a step is masked when all its features equal mask_value
    const mask = new Uint8Array(shape.rows * shape.timesteps);
    for (let i = 0; i < mask.length; i++) mask[i] = inputs.subarray(i * shape.inputDim, (i + 1) * shape.inputDim).some((v) => v !== 0) ? 1 : 0;
    const ours = runOurs(weights, inputs, shape, undefined, mask);
    const theirs = runTfjs(weights, inputs, shape, true);
    expectClose('masked sequence', ours.sequence, theirs.sequence);
    expectClose('masked final', ours.final, theirs.final);
    const u = shape.units;
    expect(ours.final.subarray(3 * u, 4 * u).every((v) => v === 0)).toBe(true);
    expect(ours.final.subarray(2 * u, 3 * u)).toEqual(ours.sequence.subarray((2 * 6 + 3) * u, (2 * 6 + 4) * u));
  });
});
