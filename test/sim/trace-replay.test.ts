/**
 * `lstm-reset --trace -` replayed in TF.js exactly as a user would: from the JSON document alone
 * (nothing from src/ is used for the replay). For every recorded call the rows `inputs[samples]` are
 * gathered and pushed through TF.js layers built from the trace's weights, each layer called with
 * `initialState` = the trace's initialStates (returnSequences and returnState on), its sequence fed
 * to the next layer; TF.js's final states must match the trace's finalStates within 1e-5. The
 * chaining of states between calls is checked from the trace itself: a stateful layer starts each
 * call from the previous call's final states unless reset_states() ran in between (then zeros), a
 * stateless layer always from zeros.
 *
 * Max |TF.js final states - trace finalStates| measured during development (Node 20,
 * @tensorflow/tfjs 4.22, CPU backend), all calls and layers of a trace (float32 rounding):
 *   (1) stateful LSTM sigmoid, (12,5,3) U=5 batch 4, 2 epochs, --reset-every 2 ......... 6.0e-8
 *       (carried calls replayed from zeros instead: 1.5e-1, so the initialState is used)
 *   (2) --keras tf hard_sigmoid stateless LSTM, (13,6,2) U=5 batch 4, validation 0.3,
 *       partial batches of 1 row, 2 epochs .......................................... 3.0e-8
 *   (3) --layers lstm:4,gru:3 --keras 2 stateful, (8,6,3) batch 4, --reset-every epoch . LSTM 3.0e-8, GRU 1.1e-8
 *   (4) SimpleRNN --mask-tail 2 --mask-fraction 0.5, (10,7,2) U=4 batch 5 ............. 6.0e-8
 *       (padded rows replayed without the mask: 1.5e+0, so the mask is applied)
 *   (5) Bidirectional LSTM stateless, (6,5,2) U=3 batch 3 ............................. 3.0e-8
 *   (5b) Bidirectional GRU stateful --keras 2, (6,5,2) U=3 batch 3, 2 epochs, carried .. 4.5e-8
 * Run with PRINT_TFJS_DIFFS=1 to print the measured differences again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as Tfjs from '@tensorflow/tfjs';
import { run } from '../helpers/io.ts';
import { loadTfjs, maxAbsDifference } from '../helpers/tfjs.ts';

type Tf = Awaited<ReturnType<typeof loadTfjs>>;

const TOLERANCE = 1e-5;

// ---- the trace document, as a user would type it from the JSON (no import from src/) ----

interface TraceTensor {
  readonly shape: number[];
  readonly values: number[];
}
interface TraceWeights {
  readonly kernel: TraceTensor;
  readonly recurrentKernel: TraceTensor;
  readonly bias: TraceTensor;
}
interface TraceLayer {
  readonly name: string;
  readonly className: string;
  readonly units: number;
  readonly stateful: boolean;
  readonly bidirectional: boolean;
  readonly recurrentActivation: string | null;
  readonly resetAfter: boolean | null;
  readonly weights: TraceWeights[];
}
interface TraceLayerCall {
  readonly layer: string;
  readonly initialStates: TraceTensor[];
  readonly finalStates: TraceTensor[];
}
interface TraceCall {
  readonly phase: string;
  readonly epoch: number;
  readonly batch: number;
  readonly samples: number[];
  readonly layers: TraceLayerCall[];
}
interface Trace {
  readonly format: string;
  readonly config: { readonly batchSize: number; readonly resetEvery: 'never' | 'epoch' | { readonly everyBatches: number } };
  readonly hardSigmoid: string;
  readonly layers: TraceLayer[];
  readonly inputs: TraceTensor | null;
  readonly mask: TraceTensor | null;
  readonly calls: TraceCall[];
}

async function traceOf(args: readonly string[]): Promise<Trace> {
  const { code, stdout, stderr } = await run([...args, '--trace', '-', '-q']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const trace = JSON.parse(stdout) as Trace;
  expect(trace.format).toBe('lstm-reset-trace');
  return trace;
}

// ---- measured differences (the numbers in the header comment) ----

const measured: string[] = [];
function record(label: string, value: number): number {
  measured.push(`${label}: ${value.toExponential(1)}`);
  return value;
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

// ---- the replay ----

/** The trace's recurrent activation in TF.js terms; TF.js's hardSigmoid is clip(0.2x + 0.5, 0, 1) only. */
function tfRecurrentActivation(trace: Trace, layer: TraceLayer): 'sigmoid' | 'hardSigmoid' {
  if (layer.recurrentActivation === 'sigmoid') return 'sigmoid';
  if (layer.recurrentActivation === 'hard_sigmoid') {
    // Keras 3's hard_sigmoid (x/6 + 0.5) differs from TF.js's: replay only the 0.2x + 0.5 one (--keras tf / 2)
    expect(trace.hardSigmoid).toBe('clip(0.2 * x + 0.5, 0, 1)');
    return 'hardSigmoid';
  }
  throw new Error(`recurrent activation ${String(layer.recurrentActivation)}`);
}

/** A stateless TF.js layer (the states come in through initialState) with every Keras default set explicitly. */
function tfLayer(tf: Tf, trace: Trace, layer: TraceLayer): Tfjs.layers.Layer {
  const common = {
    units: layer.units,
    activation: 'tanh' as const,
    useBias: true,
    kernelInitializer: 'zeros' as const,
    recurrentInitializer: 'zeros' as const,
    biasInitializer: 'zeros' as const,
    returnSequences: true,
    returnState: true,
  };
  let rnn: Tfjs.RNN;
  if (layer.className === 'LSTM') {
    rnn = tf.layers.lstm({ ...common, recurrentActivation: tfRecurrentActivation(trace, layer), unitForgetBias: false });
  } else if (layer.className === 'GRU') {
    // TF.js's GRU is reset_after=False only (GRUCell throws on resetAfter: true): traces of --keras 2
    expect(layer.resetAfter).toBe(false);
    rnn = tf.layers.gru({ ...common, recurrentActivation: tfRecurrentActivation(trace, layer) });
  } else if (layer.className === 'SimpleRNN') {
    rnn = tf.layers.simpleRNN(common);
  } else {
    throw new Error(`layer class ${layer.className}`);
  }
  return layer.bidirectional ? tf.layers.bidirectional({ layer: rnn, mergeMode: 'concat' }) : rnn;
}

interface ReplayedLayerCall {
  /** TF.js's final states, in Keras order (forward then backward for a Bidirectional). */
  readonly finalStates: Float32Array[];
  /** Max |TF.js - trace| over the final states of this layer call. */
  readonly difference: number;
}

/**
 * Replays every call of the trace: per call, per layer in order, TF.js from the trace's initialStates.
 * `useMask: false` ignores the trace's mask, `zeroInitialStates: true` the initial states (to show they matter).
 */
function replay(tf: Tf, trace: Trace, options: { useMask?: boolean; zeroInitialStates?: boolean } = {}): ReplayedLayerCall[][] {
  const inputs = trace.inputs;
  if (!inputs) throw new Error('trace without inputs');
  const [, timesteps, features] = inputs.shape as [number, number, number];
  const useMask = options.useMask ?? true;
  // build each layer by one call on zeros, then overwrite its weights (forward, then backward)
  let inputDim = features;
  const layers = trace.layers.map((spec) => {
    const layer = tfLayer(tf, trace, spec);
    tf.tidy(() => void layer.apply(tf.zeros([1, timesteps, inputDim])));
    tf.tidy(() =>
      layer.setWeights(
        spec.weights.flatMap((w) => [tf.tensor(w.kernel.values, w.kernel.shape), tf.tensor(w.recurrentKernel.values, w.recurrentKernel.shape), tf.tensor(w.bias.values, w.bias.shape)]),
      ),
    );
    inputDim = spec.units * (spec.bidirectional ? 2 : 1);
    return layer;
  });
  try {
    return trace.calls.map((call) =>
      tf.tidy(() => {
        const rows = call.samples.length;
        // x = inputs[samples]; mask = mask[samples]
        const rowSize = timesteps * features;
        const x = new Float32Array(rows * rowSize);
        call.samples.forEach((sample, r) => x.set(inputs.values.slice(sample * rowSize, (sample + 1) * rowSize), r * rowSize));
        let mask: Tfjs.Tensor | undefined;
        if (trace.mask && useMask) {
          const m = new Float32Array(rows * timesteps);
          call.samples.forEach((sample, r) => m.set(trace.mask!.values.slice(sample * timesteps, (sample + 1) * timesteps), r * timesteps));
          mask = tf.tensor2d(m, [rows, timesteps]);
        }
        let sequence: Tfjs.Tensor = tf.tensor3d(x, [rows, timesteps, features]);
        expect(call.layers.map((entry) => entry.layer)).toEqual(trace.layers.map((layer) => layer.name));
        return call.layers.map((entry, i) => {
          const initialState = entry.initialStates.map((state) => (options.zeroInitialStates ? tf.zeros(state.shape) : tf.tensor(state.values, state.shape)));
          // eager apply: kwargs reach RNN.call (and Bidirectional.call, which splits initialState in
          // half, forward then backward, and hands the mask to both directions)
          const kwargs = mask ? { initialState, mask } : { initialState };
          const [output, ...states] = layers[i]!.apply(sequence, kwargs) as Tfjs.Tensor[];
          sequence = output!;
          const finalStates = states.map((state) => state.dataSync() as Float32Array);
          expect(finalStates.length).toBe(entry.finalStates.length);
          let difference = 0;
          finalStates.forEach((state, s) => {
            const expected = entry.finalStates[s]!;
            expect(state.length).toBe(expected.values.length);
            expect(states[s]!.shape).toEqual(expected.shape);
            difference = Math.max(difference, maxAbsDifference(state, expected.values));
          });
          return { finalStates, difference };
        });
      }),
    );
  } finally {
    for (const layer of layers) layer.dispose();
  }
}

/** Replays and checks every final state; returns the max difference per layer (also recorded). */
function expectReplayMatches(tf: Tf, trace: Trace, name: string): number[] {
  const replayed = replay(tf, trace);
  return trace.layers.map((layer, i) => {
    let max = 0;
    replayed.forEach((call, k) => {
      const { difference } = call[i]!;
      const at = trace.calls[k]!;
      expect(difference, `${name} ${layer.name} ${at.phase} epoch ${at.epoch} batch ${at.batch}`).toBeLessThanOrEqual(TOLERANCE);
      max = Math.max(max, difference);
    });
    record(`${name} ${layer.name} final states`, max);
    return max;
  });
}

// ---- chaining semantics, from the trace alone ----

const isZero = (state: TraceTensor) => state.values.every((value) => value === 0);

/**
 * reset_states() between two consecutive calls, from the trace's config: Keras never resets by
 * itself, only the --reset-every callback does (after fit batch b with b % K == 0, or at each epoch
 * end). Used for traces without validation (with it, on_epoch_end runs after the validation calls).
 */
function resetBetween(trace: Trace, previous: TraceCall, next: TraceCall): boolean {
  const policy = trace.config.resetEvery;
  if (previous.phase !== 'fit') return false;
  if (policy === 'never') return false;
  if (policy === 'epoch') return next.epoch !== previous.epoch;
  return previous.batch % policy.everyBatches === 0;
}

/**
 * Every layer: stateless starts each call at zeros; stateful starts the first call at zeros and each
 * next call at the previous call's final states (exactly), or at zeros after a reset. Returns, per
 * stateful layer, the calls' start as 'zeros' | 'carried'.
 */
function expectChaining(trace: Trace): ('zeros' | 'carried')[][] {
  return trace.layers.map((layer, i) => {
    const starts: ('zeros' | 'carried')[] = [];
    trace.calls.forEach((call, k) => {
      const entry = call.layers[i]!;
      const where = `${layer.name} call ${k} (${call.phase} epoch ${call.epoch} batch ${call.batch})`;
      expect(entry.initialStates.length, where).toBe(entry.finalStates.length);
      for (const state of entry.initialStates) expect(state.shape, where).toEqual([call.samples.length, layer.units]);
      const previous = k > 0 ? trace.calls[k - 1]! : undefined;
      const carried = layer.stateful && previous !== undefined && !resetBetween(trace, previous, call);
      if (carried) {
        expect(entry.initialStates, `${where} starts from the previous final states`).toEqual(previous.layers[i]!.finalStates);
      } else {
        for (const state of entry.initialStates) expect(isZero(state), `${where} starts from zeros`).toBe(true);
      }
      starts.push(carried ? 'carried' : 'zeros');
    });
    return starts;
  });
}

// ---- the cases ----

describe('trace replay in TF.js: final states of every call within 1e-5, states chained as Keras does', () => {
  it('(1) stateful LSTM, sigmoid, (12,5,3) batch 4, 2 epochs, --reset-every 2', async () => {
    const tf = await loadTfjs();
    const trace = await traceOf(['--shape', '12,5,3', '--batch', '4', '--stateful', '--no-shuffle', '--epochs', '2', '--reset-every', '2', '--units', '5']);
    expect(trace.layers.map((l) => [l.className, l.stateful, l.recurrentActivation])).toEqual([['LSTM', true, 'sigmoid']]);
    expect(trace.calls.map((c) => `${c.phase} ${c.epoch}.${c.batch}`)).toEqual(['fit 1.1', 'fit 1.2', 'fit 1.3', 'fit 2.1', 'fit 2.2', 'fit 2.3']);
    // resets after batch 2 of each epoch only: the state carries across the epoch boundary
    expect(expectChaining(trace)).toEqual([['zeros', 'carried', 'zeros', 'carried', 'carried', 'zeros']]);
    // the carried states are real (non-zero), so the initialState path is exercised
    expect(isZero(trace.calls[1]!.layers[0]!.initialStates[1]!)).toBe(false);
    // same rows from zeros in epochs 1 and 2 (batch 3): same final states, weights never change
    expect(trace.calls[5]!.layers[0]!.finalStates).toEqual(trace.calls[2]!.layers[0]!.finalStates);
    expectReplayMatches(tf, trace, '(1) stateful LSTM');
    // from zeros instead, the carried calls are far off: TF.js really starts from the initialState given
    const fromZeros = replay(tf, trace, { zeroInitialStates: true });
    const offFromZeros = fromZeros.map((call) => call[0]!.difference);
    offFromZeros.forEach((difference, k) => {
      if (isZero(trace.calls[k]!.layers[0]!.initialStates[0]!)) expect(difference).toBeLessThanOrEqual(TOLERANCE);
      else expect(difference).toBeGreaterThan(1e-3);
    });
    record('(1) carried calls replayed from zeros (informational)', Math.max(...offFromZeros));
  });

  it('(2) --keras tf hard_sigmoid stateless LSTM, validation split 0.3, partial batches', async () => {
    const tf = await loadTfjs();
    const trace = await traceOf([
      '--shape', '13,6,2', '--batch', '4', '--validation-split', '0.3', '--keras', 'tf',
      '--recurrent-activation', 'hard_sigmoid', '--epochs', '2', '--units', '5',
    ]);
    expect(trace.layers.map((l) => [l.className, l.stateful, l.recurrentActivation])).toEqual([['LSTM', false, 'hard_sigmoid']]);
    // int(13 * 0.7) = 9 training samples (4, 4, 1 rows), the last 4 validate
    expect(trace.calls.map((c) => `${c.phase} ${c.epoch}.${c.batch}:${c.samples.length}`)).toEqual([
      'fit 1.1:4', 'fit 1.2:4', 'fit 1.3:1', 'validate 1.1:4', 'fit 2.1:4', 'fit 2.2:4', 'fit 2.3:1', 'validate 2.1:4',
    ]);
    for (const call of trace.calls) {
      expect(call.samples.every((s) => (call.phase === 'validate' ? s >= 9 : s < 9))).toBe(true);
    }
    expect(expectChaining(trace)[0]!.every((start) => start === 'zeros')).toBe(true);
    expectReplayMatches(tf, trace, '(2) tf hard_sigmoid LSTM');
  });

  it('(3) stacked --layers lstm:4,gru:3 --keras 2, stateful, (8,6,3) batch 4, 2 epochs, --reset-every epoch', async () => {
    const tf = await loadTfjs();
    const trace = await traceOf([
      '--shape', '8,6,3', '--batch', '4', '--stateful', '--no-shuffle', '--layers', 'lstm:4,gru:3', '--keras', '2',
      '--epochs', '2', '--reset-every', 'epoch',
    ]);
    expect(trace.layers.map((l) => [l.className, l.units, l.stateful, l.resetAfter])).toEqual([
      ['LSTM', 4, true, null],
      ['GRU', 3, true, false],
    ]);
    // the GRU's kernel takes the LSTM's 4 outputs
    expect(trace.layers[1]!.weights[0]!.kernel.shape).toEqual([4, 9]);
    expect(expectChaining(trace)).toEqual([
      ['zeros', 'carried', 'zeros', 'carried'],
      ['zeros', 'carried', 'zeros', 'carried'],
    ]);
    expect(isZero(trace.calls[1]!.layers[1]!.initialStates[0]!)).toBe(false);
    const [lstm, gru] = expectReplayMatches(tf, trace, '(3) stacked LSTM -> GRU');
    expect(lstm).toBeLessThanOrEqual(TOLERANCE);
    expect(gru).toBeLessThanOrEqual(TOLERANCE);
  });

  it('(4) SimpleRNN, --mask-tail 2 --mask-fraction 0.5, (10,7,2) batch 5', async () => {
    const tf = await loadTfjs();
    const trace = await traceOf(['--shape', '10,7,2', '--batch', '5', '--cell', 'simple', '--mask-tail', '2', '--mask-fraction', '0.5', '--units', '4']);
    expect(trace.layers.map((l) => [l.className, l.recurrentActivation])).toEqual([['SimpleRNN', null]]);
    const mask = trace.mask!;
    expect(mask.shape).toEqual([10, 7]);
    const [samples, timesteps, features] = trace.inputs!.shape as [number, number, number];
    const padded = Array.from({ length: samples }, (_, s) => mask.values.slice(s * timesteps, (s + 1) * timesteps)).map((row) => row.includes(0));
    expect(padded.some(Boolean)).toBe(true);
    expect(padded.every(Boolean)).toBe(false);
    // the inputs at padded steps are NOT zero in the trace, so Masking({maskValue: 0}) would not find
    // them: the mask goes to TF.js explicitly, `rnn.apply(x, {initialState, mask})` (eager RNN.call
    // takes kwargs.mask; at a masked step h is carried unchanged, as in Keras)
    let paddedNonZero = 0;
    for (let i = 0; i < samples * timesteps; i++) {
      if (mask.values[i] === 0 && trace.inputs!.values.slice(i * features, (i + 1) * features).some((v) => v !== 0)) paddedNonZero++;
    }
    expect(paddedNonZero).toBeGreaterThan(0);
    expect(expectChaining(trace)[0]!.every((start) => start === 'zeros')).toBe(true);
    expectReplayMatches(tf, trace, '(4) masked SimpleRNN');
    // without the mask, the padded rows' final states are far off: the mask really is applied
    const unmasked = replay(tf, trace, { useMask: false });
    let maxUnmasked = 0;
    trace.calls.forEach((call, k) => {
      const expected = call.layers[0]!.finalStates[0]!.values;
      const units = trace.layers[0]!.units;
      call.samples.forEach((sample, r) => {
        const rowDiff = maxAbsDifference(unmasked[k]![0]!.finalStates[0]!.subarray(r * units, (r + 1) * units), expected.slice(r * units, (r + 1) * units));
        if (padded[sample]) maxUnmasked = Math.max(maxUnmasked, rowDiff);
        else expect(rowDiff).toBeLessThanOrEqual(TOLERANCE);
      });
    });
    expect(record('(4) padded rows replayed without the mask (informational)', maxUnmasked)).toBeGreaterThan(1e-3);
  });

  it('(5) Bidirectional LSTM, stateless, (6,5,2) batch 3: initialState = [fh, fc, bh, bc]', async () => {
    // TF.js supports initialState on a Bidirectional (eager Bidirectional.apply puts it in kwargs;
    // call() hands the first half to the forward layer and the second half to the backward one)
    const tf = await loadTfjs();
    const trace = await traceOf(['--shape', '6,5,2', '--batch', '3', '--bidirectional', '--units', '3']);
    const [layer] = trace.layers;
    expect([layer!.className, layer!.bidirectional, layer!.stateful, layer!.weights.length]).toEqual(['LSTM', true, false, 2]);
    for (const call of trace.calls) expect(call.layers[0]!.initialStates.length).toBe(4);
    expect(expectChaining(trace)[0]!.every((start) => start === 'zeros')).toBe(true);
    expectReplayMatches(tf, trace, '(5) Bidirectional LSTM');
  });

  it('(5b) Bidirectional GRU, stateful, --keras 2, (6,5,2) batch 3, 2 epochs: both directions carried', async () => {
    const tf = await loadTfjs();
    const trace = await traceOf(['--shape', '6,5,2', '--batch', '3', '--bidirectional', '--cell', 'gru', '--keras', '2', '--stateful', '--no-shuffle', '--epochs', '2', '--units', '3']);
    expect(trace.layers.map((l) => [l.className, l.bidirectional, l.stateful, l.resetAfter])).toEqual([['GRU', true, true, false]]);
    expect(expectChaining(trace)).toEqual([['zeros', 'carried', 'carried', 'carried']]);
    // non-zero carried states in both directions: [fh, bh]
    for (const state of trace.calls[1]!.layers[0]!.initialStates) expect(isZero(state)).toBe(false);
    expectReplayMatches(tf, trace, '(5b) stateful Bidirectional GRU');
  });
});
