/**
 * Our RecurrentLayer (src/sim/layer.ts) against TF.js 4.22 (CPU backend) beyond the single LSTM of
 * tfjs-lstm.test.ts: Bidirectional LSTM / GRU (reset_after=False, the only GRU TF.js has) / SimpleRNN
 * with merge_mode='concat', with masking, stateful Bidirectional carries and resets, and stacked
 * layers chained through `outputs` (stateless and stateful). Identical Keras-layout weights (seeded
 * Keras initialisers plus a seeded non-zero bias) and seeded inputs (mulberry32). Tolerance 1e-5.
 *
 * Max |difference| measured during development (Node 20, @tensorflow/tfjs 4.22, CPU backend)
 * (LSTM and GRU as hard_sigmoid / sigmoid), all ~1-3 ulp of float32, far below 1e-5:
 *   Bidirectional, (4,6,3,5)      sequence          final states fwd+bwd
 *     LSTM ...................... 6.0e-8 / 6.0e-8   6.0e-8 / 6.0e-8
 *     GRU (reset_after=False) ... 8.9e-8 / 6.3e-8   8.9e-8 / 6.0e-8
 *     SimpleRNN ................. 1.8e-7            1.5e-7
 *   Masking -> Bidirectional, (5,7,3,4), lengths 7,4,1,6,0
 *     LSTM ...................... 6.0e-8 / 3.0e-8   6.0e-8 / 6.0e-8   (unmasked outputs, states)
 *     GRU sigmoid ............... 6.0e-8            6.0e-8
 *     SimpleRNN ................. 1.0e-7            6.0e-8
 *     (outputs at masked steps agree too, same numbers: TF.js and we repeat h_{t-1} there)
 *   stateful Bidirectional, 3 batches of (3,5,2), U=4, resetStates before batch 3
 *     LSTM hard_sigmoid ......... sequences 6.0e-8, stored states 6.0e-8, carry vs initialState 6.0e-8
 *     GRU sigmoid ............... sequences 7.5e-8, stored states 6.0e-8, carry vs initialState 6.0e-8
 *     SimpleRNN ................. sequences 1.2e-7, stored states 1.2e-7, carry vs initialState 1.2e-7
 *   stacked stateless, batches of 4 and 2 rows   bottom sequence    top output
 *     LSTM(8) -> GRU(4) ......................... 3.0e-8 / 4.5e-8   3.0e-8 / 3.0e-8
 *     GRU(6) -> SimpleRNN(5) .................... 6.0e-8 / 6.0e-8   1.1e-7 / 1.5e-7
 *   stacked stateful LSTM(8) -> GRU(4) (buildLayers, Keras 2), 3 batches: top output 1.7e-8, states 6.0e-8
 * Run with PRINT_TFJS_DIFFS=1 to print every measured difference again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as Tfjs from '@tensorflow/tfjs';
import { gruCell, lstmCell, simpleRnnCell, type Cell, type CellKind, type KerasWeights } from '../../src/nn/cells.ts';
import type { SimulationConfig } from '../../src/keras/config.ts';
import { initGruWeights } from '../../src/nn/gru.ts';
import type { LayerCall, RunPosition } from '../../src/keras/events.ts';
import type { StateHooks } from '../../src/sim/hooks.ts';
import { RecurrentLayer } from '../../src/sim/layer.ts';
import { initLstmWeights, type GateActivation } from '../../src/nn/lstm.ts';
import { mulberry32 } from '../../src/shared/random.ts';
import { initSimpleRnnWeights } from '../../src/nn/simple-rnn.ts';
import { buildLayers } from '../../src/sim/simulate.ts';
import { loadTfjs, maxAbsDifference, padToLengths } from '../helpers/tfjs.ts';

type Tf = Awaited<ReturnType<typeof loadTfjs>>;
type TfActivation = 'hardSigmoid' | 'sigmoid';

const TOLERANCE = 1e-5;
const noHooks: StateHooks = {};

interface Activation {
  readonly ours: GateActivation;
  readonly tfjs: TfActivation;
}
const hardSigmoid: Activation = { ours: { name: 'hard_sigmoid', hardSigmoidSlope: 0.2 }, tfjs: 'hardSigmoid' };
const sigmoid: Activation = { ours: { name: 'sigmoid', hardSigmoidSlope: 0.2 }, tfjs: 'sigmoid' };
const activations: readonly Activation[] = [hardSigmoid, sigmoid];

/** The cases of a cell: LSTM and GRU with both recurrent activations; SimpleRNN has none (tanh only). */
const cellCases: readonly { readonly kind: CellKind; readonly activation: Activation }[] = [
  { kind: 'lstm', activation: hardSigmoid },
  { kind: 'lstm', activation: sigmoid },
  { kind: 'gru', activation: hardSigmoid },
  { kind: 'gru', activation: sigmoid },
  { kind: 'simple', activation: hardSigmoid },
];

/** Measured max differences, printed once at the end (the numbers in the header comment). */
const measured: string[] = [];
function record(label: string, value: number): number {
  measured.push(`${label}: ${value.toExponential(1)}`);
  return value;
}
function expectClose(label: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): void {
  expect(record(label, maxAbsDifference(ours, theirs)), label).toBeLessThanOrEqual(TOLERANCE);
}

// every test leaves the TF.js tensor count as it found it (tf.tidy, dispose)
let tensorsBefore = 0;
beforeEach(async () => {
  tensorsBefore = (await loadTfjs()).memory().numTensors;
});
afterEach(async () => {
  expect((await loadTfjs()).memory().numTensors, 'TF.js tensors leaked').toBe(tensorsBefore);
});
if (process.env['PRINT_TFJS_DIFFS']) {
  afterEach(() => void console.log(measured.splice(0).join('\n')));
}

/** Seeded uniform values in [-scale, scale). */
function seededValues(length: number, seed: number, scale = 2): Float32Array {
  const uniform = mulberry32(seed);
  const values = new Float32Array(length);
  for (let i = 0; i < values.length; i++) values[i] = (uniform() * 2 - 1) * scale;
  return values;
}

/** A cell with Keras-initialised weights (seeded) and a seeded non-zero bias so the bias path is exercised. */
function makeCell(kind: CellKind, inputDim: number, units: number, seed: number, activation: Activation): Cell {
  if (kind === 'lstm') {
    const weights = initLstmWeights(inputDim, units, seed);
    return lstmCell({ ...weights, bias: seededValues(weights.bias.length, seed + 7, 0.5) }, activation.ours);
  }
  if (kind === 'gru') {
    const weights = initGruWeights(inputDim, units, seed, false);
    return gruCell({ ...weights, bias: seededValues(weights.bias.length, seed + 7, 0.5) }, activation.ours);
  }
  const weights = initSimpleRnnWeights(inputDim, units, seed);
  return simpleRnnCell({ ...weights, bias: seededValues(weights.bias.length, seed + 7, 0.5) }, activation.ours);
}

interface TfRnnOptions {
  readonly returnSequences: boolean;
  readonly returnState?: boolean;
  readonly stateful?: boolean;
  readonly batchInputShape?: [number, number, number];
  readonly inputShape?: [number, number];
}

/** A TF.js LSTM / GRU / SimpleRNN with every default that differs from Keras set explicitly. */
function tfRnn(tf: Tf, kind: CellKind, units: number, activation: Activation, options: TfRnnOptions): Tfjs.RNN {
  const common = {
    units,
    activation: 'tanh' as const,
    useBias: true,
    kernelInitializer: 'zeros' as const,
    recurrentInitializer: 'zeros' as const,
    biasInitializer: 'zeros' as const,
    returnSequences: options.returnSequences,
    returnState: options.returnState ?? false,
    stateful: options.stateful ?? false,
    ...(options.batchInputShape ? { batchInputShape: options.batchInputShape } : {}),
    ...(options.inputShape ? { inputShape: options.inputShape } : {}),
  };
  if (kind === 'lstm') return tf.layers.lstm({ ...common, recurrentActivation: activation.tfjs, unitForgetBias: false });
  // reset_after=False: TF.js's GRU has no reset_after (GRUCell throws on true)
  if (kind === 'gru') return tf.layers.gru({ ...common, recurrentActivation: activation.tfjs });
  return tf.layers.simpleRNN(common);
}

/** Keras-layout weights as the tensors TF.js setWeights takes: kernel, recurrent kernel, bias. */
function weightTensors(tf: Tf, weights: KerasWeights): Tfjs.Tensor[] {
  const { shapes } = weights;
  return [
    tf.tensor(weights.kernel, [...shapes.kernel]),
    tf.tensor(weights.recurrentKernel, [...shapes.recurrentKernel]),
    tf.tensor(weights.bias, [...shapes.bias]),
  ];
}

/** Copies the weights of `cells` (forward then backward for a Bidirectional) into a built TF.js layer. */
function setTfWeights(tf: Tf, layer: Tfjs.layers.Layer, cells: readonly Cell[]): void {
  tf.tidy(() => layer.setWeights(cells.flatMap((cell) => weightTensors(tf, cell.weights))));
}

/** The two directions of a TF.js Bidirectional (private fields in the typings). */
function directions(layer: Tfjs.layers.Layer): { forward: Tfjs.RNN; backward: Tfjs.RNN } {
  const inner = layer as unknown as { forwardLayer: Tfjs.RNN; backwardLayer: Tfjs.RNN };
  return { forward: inner.forwardLayer, backward: inner.backwardLayer };
}

// planStep 1: the single fit() of a run. (Built in a variable, not returned as a literal, so the
// file also compiles against a hooks.ts without `planStep`: no excess-property check applies.)
function layerCall(batch: number, rows: number, firstSample: number): LayerCall {
  const call = { phase: 'fit' as const, epoch: 1, batch, planStep: 1, rows, samples: Int32Array.from({ length: rows }, (_, i) => firstSample + i) };
  return call;
}

function position(batch: number): RunPosition {
  const at = { phase: 'fit' as const, epoch: 1, batch, planStep: 1, timing: 'before-batch' as const };
  return at;
}

function label(kind: CellKind, activation: Activation): string {
  return kind === 'simple' ? 'SimpleRNN' : `${kind === 'lstm' ? 'LSTM' : 'GRU'} ${activation.tfjs}`;
}

/** Our Bidirectional layer over a fresh forward and backward cell. */
function ourBidirectional(kind: CellKind, inputDim: number, units: number, seed: number, activation: Activation, rows: number, timesteps: number, stateful: boolean) {
  const cells = [makeCell(kind, inputDim, units, seed, activation), makeCell(kind, inputDim, units, seed + 1000, activation)];
  const layer = new RecurrentLayer({ name: 'bidirectional', stateful, maxRows: rows, timesteps, cells, keepOutputs: true });
  layer.build(position(1), noHooks);
  return layer;
}

/** Our outputs of a call (rows, T, outputDim), copied. */
function ourOutputs(layer: RecurrentLayer, rows: number, timesteps: number): Float32Array {
  return layer.outputs.slice(0, rows * timesteps * layer.outputDim);
}

describe('Bidirectional(merge_mode="concat", return_sequences=True): full sequence and final states', () => {
  const [rows, timesteps, inputDim, units] = [4, 6, 3, 5] as const;
  for (const [index, { kind, activation }] of cellCases.entries()) {
    it(`${label(kind, activation)}: (rows,T,D,U)=(${rows},${timesteps},${inputDim},${units})`, async () => {
      const tf = await loadTfjs();
      const seed = 100 + 10 * index;
      const ours = ourBidirectional(kind, inputDim, units, seed, activation, rows, timesteps, false);
      const inputs = seededValues(rows * timesteps * inputDim, seed + 1);
      ours.call(inputs, layerCall(1, rows, 0), noHooks);

      const bidirectional = tf.layers.bidirectional({
        layer: tfRnn(tf, kind, units, activation, { returnSequences: true, returnState: true }),
        mergeMode: 'concat',
      });
      // build by one call on zeros, then overwrite the weights: forward then backward
      tf.tidy(() => void bidirectional.apply(tf.zeros([1, timesteps, inputDim])));
      setTfWeights(tf, bidirectional, ours.cells);
      const [sequence, ...states] = tf.tidy(() =>
        (bidirectional.apply(tf.tensor3d(inputs, [rows, timesteps, inputDim])) as Tfjs.Tensor[]).map((t) => t.dataSync() as Float32Array),
      );
      bidirectional.dispose();

      const name = `bidi ${label(kind, activation)}`;
      expectClose(`${name} sequence`, ourOutputs(ours, rows, timesteps), sequence!);
      // Keras order: forward [h(, c)] then backward [h(, c)]
      const ourStates = ours.state().states;
      expect(states.length).toBe(ourStates.length);
      expect(states.length).toBe(kind === 'lstm' ? 4 : 2);
      for (const [i, state] of states.entries()) expectClose(`${name} state ${i}`, ourStates[i]!, state);
      // the forward h is the last step's forward block, the backward h the first step's backward block
      const outputs = ourOutputs(ours, rows, timesteps);
      const half = kind === 'lstm' ? 2 : 1;
      for (let r = 0; r < rows; r++) {
        const last = outputs.subarray(((r + 1) * timesteps - 1) * 2 * units, ((r + 1) * timesteps - 1) * 2 * units + units);
        const first = outputs.subarray(r * timesteps * 2 * units + units, (r * timesteps + 1) * 2 * units);
        expect(maxAbsDifference(last, ourStates[0]!.subarray(r * units, (r + 1) * units))).toBe(0);
        expect(maxAbsDifference(first, ourStates[half]!.subarray(r * units, (r + 1) * units))).toBe(0);
      }
    });
  }
});

describe('Masking({maskValue: 0}) -> Bidirectional: unmasked outputs and final states', () => {
  const [rows, timesteps, inputDim, units] = [5, 7, 3, 4] as const;
  // valid lengths per row: a full row, partial rows and a fully padded row (trailing zero steps)
  const lengths = [7, 4, 1, 6, 0];
  const maskCases = [
    { kind: 'lstm', activation: hardSigmoid },
    { kind: 'lstm', activation: sigmoid },
    { kind: 'gru', activation: sigmoid },
    { kind: 'simple', activation: hardSigmoid },
  ] as const;
  for (const [index, { kind, activation }] of maskCases.entries()) {
    it(`${label(kind, activation)}: lengths ${lengths.join(', ')}`, async () => {
      const tf = await loadTfjs();
      const seed = 300 + 10 * index;
      const inputs = seededValues(rows * timesteps * inputDim, seed + 1);
      const mask = padToLengths(inputs, lengths, timesteps, inputDim);
      const ours = ourBidirectional(kind, inputDim, units, seed, activation, rows, timesteps, false);
      ours.call(inputs, layerCall(1, rows, 0), noHooks, mask);
      const outputs = ourOutputs(ours, rows, timesteps);
      const ourStates = ours.state().states.map((state) => state.slice());

      const input = tf.input({ shape: [timesteps, inputDim] });
      const masked = tf.layers.masking({ maskValue: 0 }).apply(input) as Tfjs.SymbolicTensor;
      const bidirectional = tf.layers.bidirectional({
        layer: tfRnn(tf, kind, units, activation, { returnSequences: true, returnState: true }),
        mergeMode: 'concat',
      });
      const model = tf.model({ inputs: input, outputs: bidirectional.apply(masked) as Tfjs.SymbolicTensor[] });
      setTfWeights(tf, bidirectional, ours.cells);
      const [sequence, ...states] = tf.tidy(() =>
        (model.predict(tf.tensor3d(inputs, [rows, timesteps, inputDim])) as Tfjs.Tensor[]).map((t) => t.dataSync() as Float32Array),
      );
      model.dispose();

      const name = `masked bidi ${label(kind, activation)}`;
      // outputs at unmasked steps only (at a masked step TF.js repeats h_{t-1}; tf.keras's
      // Bidirectional would output zeros there, zero_output_for_mask = return_sequences)
      const pick = (values: Float32Array) => {
        const kept: number[] = [];
        for (let r = 0; r < rows; r++) {
          for (let t = 0; t < lengths[r]!; t++) kept.push(...values.subarray((r * timesteps + t) * 2 * units, (r * timesteps + t + 1) * 2 * units));
        }
        return kept;
      };
      expect(pick(outputs).length).toBe(lengths.reduce((a, b) => a + b, 0) * 2 * units);
      expectClose(`${name} unmasked outputs`, pick(outputs), pick(sequence!));
      record(`${name} all outputs incl. masked steps (informational)`, maxAbsDifference(outputs, sequence!));
      expect(states.length).toBe(ourStates.length);
      for (const [i, state] of states.entries()) expectClose(`${name} state ${i}`, ourStates[i]!, state);

      // the fully padded row ends at zeros in both directions; the mask really changed the other rows
      for (const state of ourStates) expect(maxAbsDifference(state.subarray(4 * units), new Float32Array(units))).toBe(0);
      const unmasked = ourBidirectional(kind, inputDim, units, seed, activation, rows, timesteps, false);
      unmasked.call(inputs, layerCall(1, rows, 0), noHooks);
      expect(maxAbsDifference(unmasked.state().states[0]!.subarray(units, 3 * units), ourStates[0]!.subarray(units, 3 * units))).toBeGreaterThan(1e-3);
    });
  }
});

describe('stateful Bidirectional: both directions carry across batches; resetStates zeroes both', () => {
  // TF.js supports a stateful Bidirectional: `stateful` comes from the wrapped layer, each direction
  // keeps its own state tensors and model.resetStates() resets both (Bidirectional.resetStates).
  const [rows, timesteps, inputDim, units] = [3, 5, 2, 4] as const;
  const statefulCases = [
    { kind: 'lstm', activation: hardSigmoid },
    { kind: 'gru', activation: sigmoid },
    { kind: 'simple', activation: hardSigmoid },
  ] as const;
  for (const [index, { kind, activation }] of statefulCases.entries()) {
    it(`${label(kind, activation)}: batch 1, batch 2 (carried), resetStates, batch 3 (fresh)`, async () => {
      const tf = await loadTfjs();
      const seed = 500 + 10 * index;
      const ours = ourBidirectional(kind, inputDim, units, seed, activation, rows, timesteps, true);
      const bidirectional = tf.layers.bidirectional({
        layer: tfRnn(tf, kind, units, activation, { returnSequences: true, stateful: true }),
        mergeMode: 'concat',
        batchInputShape: [rows, timesteps, inputDim],
      });
      const model = tf.sequential({ layers: [bidirectional] });
      setTfWeights(tf, bidirectional, ours.cells);
      const { forward, backward } = directions(bidirectional);
      const name = `stateful bidi ${label(kind, activation)}`;
      const batchInputs = [1, 2, 3].map((batch) => seededValues(rows * timesteps * inputDim, seed + batch));
      const statesAfter: Float32Array[][] = [];
      for (let batch = 1; batch <= 3; batch++) {
        if (batch === 3) {
          model.resetStates();
          ours.resetStates(position(batch), noHooks);
          for (const state of [...forward.states, ...backward.states]) expect(maxAbsDifference(state.dataSync(), new Float32Array(rows * units))).toBe(0);
          for (const state of ours.state().states) expect(maxAbsDifference(state, new Float32Array(rows * units))).toBe(0);
        }
        const inputs = batchInputs[batch - 1]!;
        const sequence = tf.tidy(() => (model.predict(tf.tensor3d(inputs, [rows, timesteps, inputDim])) as Tfjs.Tensor).dataSync() as Float32Array);
        ours.call(inputs, layerCall(batch, rows, (batch - 1) * rows), noHooks);
        expectClose(`${name} batch ${batch} sequence`, ourOutputs(ours, rows, timesteps), sequence);
        // stored states, forward then backward: what the next batch starts from
        const stored = [...forward.states, ...backward.states].map((state) => state.dataSync() as Float32Array);
        const ourStates = ours.state().states;
        expect(stored.length).toBe(ourStates.length);
        for (const [i, state] of stored.entries()) expectClose(`${name} batch ${batch} state ${i}`, ourStates[i]!, state);
        statesAfter.push(ourStates.map((state) => state.slice()));
      }

      // the carry, spelled out: batch 2 equals a stateless call on batch 2 from batch 1's final states,
      // both directions (the backward one resumes from the state it had at the *start* of window 1)
      const explicit = tf.layers.bidirectional({ layer: tfRnn(tf, kind, units, activation, { returnSequences: true }), mergeMode: 'concat' });
      tf.tidy(() => void explicit.apply(tf.zeros([1, timesteps, inputDim])));
      setTfWeights(tf, explicit, ours.cells);
      const fromInitial = tf.tidy(() => {
        const initialState = statesAfter[0]!.map((state) => tf.tensor2d(state, [rows, units]));
        const output = explicit.apply(tf.tensor3d(batchInputs[1]!, [rows, timesteps, inputDim]), { initialState }) as Tfjs.Tensor;
        return output.dataSync() as Float32Array;
      });
      explicit.dispose();
      const fresh = ourBidirectional(kind, inputDim, units, seed, activation, rows, timesteps, false);
      fresh.call(batchInputs[1]!, layerCall(2, rows, rows), noHooks);
      const freshOutputs = ourOutputs(fresh, rows, timesteps);
      ours.resetStates(position(4), noHooks);
      for (const [i, state] of statesAfter[0]!.entries()) ours.state().states[i]!.set(state);
      ours.call(batchInputs[1]!, layerCall(2, rows, rows), noHooks);
      expectClose(`${name} carry = explicit initialState`, ourOutputs(ours, rows, timesteps), fromInitial);
      // the carry matters in both directions: batch 2 differs from a fresh batch 2 in each block
      const carried = ourOutputs(ours, rows, timesteps);
      for (const offset of [0, units]) {
        let max = 0;
        for (let i = 0; i < rows * timesteps; i++) {
          for (let u = 0; u < units; u++) max = Math.max(max, Math.abs(carried[i * 2 * units + offset + u]! - freshOutputs[i * 2 * units + offset + u]!));
        }
        expect(max, `direction ${offset === 0 ? 'forward' : 'backward'} carried`).toBeGreaterThan(1e-3);
      }

      // model.dispose() frees the weights but not a stateful RNN's state tensors
      tf.dispose([...forward.states, ...backward.states]);
      model.dispose();
    });
  }
});

describe('stacked layers chained through `outputs` vs tf.sequential', () => {
  const pairs = [
    { first: { kind: 'lstm', units: 8 }, second: { kind: 'gru', units: 4 } },
    { first: { kind: 'gru', units: 6 }, second: { kind: 'simple', units: 5 } },
  ] as const;
  const [maxRows, timesteps, inputDim] = [4, 6, 3] as const;
  for (const [index, { first, second }] of pairs.entries()) {
    for (const activation of activations) {
      const title = `${label(first.kind, activation)}(${first.units}, return_sequences) -> ${label(second.kind, activation)}(${second.units})`;
      it(`${title}: stateless, batches of 4 and 2 rows`, async () => {
        const tf = await loadTfjs();
        const seed = 700 + 10 * index + (activation === sigmoid ? 5 : 0);
        const bottom = new RecurrentLayer({
          name: 'bottom',
          stateful: false,
          maxRows,
          timesteps,
          cells: [makeCell(first.kind, inputDim, first.units, seed, activation)],
          keepOutputs: true,
        });
        const top = new RecurrentLayer({
          name: 'top',
          stateful: false,
          maxRows,
          timesteps,
          cells: [makeCell(second.kind, first.units, second.units, seed + 1, activation)],
        });
        const tfBottom = tfRnn(tf, first.kind, first.units, activation, { returnSequences: true, inputShape: [timesteps, inputDim] });
        const tfTop = tfRnn(tf, second.kind, second.units, activation, { returnSequences: false });
        const model = tf.sequential({ layers: [tfBottom, tfTop] });
        setTfWeights(tf, tfBottom, bottom.cells);
        setTfWeights(tf, tfTop, top.cells);
        for (const [batch, rows] of [[1, 4], [2, 2]] as const) {
          const inputs = seededValues(rows * timesteps * inputDim, seed + 10 + batch);
          bottom.call(inputs, layerCall(batch, rows, 0), noHooks);
          top.call(bottom.outputs.subarray(0, rows * timesteps * bottom.outputDim), layerCall(batch, rows, 0), noHooks);
          const [middle, output] = tf.tidy(() => {
            const x = tf.tensor3d(inputs, [rows, timesteps, inputDim]);
            return [(tfBottom.apply(x) as Tfjs.Tensor).dataSync() as Float32Array, (model.predict(x) as Tfjs.Tensor).dataSync() as Float32Array];
          });
          const name = `stacked ${title} batch ${batch}`;
          expectClose(`${name} bottom sequence`, ourOutputs(bottom, rows, timesteps), middle!);
          expectClose(`${name} top output`, top.state().h, output!);
        }
        model.dispose();
      });
    }
  }

  it('stateful LSTM(8) -> GRU(4) from buildLayers (Keras 2 profile): carry in both layers, then resetStates', async () => {
    const tf = await loadTfjs();
    const [rows, T, D] = [3, 5, 3] as const;
    const config: SimulationConfig = {
      samples: 3 * rows,
      timesteps: T,
      features: D,
      batchSize: rows,
      epochs: 1,
      stateful: true,
      shuffle: false,
      units: 8,
      layers: [
        { cell: 'lstm', units: 8 },
        { cell: 'gru', units: 4 },
      ],
      seed: 901,
      resetEvery: 'never',
      validationSplit: 0,
      keras: '2',
      recurrentActivation: 'hard_sigmoid',
    };
    const [bottom, top, ...rest] = buildLayers(config, rows);
    expect(rest).toHaveLength(0);
    expect(bottom!.stateful && top!.stateful).toBe(true);
    expect(top!.cells[0]!.resetAfter).toBe(false);
    for (const layer of [bottom!, top!]) layer.build(position(1), noHooks);

    const tfBottom = tfRnn(tf, 'lstm', 8, hardSigmoid, { returnSequences: true, stateful: true, batchInputShape: [rows, T, D] });
    const tfTop = tfRnn(tf, 'gru', 4, hardSigmoid, { returnSequences: false, stateful: true });
    const model = tf.sequential({ layers: [tfBottom, tfTop] });
    setTfWeights(tf, tfBottom, bottom!.cells);
    setTfWeights(tf, tfTop, top!.cells);
    const outputs: Float32Array[] = [];
    for (let batch = 1; batch <= 3; batch++) {
      if (batch === 3) {
        model.resetStates();
        bottom!.resetStates(position(batch), noHooks);
        top!.resetStates(position(batch), noHooks);
      }
      const inputs = seededValues(rows * T * D, 950 + batch);
      const output = tf.tidy(() => (model.predict(tf.tensor3d(inputs, [rows, T, D])) as Tfjs.Tensor).dataSync() as Float32Array);
      bottom!.call(inputs, layerCall(batch, rows, 0), noHooks);
      top!.call(bottom!.outputs, layerCall(batch, rows, 0), noHooks);
      const name = `stacked stateful LSTM->GRU batch ${batch}`;
      expectClose(`${name} top output`, top!.state().h, output);
      const stored = [...tfBottom.states, ...tfTop.states].map((state) => state.dataSync() as Float32Array);
      const ourStates = [...bottom!.state().states, ...top!.state().states];
      expect(stored.length).toBe(3);
      for (const [i, state] of stored.entries()) expectClose(`${name} state ${i}`, ourStates[i]!, state);
      outputs.push(top!.state().h.slice());
    }
    // batch 3 ran on different inputs from fresh zeros; a fresh run of batch 2 differs from the carried one
    const fresh = buildLayers({ ...config, stateful: false }, rows);
    const inputs2 = seededValues(rows * T * D, 952);
    fresh[0]!.call(inputs2, layerCall(2, rows, 0), noHooks);
    fresh[1]!.call(fresh[0]!.outputs, layerCall(2, rows, 0), noHooks);
    expect(maxAbsDifference(fresh[1]!.state().h, outputs[1]!)).toBeGreaterThan(1e-3);

    tf.dispose([...tfBottom.states, ...tfTop.states]);
    model.dispose();
  });
});
