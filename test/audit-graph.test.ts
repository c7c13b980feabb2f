/**
 * audit on models that are not a plain stack (scripts/model-fixtures.py, real Keras 3 files): a seq2seq
 * decoder starts from its encoder's final states, a shared layer is called twice per batch, masks come
 * from the data, layers lstm-reset does not compute are said so. Counts are derived here from the
 * batches, independently of the simulator; --count-only must agree with the forward pass.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';
import { npyBytes } from './helpers/hostile.ts';

const models = new URL('./fixtures/models/', import.meta.url).pathname;
const seq2seq = (file: string) => [`${models}k3-seq2seq/${file}`, '--data', `${models}k3-seq2seq/x.npy`, '--data', `${models}k3-seq2seq/x2.npy`];

async function json(args: string[]) {
  const result = await run([...args, '--json', '-q']);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
}

describe('seq2seq: the decoder starts from the encoder, not from zeros', () => {
  it.each(['model.keras', 'model.h5', 'keras2.h5'])('%s: 6 samples, batch 3, 2 epochs', async (file) => {
    const doc = await json(['audit', ...seq2seq(file), '--batch', '3', '--epochs', '2']);
    // 2 batches per epoch × 2 epochs = 4 model calls: the encoder zeroes 3 rows at each, the decoder takes its states
    expect(doc.totals).toMatchObject({ batches: 4, resetEvents: 4, rowResets: 12, fromLayerStarts: 4, carries: 0 });
    expect(doc.totals.byReason).toMatchObject({ initial: 0, 'batch-start': 4, 'reset-states': 0, 'initial-state': 0 });
    expect(doc.totals.perLayer.map((l: { name: string; resetEvents: number; fromLayerStarts: number }) => [l.name, l.resetEvents, l.fromLayerStarts])).toEqual([
      ['encoder_lstm', 4, 0],
      ['decoder_lstm', 0, 4],
    ]);
    expect(doc.events.map((e: { layer: string; reason: string }) => `${e.layer}:${e.reason}`).slice(0, 2)).toEqual(['encoder_lstm:batch-start', 'decoder_lstm:from-layer']);
    const decoder = doc.model.layers.find((l: { name: string }) => l.name === 'decoder_lstm');
    expect(decoder).toMatchObject({ initialStateFrom: 'encoder_lstm', input: 'input "decoder_inputs"', calls: 1, weightsLoaded: true });
    expect(doc.model.inputs.map((i: { name: string }) => i.name)).toEqual(['encoder_inputs', 'decoder_inputs']);
    // the closed form agrees with the forward pass
    const counted = await json(['audit', ...seq2seq(file), '--batch', '3', '--epochs', '2', '--count-only']);
    expect(counted.totals).toEqual({ ...doc.totals });
    expect(counted.events.map((e: { reason: string }) => e.reason)).toEqual(doc.events.map((e: { reason: string }) => e.reason));
  });

  it('the header shows the wiring and the totals say the starts are not resets', async () => {
    const { stdout: wrapped, code } = await run(['audit', ...seq2seq('model.keras'), '--batch', '3', '--no-shuffle']);
    expect(code).toBe(0);
    const stdout = wrapped.replace(/\s+/g, ' ');
    expect(stdout).toContain('initial_state: the final states of encoder_lstm: [encoder_lstm h, encoder_lstm c], every call (not zeros)');
    expect(stdout).toMatch(/from a layer\s+2 layer calls started from another layer's final states \(not resets\)/);
    expect(stdout).toContain("2 calls started from encoder_lstm's final states (initial_state, not zeros)");
  });

  it('with synthetic data (--samples) both inputs are filled; the open timesteps come from --shape', async () => {
    const doc = await json(['audit', `${models}k3-seq2seq/model.keras`, '--shape', '8,7,3', '--batch', '4']);
    expect(doc.totals).toMatchObject({ resetEvents: 2, fromLayerStarts: 2 });
    expect(doc.model.notes.join(' ')).toMatch(/decoder_inputs.*open \(None\): it gets 7/);
  });
});

describe('a stateful decoder given initial_state (§6, section R6: the passed state wins in Keras 3)', () => {
  const args = ['audit', `${models}k3-stateful-seq2seq/model.keras`, '--data', `${models}k3-stateful-seq2seq/x.npy`, '--data', `${models}k3-stateful-seq2seq/x2.npy`, '--batch', '2', '--no-shuffle'];
  it('Keras 3: every call starts from the encoder state; the built zeros are its only reset', async () => {
    const doc = await json(args);
    const decoder = doc.totals.perLayer.find((l: { name: string }) => l.name === 'decoder_gru');
    expect(decoder).toMatchObject({ resetEvents: 1, carries: 0, fromLayerStarts: 3, byReason: { initial: 1, 'batch-start': 0, 'reset-states': 0, 'initial-state': 0 } });
    expect(doc.findings.map((f: { code: string }) => f.code)).toContain('initial-state-overrides-carry');
  });
  it('Keras 3 over 2 epochs: nothing carries, so no finding says it does (state-never-reset, mixed-statefulness); the count agrees', async () => {
    const doc = await json([...args, '--epochs', '2']);
    expect(doc.totals.carries).toBe(0);
    const codes = doc.findings.map((f: { code: string }) => f.code);
    expect(codes).not.toContain('state-never-reset');
    expect(codes).not.toContain('mixed-statefulness');
    const counted = await json([...args, '--epochs', '2', '--count-only']);
    expect(counted.findings.map((f: { code: string }) => f.code)).toEqual(codes);
    // tf.keras carries after the first call: both findings hold there
    const tf = await json([...args, '--epochs', '2', '--keras', 'tf']);
    expect(tf.findings.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['state-never-reset', 'mixed-statefulness', 'initial-state-ignored']));
  });
  it('tf.keras: the passed state only after zeros, then the stored state (tf_keras base_rnn.py _process_inputs)', async () => {
    const doc = await json([...args, '--keras', 'tf']);
    const decoder = doc.totals.perLayer.find((l: { name: string }) => l.name === 'decoder_gru');
    expect(decoder).toMatchObject({ fromLayerStarts: 1, carries: 2 });
    expect(doc.findings.map((f: { code: string }) => f.code)).toContain('initial-state-ignored');
    // a reset at every epoch end makes the next call take initial_state again
    const reset = await json([...args, '--keras', 'tf', '--epochs', '2', '--reset-every', 'epoch']);
    expect(reset.totals.perLayer.find((l: { name: string }) => l.name === 'decoder_gru')).toMatchObject({ fromLayerStarts: 2, carries: 4 });
  });
});

describe('shared layers, RepeatVector, masks from the data', () => {
  it('a shared LSTM on two inputs: two calls, two zeroings per batch', async () => {
    const doc = await json(['audit', `${models}k3-shared/model.keras`, '--samples', '8', '--batch', '4']);
    expect(doc.totals.perLayer).toHaveLength(1);
    expect(doc.totals.perLayer[0]).toMatchObject({ name: 'shared_lstm', resetEvents: 4, rowResets: 16 });
    expect(doc.model.layers[0]).toMatchObject({ calls: 2 });
    const counted = await json(['audit', `${models}k3-shared/model.keras`, '--samples', '8', '--batch', '4', '--count-only']);
    expect(counted.totals).toEqual(doc.totals);
  });

  it('Embedding(mask_zero=True): padded token ids are masked steps (counted from the data)', async () => {
    const doc = await json(['audit', `${models}k3-embedding-mask/model.keras`, '--data', `${models}k3-embedding-mask/x.npy`, '--batch', '3', '--no-shuffle']);
    // x.npy: 2 pre-padded + 2 post-padded + 6 (a fully padded row) + 1 hole = 11 zero ids
    expect(doc.totals).toMatchObject({ maskedSteps: 11, passThroughRows: 1 });
  });

  it('Masking(0.0): a step is masked only when every feature is 0', async () => {
    const doc = await json(['audit', `${models}k3-masking/model.keras`, '--data', `${models}k3-masking/x.npy`, '--batch', '2', '--no-shuffle']);
    // 2 post + 2 pre + 5 (all padding); the single zero feature is no masked step
    expect(doc.totals).toMatchObject({ maskedSteps: 9, passThroughRows: 1 });
  });

  it('--json names each tensor passed as initial_state (h, c, or an output)', async () => {
    const doc = await json(['audit', ...seq2seq('model.keras'), '--batch', '3']);
    expect(doc.model.layers.map((l: { name: string; initialState: string[] | null }) => [l.name, l.initialState])).toEqual([
      ['encoder_lstm', null],
      ['decoder_lstm', ['encoder_lstm h', 'encoder_lstm c']],
    ]);
    const vector = await json(['audit', `${models}k3-vector-first/model.keras`, '--samples', '6', '--batch', '3']);
    expect(vector.model.layers[0].initialState).toEqual(['context_dense (Dense) ← input "context"', 'context_dense (Dense) ← input "context"']);
  });

  it('Keras 3: a decoder given initial_state gets no mask, so only the masks a recurrent call applies are counted', async () => {
    const folder = `${models}k3-mask-seq2seq/`;
    const data = ['--data', `${folder}x.npy`, '--data', `${folder}x2.npy`, '--batch', '3', '--no-shuffle'];
    // x.npy real lengths 5, 3, 0, 4, 2, 5 of 5 (11 padded, 1 empty row); x2.npy 4, 2, 4, 0, 1, 3 of 4 (10 padded, 1 empty row)
    const plain = await json(['audit', `${folder}plain.keras`, ...data]);
    expect(plain.totals).toMatchObject({ maskedSteps: 11, passThroughRows: 1 });
    expect(plain.totals.perLayer.map((l: { name: string; masked?: boolean }) => [l.name, l.masked ?? false])).toEqual([
      ['encoder', true],
      ['decoder', false],
    ]);
    expect(plain.model.notes.join(' ')).toContain('decoder is given initial_state, so Keras 3 passes it no mask');
    // the GRU after the decoder gets the decoder's input mask (the decoder's output carries it on)
    const full = await json(['audit', `${folder}model.keras`, ...data]);
    expect(full.totals).toMatchObject({ maskedSteps: 21, passThroughRows: 2 });
    // tf.keras (and Keras 2, TF.js) pass the mask to the decoder: both masks count, no note
    const tfk = await json(['audit', `${folder}plain.keras`, ...data, '--keras', '2.15']);
    expect(tfk.totals).toMatchObject({ maskedSteps: 21, passThroughRows: 2 });
    expect(tfk.model.notes.join(' ')).not.toContain('passes it no mask');
  });

  it('synthetic data padded as asked (--padding pre --lengths) is masked by the model\'s Masking layer', async () => {
    const doc = await json(['audit', `${models}k3-masking/model.keras`, '--samples', '6', '--batch', '3', '--padding', 'pre', '--lengths', '5,3,0']);
    // 6 samples with 5, 3, 0, 5, 3, 0 real steps of 5: 0 + 2 + 5 padded each cycle
    expect(doc.totals).toMatchObject({ maskedSteps: 14, passThroughRows: 2 });
    expect(doc.config.padding).toEqual({ side: 'pre', lengths: { kind: 'list', values: [5, 3, 0] } });
  });

  it('a model without Masking or Embedding(mask_zero) feeds the padding as data, and says so', async () => {
    const doc = await json(['audit', `${models}k3-stack/model.keras`, '--samples', '6', '--batch', '3', '--mask-tail', '2']);
    expect(doc.totals.maskedSteps).toBe(0);
    expect(doc.model.notes.join(' ')).toMatch(/no Masking or Embedding\(mask_zero=True\) layer, so Keras computes no mask/);
  });

  it('RepeatVector between an encoder and a decoder LSTM', async () => {
    const doc = await json(['audit', `${models}k3-repeat/model.keras`, '--samples', '4', '--batch', '2']);
    expect(doc.model.layers.map((l: { name: string; input: string }) => [l.name, l.input])).toEqual([
      ['encoder', 'input "digits"'],
      ['decoder', 'repeat (RepeatVector) ← encoder (last output)'],
    ]);
  });
});

describe('layers lstm-reset does not compute', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-graph-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const layer = (className: string, name: string, config: Record<string, unknown>, inbound: string) => ({
    class_name: className,
    name,
    config: { name, ...config },
    inbound_nodes: [[[inbound, 0, 0, {}]]],
  });
  const model = (layers: unknown[]) => ({
    class_name: 'Functional',
    keras_version: '2.15.0',
    config: {
      name: 'm',
      layers: [{ class_name: 'InputLayer', name: 'x', config: { name: 'x', batch_input_shape: [null, 10, 3] }, inbound_nodes: [] }, ...layers],
      input_layers: [['x', 0, 0]],
      output_layers: [],
    },
  });

  it('TimeDistributed(LSTM), ConvLSTM2D and RNN([cells]): one line naming what is not simulated and what still is', async () => {
    const file = join(dir, 'mixed.json');
    const wrapped = (className: string, name: string, inner: unknown, from: string) => ({ class_name: className, name, config: { name, layer: inner }, inbound_nodes: [[[from, 0, 0, {}]]] });
    writeFileSync(
      file,
      JSON.stringify(
        model([
          wrapped('TimeDistributed', 'td', { class_name: 'LSTM', config: { name: 'inner', units: 3 } }, 'x'),
          layer('RNN', 'stack', { cell: [{ class_name: 'LSTMCell', config: { units: 2 } }, { class_name: 'LSTMCell', config: { units: 2 } }] }, 'x'),
          layer('LSTM', 'lstm', { units: 4 }, 'x'),
        ]),
      ),
    );
    const { code, stdout } = await run(['audit', file, '--samples', '4', '--batch', '2']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const start = lines.findIndex((line) => line.startsWith('  not simulated: '));
    expect(start).toBeGreaterThan(0);
    const line = lines.slice(start).join(' ').replace(/\s+/g, ' ');
    expect(line).toMatch(/not simulated: td \(TimeDistributed\(LSTM\): a recurrent layer run over every step of an outer sequence.*\); stack \(RNN\(\[LSTMCell, LSTMCell\]\): stacked cells inside one RNN layer.*\); still simulated: lstm/);
  });

  it('a model with only a ConvLSTM2D: exit 2, one line saying so (not an unrelated note)', async () => {
    const file = join(dir, 'conv-lstm.json');
    writeFileSync(file, JSON.stringify({ ...model([layer('ConvLSTM2D', 'conv_lstm2d', { filters: 4, kernel_size: [3, 3] }, 'x')]), keras_version: undefined }));
    const { code, stdout, stderr } = await run(['audit', file, '--samples', '4']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('has no recurrent layer lstm-reset simulates: conv_lstm2d (ConvLSTM2D: a convolutional LSTM');
    expect(stderr).not.toMatch(/keras_version/);
  });

  it('several ConvLSTM2D layers: their explanation once, the layers named together', async () => {
    const file = join(dir, 'conv-lstm-4.json');
    const convs = ['a', 'b', 'c'].map((name, i) => layer('ConvLSTM2D', `conv_${name}`, { filters: 4, kernel_size: [3, 3] }, i === 0 ? 'x' : `conv_${['a', 'b'][i - 1]}`));
    writeFileSync(file, JSON.stringify(model(convs)));
    const { code, stderr } = await run(['audit', file, '--samples', '4']);
    expect(code).toBe(2);
    expect(stderr).toContain('simulates: conv_a, conv_b, conv_c (ConvLSTM2D: a convolutional LSTM');
    expect(stderr.match(/a convolutional LSTM/g)).toHaveLength(1);
  });

  it('a manifest whose kernel shape was edited names that weight, not "a shard is truncated"', async () => {
    const folder = join(dir, 'edited-shape');
    mkdirSync(folder);
    const source = new URL('./fixtures/tfjs-stateful/', import.meta.url).pathname;
    const doc = JSON.parse(readFileSync(`${source}model.json`, 'utf8'));
    doc.weightsManifest[0].weights[0].shape = [4, 16]; // lstm/kernel: the layer reads 3 features
    writeFileSync(join(folder, 'model.json'), JSON.stringify(doc));
    writeFileSync(join(folder, 'group1-shard1of1.bin'), readFileSync(`${source}group1-shard1of1.bin`));
    const { code, stderr } = await run(['audit', join(folder, 'model.json'), '--samples', '4', '--batch', '2']);
    expect(code).toBe(2);
    expect(stderr).toContain('weight "lstm/kernel" has shape [4,16], expected [3,16]');
    expect(stderr).toContain("the manifest's shapes do not match the layer");
    expect(stderr).not.toContain('truncated');
  });

  it('a file named .h5 that is not HDF5 says so, not "not valid JSON"', async () => {
    const file = join(dir, 'garbage.h5');
    writeFileSync(file, 'not a model');
    const { code, stderr } = await run(['audit', file, '--samples', '4']);
    expect(code).toBe(2);
    expect(stderr).toContain('garbage.h5: is not an HDF5 file (no HDF5 signature at its start)');
    expect(stderr).not.toContain('JSON');
  });

  it('a layer it does not compute (Lambda) before an LSTM: seeded inputs stand in for its output, and a note says so', async () => {
    const file = join(dir, 'lambda.json');
    writeFileSync(file, JSON.stringify(model([layer('Lambda', 'lambda', { function: ['x * 2', null, null] }, 'x'), layer('LSTM', 'lstm', { units: 4 }, 'lambda')])));
    const { code, stdout } = await run(['audit', file, '--samples', '4', '--batch', '2']);
    expect(code).toBe(0);
    expect(stdout.replace(/\s+/g, ' ')).toMatch(/lstm's input comes through Lambda "lambda", which lstm-reset does not compute: seeded inputs of 10×\d+ stand in/);
  });

  it("a stand-in's timesteps follow the configs on the way (Reshape((5, 6)) after a layer not computed, then a Dense)", async () => {
    const file = join(dir, 'crnn.json');
    writeFileSync(
      file,
      JSON.stringify(
        model([
          layer('Lambda', 'lambda', { function: ['x', null, null] }, 'x'),
          layer('Reshape', 'reshape', { target_shape: [5, 6] }, 'lambda'),
          layer('Dense', 'dense', { units: 7 }, 'reshape'),
          layer('LSTM', 'lstm', { units: 4 }, 'dense'),
        ]),
      ),
    );
    const { code, stdout } = await run(['audit', file, '--samples', '4', '--batch', '2']);
    expect(code).toBe(0);
    // the Lambda is not computed, so neither is what follows it: the LSTM's input is seeded, 5 steps (the Reshape's) of 7
    expect(stdout.replace(/\s+/g, ' ')).toMatch(/seeded inputs of 5×7 stand in/);
  });

  it('Conv1D without weights (a model JSON): computed on seeded Keras-default weights, said in a note (lengths: test/model/real-weights k3-conv-lstm)', async () => {
    const file = join(dir, 'conv.json');
    writeFileSync(file, JSON.stringify(model([layer('Conv1D', 'conv1d', { filters: 5, kernel_size: [3], strides: [2], padding: 'valid' }, 'x'), layer('LSTM', 'lstm', { units: 4 }, 'conv1d')])));
    const { code, stdout } = await run(['audit', file, '--samples', '4', '--batch', '2']);
    expect(code).toBe(0);
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toContain('input: conv1d (Conv1D) ← input "x"');
    expect(text).toContain('Conv1D "conv1d": no weights in the file; seeded weights stand in');
  });
});

describe('a vector input first: --shape, --samples and timesteps concern the sequence input', () => {
  const folder = `${models}k3-vector-first/`;
  it('--samples takes T and D from the sequence input; the vector input gets seeded values of its own shape', async () => {
    const doc = await json(['audit', `${folder}model.keras`, '--samples', '8', '--batch', '4']);
    expect(doc.config).toMatchObject({ samples: 8, timesteps: 6, features: 2 });
    expect(doc.totals).toMatchObject({ batches: 2, fromLayerStarts: 2 });
    expect(doc.model.notes.join(' ')).not.toMatch(/rank 2/);
  });

  it('--shape describes the sequence input', async () => {
    const doc = await json(['audit', `${folder}model.keras`, '--shape', '8,6,2', '--batch', '4']);
    expect(doc.config).toMatchObject({ samples: 8, timesteps: 6, features: 2 });
    const wrong = await run(['audit', `${folder}model.keras`, '--shape', '8,1,3', '--batch', '4']);
    expect(wrong.code).toBe(2);
  });

  it('a 3-D (N, 1, F) file for the vector input runs as the 2-D (N, F) one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vector-first-'));
    // the (6, 3) float32 x.npy rewritten with shape (6, 1, 3): same values, same order
    const bytes = readFileSync(`${folder}x.npy`);
    const header = bytes.subarray(10, 10 + bytes.readUInt16LE(8)).toString('latin1');
    const rewritten = header.replace("'shape': (6, 3)", "'shape': (6, 1, 3)").padEnd(header.length, ' ');
    expect(rewritten).not.toBe(header);
    const out = Buffer.concat([bytes.subarray(0, 10), Buffer.from(rewritten.slice(0, header.length - 1) + '\n', 'latin1'), bytes.subarray(10 + header.length)]);
    writeFileSync(join(dir, 'v13.npy'), out);
    const args = ['--data', `${folder}x2.npy`, '--batch', '3', '--no-shuffle', '--trace', '-', '-q'];
    const two = await run(['audit', `${folder}model.keras`, '--data', `${folder}x.npy`, ...args]);
    const three = await run(['audit', `${folder}model.keras`, '--data', join(dir, 'v13.npy'), ...args]);
    expect(three.stderr).toBe('');
    expect(JSON.parse(three.stdout).calls).toEqual(JSON.parse(two.stdout).calls);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--data in the wrong order, or only for the vector input, is one line naming the input', async () => {
    const swapped = await run(['audit', `${folder}model.keras`, '--data', `${folder}x2.npy`, '--data', `${folder}x.npy`]);
    expect(swapped.code).toBe(2);
    expect(swapped.stderr.trim().split('\n')).toHaveLength(1);
    const only = await run(['audit', `${folder}model.keras`, '--data', `${folder}x.npy`]);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('not for "series", its sequence input');
  });
});

describe('--trace records every model input, so a multi-input or token-id run replays', () => {
  const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
  it.each([
    ['k3-seq2seq/model.keras', ['--shape', '6,5,3']],
    ['k3-vector-first/model.keras', ['--samples', '6']],
    ['k3-embedding-mask/model.keras', ['--samples', '6']],
  ])('%s: modelInputs written back as --data give the same final states', async (file, data) => {
    const common = ['--batch', '3', '--no-shuffle', '-q', '--trace', '-'];
    const first = await run(['audit', `${models}${file}`, ...data, ...common]);
    expect(first.stderr).toBe('');
    const trace = JSON.parse(first.stdout);
    expect(trace.modelInputs.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    // written in the order the trace lists them, which is the order --data takes them in (the sequence input first)
    const paths = trace.modelInputs.map((input: { name: string; shape: number[]; values: number[] }, i: number) => {
      const path = join(dir, `${i}.npy`);
      writeFileSync(path, npyBytes('<f4', `(${input.shape.join(', ')})`, f32(input.values)));
      return path;
    });
    const declared = JSON.parse((await run(['audit', `${models}${file}`, ...data, '--batch', '3', '-q', '--json'])).stdout).model.inputs.map((i: { name: string }) => i.name);
    const byModelOrder = declared.map((name: string) => paths[trace.modelInputs.findIndex((input: { name: string }) => input.name === name)]);
    const again = await run(['audit', `${models}${file}`, ...byModelOrder.flatMap((path: string) => ['--data', path]), ...common]);
    expect(again.stderr).toBe('');
    const replayed = JSON.parse(again.stdout);
    const finals = (t: { calls: { layers: { finalStates: unknown }[] }[] }) => t.calls.map((call) => call.layers.map((layer) => layer.finalStates));
    expect(finals(replayed)).toEqual(finals(trace));
    rmSync(dir, { recursive: true, force: true });
  });
});
