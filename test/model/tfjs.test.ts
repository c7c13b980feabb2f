/** TF.js Layers model.json + weight shards, cross-checked against TF.js's own loader on the same bytes. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryFileReader } from '../../src/io/files.ts';
import { nodeFileReader } from '../../src/io/node-files.ts';
import { loadTfjsLayersModel, parseTfjsModelJson, resolveShardPath } from '../../src/model/tfjs.ts';
import type { RecurrentModelInfo } from '../../src/model/types.ts';
import { loadTfjs } from '../helpers/tfjs.ts';
import { expectModelError, fixture, fixtureText } from './helpers.ts';

/** Loads a fixture folder with TF.js itself (tf.io.fromMemory) and returns each layer's weights. */
async function tfjsWeights(folder: string, layerName: string): Promise<Float32Array[]> {
  const tf = await loadTfjs();
  const modelJson = JSON.parse(fixtureText(`${folder}/model.json`)) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
  };
  const group = modelJson.weightsManifest[0]!;
  const parts = group.paths.map((p) => readFileSync(fixture(`${folder}/${p}`)));
  const data = new Uint8Array(Buffer.concat(parts));
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: group.weights, weightData: data.buffer }));
  return model.getLayer(layerName).getWeights().map((t) => t.dataSync() as Float32Array);
}

describe('tfjs-stateful (Sequential, stateful LSTM + GRU)', () => {
  const info = loadTfjsLayersModel(fixture('tfjs-stateful/model.json'), nodeFileReader);

  it('reads the topology: fixed batch, TF.js hardSigmoid default, GRU sigmoid', () => {
    expect(info).toMatchObject({ source: 'tfjs-layers', versionString: 'tfjs-layers 4.22.0', modelClass: 'Sequential', batchSize: 2, timesteps: 5, features: 3 });
    expect(info).not.toHaveProperty('kerasVersion');
    expect(info.layers.map((l) => [l.name, l.cell, l.units, l.stateful, l.recurrentActivation, l.inputDim])).toEqual([
      ['lstm', 'lstm', 4, true, 'hard_sigmoid', 3],
      ['gru', 'gru', 3, true, 'sigmoid', 4],
    ]);
    expect(info.layers[0]?.returnSequences).toBe(true);
    expect(info.layers[1]?.resetAfter).toBe(false);
  });

  it('loads kernel (D,4U), recurrent_kernel (U,4U) and bias (4U) equal to what TF.js loads', async () => {
    const lstm = info.layers[0]!.weights!.forward;
    expect([lstm.kernel.length, lstm.recurrentKernel.length, lstm.bias?.length, lstm.inputDim]).toEqual([3 * 16, 4 * 16, 16, 3]);
    const [k, rk, b] = await tfjsWeights('tfjs-stateful', 'lstm');
    expect(lstm.kernel).toEqual(k);
    expect(lstm.recurrentKernel).toEqual(rk);
    expect(lstm.bias).toEqual(b);
    const gru = info.layers[1]!.weights!.forward;
    const [gk, grk, gb] = await tfjsWeights('tfjs-stateful', 'gru');
    expect([gru.kernel, gru.recurrentKernel, gru.bias]).toEqual([gk, grk, gb]);
    expect(gru.biasShape).toEqual([9]);
    expect(info.layers[1]!.weights!.backward).toBeUndefined();
  });

  it('parseTfjsModelJson alone gives the topology without weights', () => {
    const { info: bare, weightsManifest } = parseTfjsModelJson(fixtureText('tfjs-stateful/model.json'), 'model.json');
    expect(bare.layers[0]).not.toHaveProperty('weights');
    expect(weightsManifest[0]?.weights.map((w) => w.name)).toContain('lstm/recurrent_kernel');
  });
});

describe('tfjs-bidirectional (Functional, two shards)', () => {
  const info = loadTfjsLayersModel(fixture('tfjs-bidirectional/model.json'), nodeFileReader);

  it('reads Bidirectional(LSTM) and the SimpleRNN after it (concat doubles the features)', () => {
    expect(info).toMatchObject({ modelClass: 'Model', batchSize: 4, timesteps: 6, features: 2 });
    expect(info.layers[0]).toMatchObject({ name: 'bidi', bidirectional: true, mergeMode: 'concat', units: 3, inputDim: 2, stateful: false });
    expect(info.layers[1]).toMatchObject({ name: 'simple', cell: 'simple', units: 2, inputDim: 6, goBackwards: true });
  });

  it('splits forward and backward weights and matches TF.js across the shard boundary', async () => {
    const { forward, backward } = info.layers[0]!.weights!;
    const [fk, frk, fb, bk, brk, bb] = await tfjsWeights('tfjs-bidirectional', 'bidi');
    expect([forward.kernel, forward.recurrentKernel, forward.bias]).toEqual([fk, frk, fb]);
    expect([backward!.kernel, backward!.recurrentKernel, backward!.bias]).toEqual([bk, brk, bb]);
    expect(backward!.kernel[0]).toBe(-forward.kernel[0]!);
    const simple = info.layers[1]!.weights!.forward;
    const [sk, srk, sb] = await tfjsWeights('tfjs-bidirectional', 'simple');
    expect([simple.kernel, simple.recurrentKernel, simple.bias]).toEqual([sk, srk, sb]);
  });
});

describe('hostile TF.js models', () => {
  const load = (folder: string) => () => loadTfjsLayersModel(fixture(`${folder}/model.json`), nodeFileReader);
  const file = (folder: string) => fixture(`${folder}/model.json`);

  it('a ../ weight path', () => {
    expectModelError(load('tfjs-hostile-traversal'), file('tfjs-hostile-traversal'), /weight path "\.\.\/tfjs-stateful\/group1-shard1of1\.bin" contains '\.\.'/);
  });
  it('an absolute weight path', () => {
    expectModelError(load('tfjs-hostile-absolute'), file('tfjs-hostile-absolute'), /weight path "\/etc\/passwd" is absolute/);
  });
  it('a kernel shape that does not fit the layer', () => {
    expectModelError(load('tfjs-hostile-shape'), file('tfjs-hostile-shape'), /weight "lstm\/kernel" has shape \[6,8\], expected \[3,16\]/, /LSTM layer "lstm" with units=4/);
  });
  it('a shard shorter than the manifest', () => {
    expectModelError(load('tfjs-hostile-short-shard'), file('tfjs-hostile-short-shard'), /weight shard "group1-shard1of1\.bin" holds 808 bytes, but the manifest's weights need 816: a shard is truncated/);
  });
  it('a non-float32 weight', () => {
    expectModelError(load('tfjs-hostile-dtype'), file('tfjs-hostile-dtype'), /weight "lstm\/kernel" has dtype "int32"; only float32/);
  });
});

describe('symlinks and in-memory readers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-reset-tfjs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const modelJson = fixtureText('tfjs-stateful/model.json');
  const weights = readFileSync(fixture('tfjs-stateful/group1-shard1of1.bin'));

  it('rejects a shard that is a symlink to a file outside the model folder', () => {
    const outside = join(dir, 'outside.bin');
    writeFileSync(outside, weights);
    const folder = join(dir, 'model');
    mkdirSync(folder);
    writeFileSync(join(folder, 'model.json'), modelJson);
    symlinkSync(outside, join(folder, 'group1-shard1of1.bin'));
    expectModelError(() => loadTfjsLayersModel(join(folder, 'model.json'), nodeFileReader), join(folder, 'model.json'), /resolves \(through a symlink\) to .*outside\.bin.*outside the model's folder/);
  });

  it('accepts a symlink that stays inside the folder, and a model folder reached through a symlink', () => {
    const folder = join(dir, 'inside');
    mkdirSync(join(folder, 'shards'), { recursive: true });
    writeFileSync(join(folder, 'shards', 'real.bin'), weights);
    writeFileSync(join(folder, 'model.json'), modelJson);
    symlinkSync(join(folder, 'shards', 'real.bin'), join(folder, 'group1-shard1of1.bin'));
    expect(loadTfjsLayersModel(join(folder, 'model.json'), nodeFileReader).layers[0]?.weights).toBeDefined();
    symlinkSync(folder, join(dir, 'alias'));
    expect(loadTfjsLayersModel(join(dir, 'alias', 'model.json'), nodeFileReader).layers[0]?.weights).toBeDefined();
  });

  it('reports a missing shard', () => {
    const folder = join(dir, 'missing');
    mkdirSync(folder);
    writeFileSync(join(folder, 'model.json'), modelJson);
    const message = expectModelError(() => loadTfjsLayersModel(join(folder, 'model.json'), nodeFileReader), join(folder, 'model.json'), /cannot find weight shard "group1-shard1of1\.bin": no file ".*missing\/group1-shard1of1\.bin"; the weightsManifest lists it/);
    expect(message).not.toMatch(/ENOENT|lstat/);
  });

  it('works with an injected in-memory reader', () => {
    const reader = memoryFileReader({ 'm/model.json': new TextEncoder().encode(modelJson), 'm/group1-shard1of1.bin': new Uint8Array(weights) });
    const info: RecurrentModelInfo = loadTfjsLayersModel('m/model.json', reader);
    expect(info.layers.map((l) => l.weights?.forward.kernel.length)).toEqual([48, 36]);
    expectModelError(() => loadTfjsLayersModel('m/other.json', reader), 'm/other.json', /cannot read model\.json: ENOENT/);
  });

  it('rejects oversized weights against maxWeightBytes', () => {
    const reader = memoryFileReader({ 'm/model.json': new TextEncoder().encode(modelJson), 'm/group1-shard1of1.bin': new Uint8Array(weights) });
    expectModelError(() => loadTfjsLayersModel('m/model.json', reader, { maxWeightBytes: 100 }), 'm/model.json', /more than the 100 allowed/);
  });
});

describe('model.json variations', () => {
  const base = JSON.parse(fixtureText('tfjs-stateful/model.json')) as Record<string, unknown> & {
    weightsManifest: { paths: string[]; weights: Record<string, unknown>[] }[];
  };
  const weights = new Uint8Array(readFileSync(fixture('tfjs-stateful/group1-shard1of1.bin')));
  const load = (change: (m: typeof base) => void) => {
    const m = structuredClone(base);
    change(m);
    const reader = memoryFileReader({ 'm/model.json': new TextEncoder().encode(JSON.stringify(m)), 'm/group1-shard1of1.bin': weights });
    return () => loadTfjsLayersModel('m/model.json', reader);
  };

  it('returns the topology with a note when there is no weightsManifest', () => {
    const info = load((m) => delete (m as Record<string, unknown>)['weightsManifest'])();
    expect(info.layers[0]).not.toHaveProperty('weights');
    expect(info.notes.join(' ')).toMatch(/no weightsManifest/);
  });
  it('rejects a graph model', () => {
    expectModelError(load((m) => (m['format'] = 'graph-model')), 'm/model.json', /format "graph-model"/, /Layers models/);
  });
  it('dequantizes uint8 and float16 weights as TF.js does (q * scale + min; half floats)', () => {
    // lstm/kernel (48 floats, first in the shard) stored as 48 uint8 values, the rest unchanged
    const kernelBytes = 48 * 4;
    const q = Uint8Array.from({ length: 48 }, (_, i) => (i * 5) % 256);
    const shard = new Uint8Array(weights.length - kernelBytes + 48);
    shard.set(q, 0);
    shard.set(weights.subarray(kernelBytes), 48);
    const m = structuredClone(base);
    m.weightsManifest[0]!.weights[0]!['quantization'] = { dtype: 'uint8', scale: 0.01, min: -0.5 };
    const reader = memoryFileReader({ 'm/model.json': new TextEncoder().encode(JSON.stringify(m)), 'm/group1-shard1of1.bin': shard });
    const kernel = loadTfjsLayersModel('m/model.json', reader).layers[0]!.weights!.forward.kernel;
    expect(Array.from(kernel)).toEqual(Array.from(q, (v) => Math.fround(v * 0.01 - 0.5)));
    // float16: 1.0 is 0x3c00, -2.5 is 0xc100
    const half = new Uint8Array(weights.length - kernelBytes + 96);
    const view = new DataView(half.buffer);
    for (let i = 0; i < 48; i++) view.setUint16(2 * i, i % 2 ? 0xc100 : 0x3c00, true);
    half.set(weights.subarray(kernelBytes), 96);
    const m16 = structuredClone(base);
    m16.weightsManifest[0]!.weights[0]!['quantization'] = { dtype: 'float16' };
    const reader16 = memoryFileReader({ 'm/model.json': new TextEncoder().encode(JSON.stringify(m16)), 'm/group1-shard1of1.bin': half });
    expect(Array.from(loadTfjsLayersModel('m/model.json', reader16).layers[0]!.weights!.forward.kernel.slice(0, 4))).toEqual([1, -2.5, 1, -2.5]);
  });
  it('rejects a manifest missing a recurrent weight', () => {
    expectModelError(load((m) => (m.weightsManifest[0]!.weights[1]!['name'] = 'lstm/other')), 'm/model.json', /no 'lstm\/…recurrent_kernel' weight for LSTM layer "lstm"/);
  });
  it('rejects a malformed manifest with the JSON path of the problem', () => {
    expectModelError(load((m) => (m.weightsManifest[0]!.weights[2]!['shape'] = [-1])), 'm/model.json', /weightsManifest\[0\]\.weights\[2\]\.shape\[0\]/);
    expectModelError(load((m) => (m.weightsManifest[0]!.paths = [])), 'm/model.json', /weightsManifest\[0\]\.paths: a weights group needs at least one shard path/);
  });
  it('rejects URLs and NUL bytes as shard paths', () => {
    const reader = memoryFileReader({});
    expectModelError(() => resolveShardPath('m/model.json', 'https://example.invalid/w.bin', reader), 'm/model.json', /is a URL/);
    expectModelError(() => resolveShardPath('m/model.json', 'a\0b', reader), 'm/model.json', /NUL byte/);
    expectModelError(() => resolveShardPath('m/model.json', 'C:\\w.bin', reader), 'm/model.json', /is absolute/);
    expectModelError(() => resolveShardPath('m/model.json', 'sub\\..\\..\\w.bin', reader), 'm/model.json', /contains '\.\.'/);
    expect(resolveShardPath('m/model.json', 'sub/w.bin', reader)).toBe('m/sub/w.bin');
  });
  it('reads a Keras-converted model.json (model_config, keras_version) with Keras defaults', () => {
    const topology = base['modelTopology'] as Record<string, unknown>;
    const converted = { ...base, modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: topology }, generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0' };
    const { info } = parseTfjsModelJson(JSON.stringify(converted), 'converted.json');
    expect(info).toMatchObject({ kerasVersion: 'tf', versionString: '2.15.0', batchSize: 2 });
  });
});
