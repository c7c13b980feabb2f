/**
 * audit picks the version profile and backend the file records, and says why; TF.js models get
 * TF.js's rules (tfjs-layers engine/training.ts, layers/recurrent.ts) and TF.js's API in the fixes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/io.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const models = `${fixtures}models/`;
const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-profiles-'));

/** Writes a model.json with one zero-filled shard of `floats` float32 values in a folder of its own; returns the model.json path. */
function writeModelJson(prefix: string, model: object, floats: number): string {
  const folder = mkdtempSync(join(dir, prefix));
  writeFileSync(join(folder, 'model.json'), JSON.stringify(model));
  writeFileSync(join(folder, 'group1-shard1of1.bin'), new Uint8Array(4 * floats));
  return join(folder, 'model.json');
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The k3-stateful archive with its metadata.json saying another keras_version. */
function archiveOfVersion(version: string): string {
  const files = unzipSync(new Uint8Array(readFileSync(`${models}k3-stateful/model.keras`)));
  const metadata = JSON.parse(strFromU8(files['metadata.json']!));
  files['metadata.json'] = strToU8(JSON.stringify({ ...metadata, keras_version: version }));
  const path = join(dir, `keras-${version}.keras`);
  writeFileSync(path, zipSync(files));
  return path;
}

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('the Keras version recorded in the file picks the profile', () => {
  // 7 samples, batch 2 (the model's): three full batches, then one row; on JAX the shape is static (section R2)
  const args = ['--samples', '7', '--batch', '2', '--no-shuffle', '--backend', 'jax'];

  it('a Keras 3.10 file is simulated as 3.0–3.11: the 1-row last batch is broadcast into both state rows', async () => {
    // on tensorflow (where fit stores the state); 3.0–3.11 broadcasts one row on every backend (section R2)
    const { stdout } = await run(['audit', archiveOfVersion('3.10.0'), ...args.slice(0, -2), '--json', '-q']);
    const doc = JSON.parse(stdout);
    expect(doc.config.keras).toBe('3.0-3.11');
    expect(doc.findings.map((f: { code: string }) => f.code)).not.toContain('stateful-partial-batch');
    expect(doc.model).toMatchObject({ versionString: '3.10.0', versionFrom: 'keras_version in metadata.json' });
    expect(doc.totals.byReason.broadcast).toBeGreaterThan(0);
    expect(doc.completed).toBe(true);
  });

  it('the same model from a Keras 3.12+ file raises at that batch on JAX, whose shapes are static (PR keras#21742)', async () => {
    const { code, stdout } = await run(['audit', archiveOfVersion('3.13.0'), ...args, '--json', '-q']);
    const doc = JSON.parse(stdout);
    expect(doc.config.keras).toBe('3');
    expect(code).toBe(3);
    expect(doc.completed).toBe(false);
    expect(doc.findings.map((f: { code: string }) => f.code)).toContain('stateful-partial-batch');
  });

  it('the header says which profile and why', async () => {
    const { stdout } = await run(['audit', archiveOfVersion('3.10.0'), ...args]);
    expect(flat(stdout)).toContain('simulated as Keras 3.0–3.11: keras_version in metadata.json: "3.10.0"');
    const forced = await run(['audit', archiveOfVersion('3.10.0'), ...args, '--keras', '3']);
    expect(flat(forced.stdout)).toContain('simulated as Keras 3 (3.12+): --keras 3; the file says Keras 3.0–3.11 (keras_version in metadata.json: "3.10.0")');
  });
});

describe("the file's backend, where it records one", () => {
  const args = ['--samples', '6', '--batch', '2', '--no-shuffle', '--json', '-q'];
  it('a legacy .h5 saved on JAX is simulated on JAX: fit never carries the stateful state (section R1)', async () => {
    const doc = JSON.parse((await run(['audit', `${models}k3-stateful/model-jax.h5`, ...args])).stdout);
    expect(doc.model.backend).toBe('jax');
    expect(doc.config.backend).toBe('jax');
    expect(doc.totals.carries).toBe(0);
    expect(doc.findings.map((f: { code: string }) => f.code)).toContain('jax-stateful-no-effect');
  });
  it('the same file saved on tensorflow carries; --backend overrides the file and the header says so', async () => {
    const doc = JSON.parse((await run(['audit', `${models}k3-stateful/model.h5`, ...args])).stdout);
    expect(doc.config.backend).toBe('tensorflow');
    expect(doc.totals.carries).toBeGreaterThan(0);
    const { stdout } = await run(['audit', `${models}k3-stateful/model-jax.h5`, '--samples', '6', '--batch', '2', '--backend', 'torch']);
    expect(flat(stdout)).toContain('backend: torch (--backend; the file was saved on jax)');
  });
  it('a .keras archive records no backend: --backend, or tensorflow, and the header says so', async () => {
    const { stdout } = await run(['audit', `${models}k3-stateful/model.keras`, '--samples', '6', '--batch', '2']);
    expect(flat(stdout)).toContain('backend: tensorflow (Keras\'s default; the file records no backend: --backend to choose)');
  });
});

describe('TF.js models run under TF.js rules', () => {
  const tfjs = `${fixtures}tfjs-stateful/model.json`;

  it('fit checks a stateful sample count up front with TF.js\'s message: no batch runs', async () => {
    const { code, stdout } = await run(['audit', tfjs, '--samples', '7', '--batch', '2', '--no-shuffle', '--json', '-q']);
    const doc = JSON.parse(stdout);
    expect(code).toBe(3);
    expect(doc.totals.batches).toBe(0);
    const error = doc.findings.find((f: { severity: string }) => f.severity === 'error');
    expect(error.message).toContain(
      'TF.js says: ValueError: In a stateful network, you should only pass inputs with a number of samples that is divisible by the batch size 2. Found: 7 sample(s).',
    );
  });

  it("fit(shuffle: 'batch') throws NotImplementedError as the first epoch begins: no batch runs, forward pass and count alike", async () => {
    for (const mode of [[], ['--count-only']]) {
      const { code, stdout } = await run(['audit', tfjs, '--samples', '6', '--batch', '2', '--shuffle', 'batch', '--json', '-q', ...mode]);
      const doc = JSON.parse(stdout);
      expect(code).toBe(3);
      expect(doc.totals.batches).toBe(0);
      const error = doc.findings.find((f: { code: string }) => f.code === 'tfjs-shuffle-batch');
      expect(error.message).toContain('TF.js says: NotImplementedError: batch shuffling is not implemneted yet');
      expect(error.fix).toContain('shuffle: false');
    }
    // Keras 3 runs the same fit (rows permuted within each batch)
    const keras3 = await run(['audit', tfjs, '--samples', '6', '--batch', '2', '--shuffle', 'batch', '--keras', '3', '--json', '-q']);
    expect(JSON.parse(keras3.stdout).totals.batches).toBe(3);
  });

  it('the fixes name the TF.js API', async () => {
    const fixes = async (args: string[]) =>
      JSON.parse((await run(['audit', tfjs, ...args, '--json', '-q'])).stdout).findings.map((f: { fix: string }) => f.fix).join(' ');
    const carried = await fixes(['--samples', '6', '--batch', '2']);
    expect(carried).toContain('model.resetStates()');
    expect(carried).toContain('onEpochEnd');
    expect(carried).toContain('shuffle: false');
    expect(carried).not.toMatch(/reset_states|batch_size|on_epoch_end|shuffle=False/);
    // fit without batchSize: TF.js uses 32 too
    expect(await fixes(['--samples', '6'])).toContain('Pass {batchSize: 2} to model.fit()');
  });

  it('a GRU with reset_after=true does not load in TF.js: an error finding, nothing runs', async () => {
    // a model.json as tensorflowjs_converter writes it from a tf.keras GRU (reset_after=True, bias (2, 3U))
    const model = {
      format: 'layers-model',
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: {
            name: 'sequential',
            layers: [
              { class_name: 'InputLayer', config: { batch_input_shape: [null, 3, 1], name: 'input_1' } },
              { class_name: 'GRU', config: { name: 'gru', units: 2, reset_after: true, recurrent_activation: 'sigmoid', activation: 'tanh' } },
            ],
          },
        },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'gru/gru_cell/kernel', shape: [1, 6], dtype: 'float32' },
            { name: 'gru/gru_cell/recurrent_kernel', shape: [2, 6], dtype: 'float32' },
            { name: 'gru/gru_cell/bias', shape: [2, 6], dtype: 'float32' },
          ],
        },
      ],
    };
    const file = writeModelJson('gru-', model, 6 + 12 + 12);
    const { code, stdout } = await run(['audit', file, '--samples', '4', '--batch', '2', '--json', '-q']);
    const doc = JSON.parse(stdout);
    expect(code).toBe(3);
    expect(doc.config.keras).toBe('tfjs');
    expect(doc.totals.batches).toBe(0);
    const error = doc.findings.find((f: { code: string }) => f.code === 'tfjs-gru-reset-after');
    expect(error.message).toContain('ValueError: GRUCell does not support reset_after parameter set to true.');
  });

  it('a CuDNNLSTM in a model.json does not deserialize in TF.js: "Unknown layer", nothing runs; the same layers as Keras 2 run', async () => {
    // tensorflowjs_converter copies the Keras 2.2 topology as it is: CuDNNLSTM stays CuDNNLSTM
    const model = {
      format: 'layers-model',
      generatedBy: 'keras v2.2.4',
      convertedBy: 'TensorFlow.js Converter v1.7.0',
      modelTopology: {
        keras_version: '2.2.4',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: {
            name: 'sequential_1',
            layers: [{ class_name: 'CuDNNLSTM', config: { name: 'cu_dnnlstm_1', units: 2, batch_input_shape: [null, 3, 1], return_sequences: false } }],
          },
        },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'cu_dnnlstm_1/kernel', shape: [1, 8], dtype: 'float32' },
            { name: 'cu_dnnlstm_1/recurrent_kernel', shape: [2, 8], dtype: 'float32' },
            { name: 'cu_dnnlstm_1/bias', shape: [16], dtype: 'float32' },
          ],
        },
      ],
    };
    const file = writeModelJson('cudnn-', model, 8 + 16 + 16);
    const { code, stdout } = await run(['audit', file, '--samples', '4', '--batch', '2', '--json', '-q']);
    const doc = JSON.parse(stdout);
    expect(code).toBe(3);
    expect(doc.config.keras).toBe('tfjs');
    expect(doc.totals.batches).toBe(0);
    const error = doc.findings.find((f: { code: string }) => f.code === 'tfjs-unknown-layer');
    expect(error.message).toContain('cu_dnnlstm_1 is a CuDNNLSTM');
    expect(error.message).toContain('TF.js says: ValueError: Unknown layer: CuDNNLSTM. This may be due to one of the following reasons:');
    // the same file as Keras 2 loads it (CuDNN weights converted): it runs
    const keras2 = await run(['audit', file, '--samples', '4', '--batch', '2', '--keras', '2', '--json', '-q']);
    expect(keras2.code).toBe(0);
    expect(JSON.parse(keras2.stdout).totals.batches).toBe(2);
  });
});

describe('a model.json converted from Keras 3 does not load in TF.js (tfjs-keras3-config)', () => {
  // scripts/model-fixtures.py k3_tfjs: Keras 3.15.1 configs as tensorflowjs_converter writes them; the
  // messages are what @tensorflow/tfjs 4.22.0 loadLayersModel threw on these two files
  const tfjs = `${models}k3-tfjs/`;
  it.each([
    ['sequential', 'series', 'An InputLayer should be passed either a `batchInputShape` or an `inputShape`.'],
    ['functional', 'lstm', 'Corrupted configuration, expected array for nodeData: [object Object]'],
  ])('%s: the error finding with TF.js message, exit 3, nothing runs', async (folder, layer, message) => {
    const { code, stdout, stderr } = await run(['audit', `${tfjs}${folder}/model.json`, '--data', `${tfjs}x.npy`, '--batch', '2', '--json']);
    expect(code).toBe(3);
    const doc = JSON.parse(stdout);
    expect(doc.config.keras).toBe('tfjs');
    expect(doc.config.tfjsLoadError).toEqual({ layer, message });
    expect(doc.totals.batches).toBe(0);
    const error = doc.findings.find((f: { code: string }) => f.code === 'tfjs-keras3-config');
    expect(error.severity).toBe('error');
    expect(error.message).toContain(`it stops at ${layer},`);
    expect(error.message).toContain(`TF.js says: ValueError: ${message}`);
    expect(stderr).toContain('error: tfjs-keras3-config:');
    // the converter records the backend: the header does not say "no backend"
    expect(doc.model.backend).toBe('tensorflow');
  });

  it('the same file run as Keras 3 (--keras 3) loads and runs', async () => {
    const { code, stdout } = await run(['audit', `${tfjs}sequential/model.json`, '--data', `${tfjs}x.npy`, '--batch', '2', '--keras', '3', '--json', '-q']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).totals.batches).toBe(2);
  });

  it.each(['tfjs-stateful', 'tfjs-bidirectional'])('%s: a model.json TF.js loads has no such finding', async (folder) => {
    const { code, stdout } = await run(['audit', `${fixtures}${folder}/model.json`, '--samples', '8', '--batch', '2', '--json', '-q']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.config.tfjsLoadError).toBeUndefined();
    expect(doc.totals.batches).toBeGreaterThan(0);
  });
});
