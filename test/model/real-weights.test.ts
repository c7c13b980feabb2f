/**
 * Model files with real weights (scripts/model-fixtures.py): the states of every layer call from the
 * file's weights agree to 1e-5 with states computed independently of lstm-reset — by Keras 3 itself on
 * the same weights, or (for what only Keras 1/2 compute: hard_sigmoid 0.2x + 0.5) by the script's float64
 * reference, checked against Keras 3 first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/io.ts';

const models = new URL('../fixtures/models/', import.meta.url).pathname;

interface Expected {
  batch: number;
  calls: { layers: { layer: string; finalStates: number[][][] }[] }[];
}

interface TraceCall {
  layers: { layer: string; finalStates: { shape: number[]; values: number[] }[] }[];
}

async function statesOf(file: string, folder: string, expected: Expected): Promise<{ doc: Record<string, unknown>; calls: TraceCall[] }> {
  const data = existsSync(`${models}${folder}/x2.npy`) ? ['--data', `${models}${folder}/x.npy`, '--data', `${models}${folder}/x2.npy`] : ['--data', `${models}${folder}/x.npy`];
  // "model.json --weights w.h5": a model JSON with its weights in another file
  const [model, ...rest] = file.split(' ');
  const more = rest.map((arg) => (arg.startsWith('--') ? arg : `${models}${folder}/${arg}`));
  const args = ['audit', `${models}${folder}/${model}`, ...more, ...data, '--batch', String(expected.batch), '--no-shuffle', '-q'];
  const traced = await run([...args, '--trace', '-']);
  expect(traced.stderr).toBe('');
  const json = await run([...args, '--json']);
  return { doc: JSON.parse(json.stdout), calls: JSON.parse(traced.stdout).calls };
}

function maxDifference(expected: Expected, calls: TraceCall[]): number {
  expect(calls).toHaveLength(expected.calls.length);
  let max = 0;
  expected.calls.forEach((call, i) => {
    // the layer calls of one model call in order (a shared layer is listed once per call)
    expect(calls[i]!.layers.map((layer) => layer.layer)).toEqual(call.layers.map((layer) => layer.layer));
    call.layers.forEach((want, j) => {
      const got = calls[i]!.layers[j];
      expect(got!.finalStates).toHaveLength(want.finalStates.length);
      want.finalStates.forEach((state, k) => {
        const values = got!.finalStates[k]!.values;
        state.flat().forEach((v, j) => (max = Math.max(max, Math.abs(v - values[j]!))));
      });
    });
  });
  return max;
}

describe.each([
  ['k3-stack', 'model.keras', 'Keras 3 .keras: LSTM -> GRU(reset_after=True) -> SimpleRNN'],
  ['k3-stack', 'model.h5', 'Keras 3 legacy .h5: the same model'],
  ['k3-bidirectional', 'model.keras', 'Keras 3 .keras: Bidirectional(GRU(reset_after=False)) -> Bidirectional(LSTM)'],
  ['k3-bidirectional', 'model.h5', 'Keras 3 legacy .h5: the same model'],
  ['k3-stateful', 'model.keras', 'Keras 3 .keras: stateful LSTM -> stateful GRU, carried over 3 batches'],
  ['k3-stateful', 'model.h5', 'Keras 3 legacy .h5: the same model'],
  ['k1-lstm-gru', 'model.h5', 'Keras 1.2.2 .h5: per-gate LSTM (12 arrays) and GRU (9), hard_sigmoid'],
  ['k1-bidi-simple', 'model.h5', 'Keras 1.2.2 .h5: Bidirectional(LSTM) (2 × 12 per-gate arrays) -> SimpleRNN'],
  ['k2-bidi-simple', 'model.h5', 'Keras 2.2.4 .h5: Bidirectional(GRU(reset_after=False)) -> SimpleRNN'],
  ['tfk-gru', 'model.h5', 'tf.keras 2.13 .h5: GRU(reset_after=False) -> LSTM'],
  ['k2-cudnn', 'model.h5', 'Keras 2.2.4 .h5: CuDNNLSTM and CuDNNGRU weights in the CuDNN layout'],
  ['tfk-functional', 'model.h5', 'tf.keras 2.9 .h5: Bidirectional(LSTM) -> GRU -> SimpleRNN, lstm_cell weight names'],
  ['k2-stateful', 'model.h5', 'Keras 2.2.4 .h5: stateful LSTM -> GRU(reset_after=False), hard_sigmoid, carried'],
  ['k3-seq2seq', 'model.keras', 'Keras 3 .keras seq2seq: the decoder starts from the encoder states of each batch'],
  ['k3-seq2seq', 'model.h5', 'Keras 3 legacy .h5 seq2seq'],
  ['k3-seq2seq', 'keras2.h5', 'Keras 2.2.4 .h5 seq2seq: initial_state as extra inbound tensors'],
  ['k3-stateful-seq2seq', 'model.keras', 'Keras 3 .keras: a stateful GRU decoder given initial_state starts every call from it'],
  ['k3-embedding-mask', 'model.keras', 'Keras 3 .keras: Embedding(mask_zero=True) on int32 token ids, pre/post padding, a fully padded row'],
  ['k3-embedding-mask', 'model.h5', 'Keras 3 legacy .h5: the same'],
  ['k3-masking', 'model.keras', 'Keras 3 .keras: Masking(0.0) -> Bidirectional(LSTM) -> SimpleRNN(go_backwards=True)'],
  ['k3-masking', 'model.h5', 'Keras 3 legacy .h5: the same'],
  ['k3-shared', 'model.keras', 'Keras 3 .keras: one LSTM shared by two inputs, two calls per batch'],
  ['k3-repeat', 'model.keras', 'Keras 3 .keras: LSTM -> RepeatVector -> LSTM -> TimeDistributed(Dense)'],
  ['k3-bidi-seq2seq', 'model.keras', 'Keras 3 .keras: BatchNormalization -> Bidirectional(LSTM) encoder, its states concatenated into a decoder'],
  ['k3-bidi-seq2seq', 'model.h5', 'Keras 3 legacy .h5: the same'],
  ['k3-bidi-seq2seq', 'model-3.9.keras', 'Keras 3.9 .keras (no layer names in model.weights.h5: found by class order)'],
  ['k1-merge', 'model.h5', 'Keras 1.2.2 .h5: Sequential starting with Merge of two Sequential branches (LSTM, GRU), two inputs'],
  ['k3-conv-lstm', 'model.keras', 'Keras 3 .keras CNN-LSTM: Conv1D(causal, dilated) -> AveragePooling1D(same) -> Conv1D(same, strides 2) -> MaxPooling1D -> LSTM'],
  ['k3-conv-lstm', 'model.h5', 'Keras 3 legacy .h5: the same'],
  ['k1-conv-lstm', 'model.h5', 'Keras 1.2.2 (Theano) .h5: Convolution1D (kernel flipped on loading) -> MaxPooling1D -> LSTM'],
  ['k2-cudnn-bidi', 'model.h5', 'Keras 2.2.4 .h5: Bidirectional(CuDNNLSTM) -> Bidirectional(CuDNNGRU), each direction in the CuDNN layout'],
  ['k3-reshape', 'model.keras', 'Keras 3 .keras: Reshape((8, 3)) -> Permute((2, 1)) -> LSTM (3 steps of 8 features)'],
  ['k3-mask-seq2seq', 'model.keras', 'Keras 3 .keras: Masking on both sides; the decoder given initial_state runs its padded steps (no mask), the GRU after it skips them'],
  ['k3-vector-first', 'model.keras', 'Keras 3 .keras: a vector input first ((N, 3) data) -> Dense -> initial_state of an LSTM on the second input'],
  ['k3-stateful-masking', 'model.keras', 'Keras 3 .keras: Masking(0.0) -> stateful LSTM, post-padded lengths 5, 3, 0, 4, carried'],
  ['json-weights', 'k3-model.json --weights k3-model.weights.h5', 'Keras 3 model.to_json() with save_weights .weights.h5: LSTM -> GRU'],
  ['json-weights', 'k2-model.json --weights k2-weights.h5', 'Keras 2.2.4 model.to_json() with a save_weights .h5 (layer_names at the root)'],
  ['json-weights', 'k1-model.json --weights k1-weights.h5', 'Keras 1.2.2 model.to_json() with a save_weights .h5 of per-gate arrays'],
])('%s/%s', (folder, file, what) => {
  const expected = JSON.parse(readFileSync(`${models}${folder}/expected.json`, 'utf8')) as Expected;
  it(`${what}: every layer runs on the file's weights and its states agree to 1e-5`, async () => {
    const { doc, calls } = await statesOf(file, folder, expected);
    const model = doc['model'] as { weightsSource: { used: boolean; reason: string | null }; layers: { weightsLoaded: boolean }[] };
    expect(model.weightsSource).toMatchObject({ used: true, reason: null });
    expect(model.layers.every((layer) => layer.weightsLoaded)).toBe(true);
    expect(maxDifference(expected, calls)).toBeLessThanOrEqual(1e-5);
  });
});

describe('k3-mask-seq2seq under tf.keras: the mask reaches a decoder given initial_state', () => {
  it('--keras 2.15 agrees to 1e-5 with Keras 3 given mask= explicitly (what tf_keras RNN.__call__ passes)', async () => {
    const expected = JSON.parse(readFileSync(`${models}k3-mask-seq2seq/expected-tfk.json`, 'utf8')) as Expected;
    const { calls } = await statesOf('model.keras --keras=2.15', 'k3-mask-seq2seq', expected);
    expect(maxDifference(expected, calls)).toBeLessThanOrEqual(1e-5);
    // and the two rules differ on this data: Keras 3's states are not tf.keras's
    const keras3 = JSON.parse(readFileSync(`${models}k3-mask-seq2seq/expected.json`, 'utf8')) as Expected;
    expect(maxDifference(keras3, calls)).toBeGreaterThan(1e-3);
  });
});

describe('--weights: a model JSON with its weights in another file', () => {
  const folder = `${models}json-weights/`;
  it('--json says where the weights came from', async () => {
    const result = await run(['audit', `${folder}k2-model.json`, '--weights', `${folder}k2-weights.h5`, '--data', `${folder}x.npy`, '--json', '-q']);
    const model = JSON.parse(result.stdout).model as { weightsSource: unknown; notes: string[] };
    expect(model.weightsSource).toEqual({ kind: 'weights-file', file: `${folder}k2-weights.h5`, used: true, reason: null });
    expect(model.notes).toContain(`weights from --weights ${folder}k2-weights.h5 (Keras 1/2 / tf.keras save_weights layout)`);
  });

  it("weights of another model are refused as Keras's load_weights refuses them: one line naming both sides' layers, exit 2", async () => {
    const result = await run(['audit', `${models}k3-stack/model.keras`, '--weights', `${folder}k2-weights.h5`, '--data', `${models}k3-stack/x.npy`, '--json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: audit: --weights ${folder}k2-weights.h5 has no weights for the model's recurrent layers "lstm", "gru", "simple_rnn"; its layers are "lstm_1", "gru_1", "dense_1" (saved from another model); Keras and TF.js refuse to load these weights (ValueError): give the weights saved with this model\n`,
    );
  });

  it('weights whose shapes do not fit the layer (a kernel for other units) are refused: file, layer and shapes, exit 2', async () => {
    // k3-other-units: the k3-stack layer names with LSTM(5) (Keras's own load_weights raises on it: scripts/model-fixtures.py)
    const result = await run(['audit', `${models}k3-stack/model.keras`, '--weights', `${models}k3-other-units/model.weights.h5`, '--data', `${models}k3-stack/x.npy`]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: audit: --weights \S+k3-other-units\/model\.weights\.h5: LSTM layer "lstm": kernel "layers\/lstm\/cell\/vars\/0" has shape \[3,20\], expected \[input_dim,16\] for units=4 .*refuse to load these weights/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a file that is no weights file is one line, exit 2', async () => {
    const result = await run(['audit', `${folder}k2-model.json`, '--weights', `${folder}k2-model.json`, '--samples', '4']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: audit: --weights ${folder}k2-model.json: is not an HDF5 file: --weights takes the .h5 written by model.save_weights (or model.save), or a .keras archive\n`,
    );
  });

  it('a weights-only .h5 given as the model points to --weights', async () => {
    const result = await run(['audit', `${folder}k2-weights.h5`, '--samples', '4']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('a weights-only .h5 (save_weights) describes no model; give the full model (model.save), or its model.to_json() with --weights');
  });

  it('a model JSON without --weights says how to give them', async () => {
    const result = await run(['audit', `${folder}k2-model.json`, '--data', `${folder}x.npy`]);
    expect(result.stderr).toContain('which holds no weights (give them with --weights FILE.h5)');
  });
});
