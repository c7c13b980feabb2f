/**
 * `audit MODEL`, `--data X.npy` and `--plan FILE` from the command line: saved models of every
 * format, the real weights of a TF.js model checked against TF.js itself, and bad files.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTfjs, maxAbsDifference } from './helpers/tfjs.ts';
import { flat, run } from './helpers/io.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;

describe('audit: the model file decides layers, batch size and version', () => {
  it('a TF.js stateful model (LSTM -> GRU, batch 2): real weights, tf.keras profile, per-layer events', async () => {
    const { code, stdout, stderr } = await run(['audit', `${fixtures}tfjs-stateful/model.json`, '--data', `${fixtures}npy/f4-3d-v1.npy`, '--batch', '2', '--no-shuffle', '--epochs', '2', '--reset-every', 'epoch', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.model).toMatchObject({ source: 'tfjs-layers', batchSize: 2, timesteps: 5, features: 3 });
    expect(doc.model.layers.map((l: { name: string; weightsLoaded: boolean }) => [l.name, l.weightsLoaded])).toEqual([
      ['lstm', true],
      ['gru', true],
    ]);
    // a TF.js model.json is trained and run by TF.js: its own profile
    expect(doc.config.keras).toBe('tfjs');
    expect(doc.config.samples).toBe(6);
    // 2 layers: initial + a reset after each of 2 epochs
    expect(doc.totals.perLayer.map((l: { name: string; resetEvents: number }) => [l.name, l.resetEvents])).toEqual([
      ['lstm', 3],
      ['gru', 3],
    ]);
  });

  it('its forward pass with the file\'s weights and the .npy values equals TF.js running the same saved model', async () => {
    const { stdout } = await run(['audit', `${fixtures}tfjs-stateful/model.json`, '--data', `${fixtures}npy/f4-3d-v1.npy`, '--batch', '2', '--no-shuffle', '--trace', '-']);
    const trace = JSON.parse(stdout);
    const tf = await loadTfjs();
    const modelJson = JSON.parse(readFileSync(`${fixtures}tfjs-stateful/model.json`, 'utf8'));
    const weightData = new Uint8Array(readFileSync(`${fixtures}tfjs-stateful/group1-shard1of1.bin`)).buffer;
    const model = await tf.loadLayersModel({
      load: async () => ({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }),
    });
    const [T, D] = [5, 3];
    let max = 0;
    for (const call of trace.calls) {
      const rows = call.samples.map((s: number) => trace.inputs.values.slice(s * T * D, (s + 1) * T * D));
      tf.tidy(() => {
        model.predict(tf.tensor3d(rows.flat(), [rows.length, T, D]));
      });
      for (const [i, layerName] of ['lstm', 'gru'].entries()) {
        const layer = model.getLayer(layerName) as unknown as { states: { dataSync(): Float32Array }[] };
        const ours = call.layers[i].finalStates;
        layer.states.forEach((state, k) => (max = Math.max(max, maxAbsDifference(state.dataSync(), ours[k].values))));
      }
    }
    model.dispose();
    expect(trace.calls).toHaveLength(3);
    expect(max).toBeLessThanOrEqual(1e-5);
  });

  it('a TF.js Bidirectional(LSTM) -> SimpleRNN(goBackwards) model over two shards: its h states equal what TF.js computes', async () => {
    const { stdout } = await run(['audit', `${fixtures}tfjs-bidirectional/model.json`, '--shape', '8,6,2', '--batch', '4', '--no-shuffle', '--trace', '-']);
    const trace = JSON.parse(stdout);
    const tf = await loadTfjs();
    const modelJson = JSON.parse(readFileSync(`${fixtures}tfjs-bidirectional/model.json`, 'utf8'));
    const shards = modelJson.weightsManifest[0].paths.map((p: string) => new Uint8Array(readFileSync(`${fixtures}tfjs-bidirectional/${p}`)));
    const weightData = new Uint8Array(shards.reduce((n: number, b: Uint8Array) => n + b.length, 0));
    shards.reduce((at: number, b: Uint8Array) => (weightData.set(b, at), at + b.length), 0);
    const model = await tf.loadLayersModel({
      load: async () => ({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weightData.buffer }),
    });
    // stateless layers keep no states in TF.js: their final h are visible in the outputs
    const bidi = tf.model({ inputs: model.inputs, outputs: model.getLayer('bidi').output as never });
    const simple = tf.model({ inputs: model.inputs, outputs: model.getLayer('simple').output as never });
    const [T, D, U] = [6, 2, 3];
    let max = 0;
    for (const call of trace.calls) {
      const rows = call.samples.map((s: number) => trace.inputs.values.slice(s * T * D, (s + 1) * T * D));
      const x = tf.tensor3d(rows.flat(), [rows.length, T, D]);
      const sequence = (bidi.predict(x) as { arraySync(): number[][][] }).arraySync();
      const last = (simple.predict(x) as { dataSync(): Float32Array }).dataSync();
      // forward final h: the first half at the last step; backward final h: the second half at step 0
      const forwardH = sequence.flatMap((row) => row[T - 1]!.slice(0, U));
      const backwardH = sequence.flatMap((row) => row[0]!.slice(U));
      const [fh, , bh] = call.layers[0].finalStates;
      max = Math.max(max, maxAbsDifference(forwardH, fh.values), maxAbsDifference(backwardH, bh.values));
      max = Math.max(max, maxAbsDifference(last, call.layers[1].finalStates[0].values));
    }
    model.dispose();
    expect(trace.calls).toHaveLength(2);
    expect(max).toBeLessThanOrEqual(1e-5);
  });

  it.each([
    ['keras/keras2-sequential.json', ['--samples', '8', '--batch', '1'], '2', 'lstm_1'],
    ['keras/keras3-sequential.keras', ['--samples', '8', '--batch', '4'], '3.0-3.11', 'bidirectional'],
    ['keras/tfkeras-functional.keras', ['--samples', '8'], 'tf', 'lstm'],
  ])('%s: version profile and layer names from the file', async (file, args, keras, firstLayer) => {
    const { stdout, stderr } = await run(['audit', `${fixtures}${file}`, ...args, '--json', '-q']);
    expect(stderr).not.toContain('error: ');
    const doc = JSON.parse(stdout);
    expect(doc.config.keras).toBe(keras);
    expect(doc.config.resolvedLayers[0].name).toBe(firstLayer);
  });

  it('a Keras 2 .h5 model file (its model_config attribute, read through h5wasm) audits like its to_json() output', async () => {
    const args = ['--samples', '8', '--batch', '1', '--no-shuffle', '--epochs', '2', '--reset-every', 'epoch', '--json', '-q'];
    const fromH5 = JSON.parse((await run(['audit', `${fixtures}keras/keras2-sequential.h5`, ...args])).stdout);
    const fromJson = JSON.parse((await run(['audit', `${fixtures}keras/keras2-sequential.json`, ...args])).stdout);
    expect(fromH5.model.source).toBe('keras-h5');
    expect(fromH5.model.versionString).toBe('2.2.4');
    expect(fromH5.config.keras).toBe('2');
    expect(fromH5.config.resolvedLayers).toEqual(fromJson.config.resolvedLayers);
    expect(fromH5.totals).toEqual(fromJson.totals);
    expect(fromH5.events).toEqual(fromJson.events);
  });

  it('fit without batch_size on a fixed-batch stateful model: Keras uses 32 and fails (exit 3)', async () => {
    const { code, stdout } = await run(['audit', `${fixtures}keras/keras3-sequential.keras`, '--samples', '8', '--no-shuffle']);
    expect(code).toBe(3);
    expect(flat(stdout)).toContain('default-batch-size: fit() runs batches of 32 (batch_size not given: Keras uses 32) through stateful layers built for batches of 4');
    expect(stdout).toContain('Pass batch_size=4 to fit()');
  });

  it.each([
    [['audit', `${fixtures}hostile/bad-json.json`, '--samples', '4'], 'bad-json.json'],
    [['audit', `${fixtures}hostile/zip-bomb-declared.keras`, '--samples', '4'], 'zip-bomb-declared.keras'],
    [['audit', `${fixtures}hostile/truncated.keras`, '--samples', '4'], 'truncated.keras'],
    [['audit', `${fixtures}tfjs-hostile-traversal/model.json`, '--samples', '4'], 'model.json'],
    [['audit', `${fixtures}tfjs-hostile-shape/model.json`, '--samples', '4'], 'model.json'],
    [['audit', `${fixtures}tfjs-hostile-missing-shard/model.json`, '--samples', '4'], 'cannot find weight shard "group1-shard1of1.bin": no file'],
    [['audit', `${fixtures}tfjs-hostile-short-shard/model.json`, '--samples', '4'], 'weight shard "group1-shard1of1.bin" holds 808 bytes'],
    [['audit', `${fixtures}no-such-model.json`, '--samples', '4'], 'no such file'],
    [['audit', `${fixtures}hostile/weights-only.h5`, '--samples', '4'], 'has no model_config attribute'],
    [['audit', `${fixtures}hostile/truncated.h5`, '--samples', '4'], 'truncated.h5'],
    [['audit', `${fixtures}tfjs-stateful/model.json`], '--samples N'],
    [['audit', `${fixtures}tfjs-stateful/model.json`, '--shape', '6,5,2'], 'expects 3'],
    [['audit', `${fixtures}tfjs-stateful/model.json`, '--samples', '4', '--units', '3'], 'come from the model file'],
  ])('bad model input %j: exit 2, one line naming it, nothing on stdout', async (args, fragment) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(fragment);
  });
});

describe('files that are not what they say', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1048576\n';

  it.each(['model.h5', 'model.keras', 'model.json'])('a Git LFS pointer saved as %s says it is one (exit 2, one line)', async (name) => {
    const file = join(dir, name);
    writeFileSync(file, pointer);
    const { code, stdout, stderr } = await run(['audit', file, '--samples', '4']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${name}: is a Git LFS pointer (sha256:4d7a214614ab2…, 1048576 bytes), not the file itself: fetch it with \`git lfs pull\``);
  });

  it('a TF.js weight shard that is an LFS pointer, and --data that is one', async () => {
    const folder = join(dir, 'tfjs');
    mkdirSync(folder);
    copyFileSync(`${fixtures}tfjs-stateful/model.json`, join(folder, 'model.json'));
    writeFileSync(join(folder, 'group1-shard1of1.bin'), pointer);
    const shard = await run(['audit', join(folder, 'model.json'), '--samples', '4']);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toContain('weight shard "group1-shard1of1.bin" is a Git LFS pointer');
    writeFileSync(join(dir, 'x.npy'), pointer);
    const data = await run(['audit', `${fixtures}tfjs-stateful/model.json`, '--data', join(dir, 'x.npy')]);
    expect(data.code).toBe(2);
    expect(data.stderr).toContain('is a Git LFS pointer');
  });

  it.each([
    [{ units: 5000 }, 'layer "lstm" units is 5,000, more than the 4,096 lstm-reset accepts (the limit of --units)'],
    [{ units: 4, batch_input_shape: [2_000_000_000, 5, 3] }, "the model's fixed batch size is 2,000,000,000, more than the 1,000,000,000 lstm-reset accepts (the limit of --batch)"],
    [{ units: 4, batch_input_shape: [null, 2_000_000, 3] }, 'input "lstm_input" timesteps is 2,000,000, more than the 1,000,000 lstm-reset accepts (the limit of --shape)'],
  ])('values read from the file are held to the flags\' limits: %j', async (config, message) => {
    const file = join(dir, 'big.json');
    writeFileSync(file, JSON.stringify({ class_name: 'Sequential', keras_version: '2.15.0', config: { name: 's', layers: [{ class_name: 'LSTM', config: { name: 'lstm', ...config } }] } }));
    const { code, stdout, stderr } = await run(['audit', file, '--samples', '4']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`big.json: ${message}`);
  });
});

describe('--data X.npy', () => {
  it('takes N, T, D from the file', async () => {
    const doc = JSON.parse((await run(['--data', `${fixtures}npy/f8-2d-v2.npy`, '--batch', '2', '--json'])).stdout);
    expect(doc.config).toMatchObject({ samples: 4, timesteps: 7, features: 1 });
    expect(doc.totals.resetEvents).toBe(2);
  });

  it('feeds the file\'s values: the result differs from synthetic inputs of the same shape', async () => {
    const fromFile = JSON.parse((await run(['--data', `${fixtures}npy/f4-3d-v1.npy`, '--batch', '3', '--json'])).stdout);
    const synthetic = JSON.parse((await run(['--shape', '6,5,3', '--batch', '3', '--json'])).stdout);
    expect(fromFile.finalMeanAbsH).not.toBe(synthetic.finalMeanAbsH);
  });

  it.each([
    [['--data', `${fixtures}npy/hostile-big-endian.npy`], 'big-endian'],
    [['--data', `${fixtures}npy/hostile-fortran.npy`], 'fortran'],
    [['--data', `${fixtures}npy/hostile-int64.npy`], '--data'],
    [['--data', `${fixtures}npy/hostile-truncated.npy`], '--data'],
    [['--data', `${fixtures}npy/missing.npy`], 'no such file'],
    [['--data', `${fixtures}npy/f4-3d-v1.npy`, '--shape', '6,5,2'], 'contradicts --data'],
  ])('%j: exit 2 with one line', async (args, fragment) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.toLowerCase()).toContain(fragment.toLowerCase());
  });
});

describe('--plan: the script as a training plan', () => {
  it('the canonical loop: fit(epochs=1) then reset_states(), three times, then evaluate and predict', async () => {
    // 8 samples, batch 2: per fit 3 training (6 samples) + 1 validation batch; evaluate 4 batches; predict 2
    const { code, stdout } = await run(['--shape', '8,3', '--stateful', '--plan', `${fixtures}plans/stateful-loop.json`, '--keras', 'tf', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.totals).toMatchObject({ fitBatches: 9, validationBatches: 3, evaluateBatches: 4, predictBatches: 2 });
    // initial + 3 resets in the loop + 1 before predict
    expect(doc.totals.byReason).toEqual({ initial: 1, 'batch-start': 0, 'reset-states': 4, 'not-stored': 0, 'initial-state': 0, broadcast: 0 });
    const phases = new Set(doc.events.map((e: { phase: string }) => e.phase));
    expect([...phases].sort()).toEqual(['fit', 'reset']);
    expect(doc.events.map((e: { planStep: number }) => e.planStep)).toEqual([1, 2, 4, 6, 8]);
  });

  it('reads the plan from standard input with -', async () => {
    const plan = JSON.stringify([{ type: 'fit', epochs: 2, batchSize: 4, shuffle: false }, { type: 'predict', batchSize: 4 }]);
    const { code, stdout } = await run(['--shape', '8,3', '--plan', '-', '--json'], { stdin: plan });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).totals).toMatchObject({ fitBatches: 4, predictBatches: 2, resetEvents: 6 });
  });

  it.each([
    [['--shape', '8,3', '--plan', `${fixtures}plans/invalid-nested.json`], 'steps[1].steps[0].epochs'],
    [['--shape', '8,3', '--plan', `${fixtures}plans/missing.json`], 'no such file'],
    [['--shape', '8,3', '--plan', `${fixtures}plans/bare-list.json`, '--epochs', '3'], '--epochs conflicts with --plan'],
  ])('%j: exit 2 with one line', async (args, fragment) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(fragment);
  });
});
