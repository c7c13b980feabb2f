/**
 * Our Float32Array LSTM (src/nn/lstm.ts) against TF.js `tf.layers.lstm` (CPU backend) given the same
 * weights and inputs: golden values, stateless calls, a partial last batch, stateful carries and
 * resets, and masking. Tolerance 1e-5 everywhere.
 *
 * Max |difference| measured during development (Node 20, @tensorflow/tfjs 4.22, CPU backend), as
 * hard_sigmoid / sigmoid; all far below 1e-5 (float32 rounding, ~1-8 ulp of values near 1):
 *   golden all-ones (ours, TF.js, the printed values) ... 6.0e-8 / 1.2e-7
 *   golden stateful all-ones T=3, ours vs TF.js ........ 0 (hard_sigmoid only)
 *   stateless (3,5,1,4) .................................. 6.0e-8 / 3.0e-8
 *   stateless (6,7,3,8) .................................. 6.0e-8 / 6.0e-8
 *   stateless (2,12,5,16), weights x3 (gates clip) ....... 2.4e-7 / 4.8e-7
 *   partial last batch, 10 rows as 4,4,2 ................. 7.5e-8 / 1.2e-7
 *   stateful 4 batches, reset after 2 .................... 7.5e-8 / 6.7e-8
 *   stateful 5 batches, resets after 1 and 3 ............. 8.9e-8 / 8.9e-8
 *   masking, trailing zero steps ......................... 3.0e-8 / 3.0e-8
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as Tfjs from '@tensorflow/tfjs';
import type { LayerCall } from '../../src/keras/events.ts';
import type { StateHooks } from '../../src/sim/hooks.ts';
import {
  constantLstmWeights,
  initLstmWeights,
  lstmForward,
  packLstmWeights,
  type GateActivation,
  type LstmWeights,
} from '../../src/nn/lstm.ts';
import { LstmLayer } from '../../src/sim/layer.ts';
import { mulberry32 } from '../../src/shared/random.ts';
import { loadTfjs, maxAbsDifference, padToLengths } from '../helpers/tfjs.ts';

type Tf = Awaited<ReturnType<typeof loadTfjs>>;
type TfLstm = ReturnType<Tf['layers']['lstm']>;

const TOLERANCE = 1e-5;
const noHooks: StateHooks = {};

const activations: readonly { readonly ours: GateActivation; readonly tfjs: 'hardSigmoid' | 'sigmoid' }[] = [
  { ours: { name: 'hard_sigmoid', hardSigmoidSlope: 0.2 }, tfjs: 'hardSigmoid' },
  { ours: { name: 'sigmoid', hardSigmoidSlope: 0.2 }, tfjs: 'sigmoid' },
];

// every test leaves the TF.js tensor count as it found it (tf.tidy, dispose)
let tensorsBefore = 0;
beforeEach(async () => {
  tensorsBefore = (await loadTfjs()).memory().numTensors;
});
afterEach(async () => {
  expect((await loadTfjs()).memory().numTensors, 'TF.js tensors leaked').toBe(tensorsBefore);
});

/** Seeded uniform inputs in [-scale, scale), shape (rows, timesteps, inputDim). */
function seededInputs(rows: number, timesteps: number, inputDim: number, seed: number, scale = 2): Float32Array {
  const uniform = mulberry32(seed);
  const values = new Float32Array(rows * timesteps * inputDim);
  for (let i = 0; i < values.length; i++) values[i] = (uniform() * 2 - 1) * scale;
  return values;
}

interface TfLstmOptions {
  readonly units: number;
  readonly recurrentActivation: 'hardSigmoid' | 'sigmoid';
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly stateful?: boolean;
  readonly batchInputShape?: [number, number, number];
  readonly inputShape?: [number, number];
  /** Initialiser of every weight; the weights are normally overwritten with setWeights. */
  readonly initializer?: 'zeros' | 'ones';
}

/** A TF.js LSTM with every default that differs from Keras set explicitly. */
function tfLstm(tf: Tf, options: TfLstmOptions): TfLstm {
  const initializer = options.initializer ?? 'zeros';
  return tf.layers.lstm({
    units: options.units,
    activation: 'tanh',
    recurrentActivation: options.recurrentActivation,
    useBias: true,
    kernelInitializer: initializer,
    recurrentInitializer: initializer,
    biasInitializer: initializer,
    unitForgetBias: false,
    returnSequences: options.returnSequences,
    returnState: options.returnState,
    stateful: options.stateful ?? false,
    ...(options.batchInputShape ? { batchInputShape: options.batchInputShape } : {}),
    ...(options.inputShape ? { inputShape: options.inputShape } : {}),
  });
}

/** Builds a standalone TF.js LSTM by one call (RNN.build alone leaves `built` false, so apply would rebuild). */
function buildByCall(tf: Tf, layer: TfLstm, timesteps: number, inputDim: number): void {
  tf.tidy(() => void layer.apply(tf.zeros([1, timesteps, inputDim])));
}

/** Copies our Keras-layout weights into a built TF.js LSTM layer. */
function setTfWeights(tf: Tf, layer: TfLstm, weights: LstmWeights): void {
  const { inputDim, units } = weights;
  tf.tidy(() =>
    layer.setWeights([
      tf.tensor2d(weights.kernel, [inputDim, 4 * units]),
      tf.tensor2d(weights.recurrentKernel, [units, 4 * units]),
      tf.tensor1d(weights.bias),
    ]),
  );
}

/** TF.js stateless LSTM (returnSequences + returnState): every step's h, and the final h and c. */
function tfStateless(
  tf: Tf,
  layer: TfLstm,
  inputs: Float32Array,
  shape: readonly [number, number, number],
): { sequence: Float32Array; h: Float32Array; c: Float32Array } {
  return tf.tidy(() => {
    const outputs = layer.apply(tf.tensor3d(inputs, [...shape])) as Tfjs.Tensor[];
    const [sequence, h, c] = outputs.map((tensor) => tensor.dataSync() as Float32Array);
    return { sequence: sequence!, h: h!, c: c! };
  });
}

/** Our kernel stateless from zeros: every step's h laid out (rows, T, U), and the final h and c. */
function oursStateless(weights: LstmWeights, activation: GateActivation, inputs: Float32Array, rows: number, timesteps: number) {
  const { units } = weights;
  const h = new Float32Array(rows * units);
  const c = new Float32Array(rows * units);
  const sequence = new Float32Array(rows * timesteps * units);
  lstmForward(packLstmWeights(weights), activation, inputs, rows, timesteps, h, c, new Float64Array(4 * units), (t) => {
    for (let r = 0; r < rows; r++) sequence.set(h.subarray(r * units, (r + 1) * units), (r * timesteps + t) * units);
  });
  return { sequence, h, c };
}

/** Every weight multiplied by `factor` (exact for factor 1). */
function scaleWeights(weights: LstmWeights, factor: number): LstmWeights {
  const scale = (values: Float32Array) => values.map((value) => value * factor);
  return { ...weights, kernel: scale(weights.kernel), recurrentKernel: scale(weights.recurrentKernel), bias: scale(weights.bias) };
}

function layerCall(batch: number, rows: number, firstSample: number): LayerCall {
  return { phase: 'fit', epoch: 1, batch, rows, samples: Int32Array.from({ length: rows }, (_, i) => firstSample + i) };
}

describe('golden values (tfjs-layers recurrent_test.ts), ours and TF.js live', () => {
  // Reference (Keras 2 / TF.js, tfjs-layers/src/layers/recurrent_test.ts):
  //   layer = tf.layers.lstm({units: 5, kernelInitializer: 'ones', recurrentInitializer: 'ones',
  //                           biasInitializer: 'ones', returnSequences: true, returnState: true,
  //                           recurrentActivation: 'hardSigmoid' | 'sigmoid'})
  //   [seq, h, c] = layer.apply(tf.ones([4, 2, 2]))
  //   hardSigmoid (0.2x + 0.5): seq[:, 0] = 0.7595095, seq[:, 1] = h = 0.96367633, c = 1.99505234
  //   sigmoid:                  seq[:, 0] = 0.70377533, seq[:, 1] = h = 0.95851364, c = 1.94498957
  const golden = {
    hardSigmoid: { h0: 0.7595095, h1: 0.96367633, c: 1.99505234 },
    sigmoid: { h0: 0.70377533, h1: 0.95851364, c: 1.94498957 },
  };
  for (const activation of activations) {
    it(`recurrentActivation=${activation.tfjs}: ${Object.values(golden[activation.tfjs]).join(', ')}`, async () => {
      const tf = await loadTfjs();
      const [rows, timesteps, inputDim, units] = [4, 2, 2, 5] as const;
      const inputs = new Float32Array(rows * timesteps * inputDim).fill(1);
      const ours = oursStateless(constantLstmWeights(inputDim, units, 1), activation.ours, inputs, rows, timesteps);
      const layer = tfLstm(tf, { units, recurrentActivation: activation.tfjs, returnSequences: true, returnState: true, initializer: 'ones' });
      const theirs = tfStateless(tf, layer, inputs, [rows, timesteps, inputDim]);
      layer.dispose();
      const expected = golden[activation.tfjs];
      const goldenSequence = new Float32Array(rows * timesteps * units);
      for (let r = 0; r < rows; r++) {
        goldenSequence.fill(expected.h0, (r * timesteps + 0) * units, (r * timesteps + 1) * units);
        goldenSequence.fill(expected.h1, (r * timesteps + 1) * units, (r * timesteps + 2) * units);
      }
      const goldenC = new Float32Array(rows * units).fill(expected.c);
      for (const [label, a, b] of [
        ['ours vs golden h', ours.sequence, goldenSequence],
        ['TF.js vs golden h', theirs.sequence, goldenSequence],
        ['ours vs golden c', ours.c, goldenC],
        ['TF.js vs golden c', theirs.c, goldenC],
        ['ours vs TF.js h', ours.sequence, theirs.sequence],
        ['ours vs TF.js final h', ours.h, theirs.h],
        ['ours vs TF.js c', ours.c, theirs.c],
      ] as const) {
        expect(maxAbsDifference(a, b), label).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }

  // Reference (tfjs-layers recurrent_test.ts, stateful LSTM, hardSigmoid, all-ones weights):
  //   model = tf.sequential([tf.layers.lstm({units: 5, stateful: true, batchInputShape: [4, 3, 2], ...ones})])
  //   model.predict(tf.ones([4, 3, 2]))  -> 0.995       (from zeros)
  //   model.predict(tf.ones([4, 3, 2]))  -> 0.99998766  (carried)
  //   model.resetStates(); model.predict(tf.ones([4, 3, 2])) -> 0.995 again
  it('stateful hardSigmoid T=3: 0.995, carried 0.99998766, after resetStates 0.995', async () => {
    const tf = await loadTfjs();
    const [rows, timesteps, inputDim, units] = [4, 3, 2, 5] as const;
    const activation = activations[0]!;
    const layer = tfLstm(tf, {
      units,
      recurrentActivation: activation.tfjs,
      returnSequences: false,
      returnState: false,
      stateful: true,
      batchInputShape: [rows, timesteps, inputDim],
      initializer: 'ones',
    });
    const model = tf.sequential({ layers: [layer] });
    const ours = new LstmLayer(constantLstmWeights(inputDim, units, 1), { stateful: true, maxRows: rows, timesteps, activation: activation.ours });
    ours.build({ phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch' }, noHooks);
    const inputs = new Float32Array(rows * timesteps * inputDim).fill(1);
    const expected = [0.995, 0.99998766, 0.995];
    for (let batch = 1; batch <= 3; batch++) {
      if (batch === 3) {
        model.resetStates();
        ours.resetStates({ phase: 'fit', epoch: 1, batch: 3, timing: 'before-batch' }, noHooks);
      }
      const theirs = tf.tidy(() => (model.predict(tf.tensor3d(inputs, [rows, timesteps, inputDim])) as Tfjs.Tensor).dataSync() as Float32Array);
      ours.call(inputs, layerCall(batch, rows, 0), noHooks);
      const goldenH = new Float32Array(rows * units).fill(expected[batch - 1]!);
      // the golden values are printed to 8 digits (0.995 is 0.99504...), so compare them at 1e-4
      expect(maxAbsDifference(ours.state().h, goldenH)).toBeLessThan(1e-4);
      expect(maxAbsDifference(theirs, goldenH)).toBeLessThan(1e-4);
      expect(maxAbsDifference(ours.state().h, theirs)).toBeLessThanOrEqual(TOLERANCE);
    }
    tf.dispose(layer.states);
    model.dispose();
  });
});

describe('stateless calls: every timestep and the final h, c', () => {
  // Keras-initialised weights on inputs in [-2, 2) never push a gate past |z| = 2.5, where hard_sigmoid
  // clips; the last shape scales weights x3 and inputs to [-4, 4) so that many gates saturate.
  const shapes = [
    { rows: 3, timesteps: 5, inputDim: 1, units: 4, weightScale: 1, inputScale: 2 },
    { rows: 6, timesteps: 7, inputDim: 3, units: 8, weightScale: 1, inputScale: 2 },
    { rows: 2, timesteps: 12, inputDim: 5, units: 16, weightScale: 3, inputScale: 4 },
  ];
  for (const [index, shape] of shapes.entries()) {
    for (const activation of activations) {
      const { rows, timesteps, inputDim, units, weightScale, inputScale } = shape;
      it(`(rows,T,D,U)=(${rows},${timesteps},${inputDim},${units}), weights x${weightScale}, recurrentActivation=${activation.tfjs}`, async () => {
        const tf = await loadTfjs();
        const weights = scaleWeights(initLstmWeights(inputDim, units, 100 + index), weightScale);
        const inputs = seededInputs(rows, timesteps, inputDim, 200 + index, inputScale);
        const ours = oursStateless(weights, activation.ours, inputs, rows, timesteps);
        const layer = tfLstm(tf, { units, recurrentActivation: activation.tfjs, returnSequences: true, returnState: true });
        buildByCall(tf, layer, timesteps, inputDim);
        setTfWeights(tf, layer, weights);
        const theirs = tfStateless(tf, layer, inputs, [rows, timesteps, inputDim]);
        layer.dispose();
        expect(maxAbsDifference(ours.sequence, theirs.sequence), 'every step h').toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbsDifference(ours.h, theirs.h), 'final h').toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbsDifference(ours.c, theirs.c), 'final c').toBeLessThanOrEqual(TOLERANCE);
        // the final h is the last step of the sequence output in both
        expect(maxAbsDifference(theirs.h, lastStep(theirs.sequence, rows, timesteps, units))).toBe(0);
      });
    }
  }
});

function lastStep(sequence: Float32Array, rows: number, timesteps: number, units: number): Float32Array {
  const last = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++) last.set(sequence.subarray(((r + 1) * timesteps - 1) * units, (r + 1) * timesteps * units), r * units);
  return last;
}

describe('stateless LstmLayer with a partial last batch (10 rows as 4, 4, 2)', () => {
  for (const activation of activations) {
    it(`recurrentActivation=${activation.tfjs}: each batch starts from zeros and matches TF.js predict`, async () => {
      const tf = await loadTfjs();
      const [samples, batchSize, timesteps, inputDim, units] = [10, 4, 6, 3, 7] as const;
      const weights = initLstmWeights(inputDim, units, 300);
      const data = seededInputs(samples, timesteps, inputDim, 301);
      const layer = tfLstm(tf, { units, recurrentActivation: activation.tfjs, returnSequences: true, returnState: true });
      buildByCall(tf, layer, timesteps, inputDim);
      setTfWeights(tf, layer, weights);
      const ours = new LstmLayer(weights, { stateful: false, maxRows: batchSize, timesteps, activation: activation.ours });
      // the hooks collect our per-step h (rows, T, U) and the final state of each call
      let sequence = new Float32Array(0);
      let final = { rows: 0, h: new Float32Array(0), c: new Float32Array(0) };
      const hooks: StateHooks = {
        onBatchStart: (call) => void (sequence = new Float32Array(call.rows * timesteps * units)),
        onStep: (call, t, state) => {
          for (let r = 0; r < call.rows; r++) sequence.set(state.h.subarray(r * units, (r + 1) * units), (r * timesteps + t) * units);
        },
        onBatchEnd: (_call, state) => void (final = { rows: state.rows, h: state.h.slice(), c: state.c.slice() }),
      };
      const batchRows: number[] = [];
      for (let start = 0, batch = 1; start < samples; start += batchSize, batch++) {
        const rows = Math.min(batchSize, samples - start);
        batchRows.push(rows);
        const inputs = data.subarray(start * timesteps * inputDim, (start + rows) * timesteps * inputDim);
        ours.call(inputs, layerCall(batch, rows, start), hooks);
        const theirs = tfStateless(tf, layer, inputs, [rows, timesteps, inputDim]);
        expect(final.rows).toBe(rows);
        expect(maxAbsDifference(sequence, theirs.sequence), `batch ${batch} every step h`).toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbsDifference(final.h, theirs.h), `batch ${batch} final h`).toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbsDifference(final.c, theirs.c), `batch ${batch} final c`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(batchRows).toEqual([4, 4, 2]);
      layer.dispose();
    });
  }
});

describe('stateful LstmLayer: carries between batches, resets at given points', () => {
  const schedules = [
    { batches: 4, resetAfter: [2], rows: 3, timesteps: 5, inputDim: 2, units: 6 },
    { batches: 5, resetAfter: [1, 3], rows: 2, timesteps: 4, inputDim: 4, units: 5 },
  ];
  for (const [index, schedule] of schedules.entries()) {
    for (const activation of activations) {
      const { batches, resetAfter, rows, timesteps, inputDim, units } = schedule;
      it(`${batches} batches of (${rows},${timesteps},${inputDim}), U=${units}, resetStates after batch ${resetAfter.join(' and ')}, recurrentActivation=${activation.tfjs}`, async () => {
        const tf = await loadTfjs();
        const weights = initLstmWeights(inputDim, units, 400 + index);
        const lstm = tfLstm(tf, {
          units,
          recurrentActivation: activation.tfjs,
          returnSequences: false,
          returnState: false,
          stateful: true,
          batchInputShape: [rows, timesteps, inputDim],
        });
        const model = tf.sequential({ layers: [lstm] });
        setTfWeights(tf, lstm, weights);
        const ours = new LstmLayer(weights, { stateful: true, maxRows: rows, timesteps, activation: activation.ours });
        ours.build({ phase: 'fit', epoch: 1, batch: 1, timing: 'before-batch' }, noHooks);
        const outputs: Float32Array[] = [];
        for (let batch = 1; batch <= batches; batch++) {
          const inputs = seededInputs(rows, timesteps, inputDim, 500 + 10 * index + batch);
          const theirs = tf.tidy(() => (model.predict(tf.tensor3d(inputs, [rows, timesteps, inputDim])) as Tfjs.Tensor).dataSync() as Float32Array);
          ours.call(inputs, layerCall(batch, rows, (batch - 1) * rows), noHooks);
          outputs.push(theirs);
          expect(maxAbsDifference(ours.state().h, theirs), `batch ${batch} output h`).toBeLessThanOrEqual(TOLERANCE);
          // the layer's stored states [h, c] after the batch (what the next batch starts from)
          const [storedH, storedC] = lstm.states.map((state) => state.dataSync() as Float32Array);
          expect(maxAbsDifference(ours.state().h, storedH!), `batch ${batch} stored h`).toBeLessThanOrEqual(TOLERANCE);
          expect(maxAbsDifference(ours.state().c, storedC!), `batch ${batch} stored c`).toBeLessThanOrEqual(TOLERANCE);
          if (resetAfter.includes(batch)) {
            model.resetStates();
            ours.resetStates({ phase: 'fit', epoch: 1, batch, timing: 'after-batch' }, noHooks);
            expect(maxAbsDifference(ours.state().h, new Float32Array(rows * units))).toBe(0);
            expect(maxAbsDifference(lstm.states[1]!.dataSync(), new Float32Array(rows * units))).toBe(0);
          }
        }
        // sanity: a carried batch differs from a fresh one, so the carry really was exercised
        const fresh = oursStateless(weights, activation.ours, seededInputs(rows, timesteps, inputDim, 500 + 10 * index + 2), rows, timesteps);
        const carried = !resetAfter.includes(1);
        expect(maxAbsDifference(fresh.h, outputs[1]!) > 1e-3).toBe(carried);
        // model.dispose() frees the weights but not a stateful RNN's state tensors
        tf.dispose(lstm.states);
        model.dispose();
      });
    }
  }
});

describe('masking: padded (all-zero) trailing steps carry h and c unchanged', () => {
  for (const activation of activations) {
    it(`Masking({maskValue: 0}) -> LSTM, returnSequences=false, recurrentActivation=${activation.tfjs}`, async () => {
      const tf = await loadTfjs();
      const [rows, timesteps, inputDim, units] = [5, 8, 3, 6] as const;
      // valid lengths per row, including a full row and an all-padded row
      const lengths = [8, 5, 1, 3, 0];
      const weights = initLstmWeights(inputDim, units, 600);
      const inputs = seededInputs(rows, timesteps, inputDim, 601);
      const mask = padToLengths(inputs, lengths, timesteps, inputDim);
      const h = new Float32Array(rows * units);
      const c = new Float32Array(rows * units);
      lstmForward(packLstmWeights(weights), activation.ours, inputs, rows, timesteps, h, c, new Float64Array(4 * units), undefined, mask);

      const lstm = tfLstm(tf, { units, recurrentActivation: activation.tfjs, returnSequences: false, returnState: false });
      const model = tf.sequential({ layers: [tf.layers.masking({ maskValue: 0, inputShape: [timesteps, inputDim] }), lstm] });
      setTfWeights(tf, lstm, weights);
      const theirs = tf.tidy(() => (model.predict(tf.tensor3d(inputs, [rows, timesteps, inputDim])) as Tfjs.Tensor).dataSync() as Float32Array);
      model.dispose();
      expect(maxAbsDifference(h, theirs), 'final h').toBeLessThanOrEqual(TOLERANCE);

      // each row's final h is the h after its last valid step: a stateless run over only those steps
      for (let r = 0; r < rows; r++) {
        const length = lengths[r]!;
        const alone = oursStateless(weights, activation.ours, inputs.subarray(r * timesteps * inputDim, (r * timesteps + length) * inputDim), 1, length);
        expect(maxAbsDifference(h.subarray(r * units, (r + 1) * units), alone.h)).toBe(0);
      }
      // the all-padded row stays at zeros; without the mask the padded rows would differ
      expect(maxAbsDifference(h.subarray(4 * units), new Float32Array(units))).toBe(0);
      const unmasked = oursStateless(weights, activation.ours, inputs, rows, timesteps);
      expect(maxAbsDifference(unmasked.h.subarray(units), h.subarray(units))).toBeGreaterThan(1e-3);
    });
  }
});
