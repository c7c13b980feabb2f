/**
 * Regenerates the model-reader fixtures in test/fixtures/ (run: npx tsx scripts/make-fixtures.ts).
 *
 *   - tfjs-*\/: real TF.js Layers models built here with seeded initialisers and saved in-process with
 *     tf.io.withSaveHandler (model.json + .bin shards, exactly what model.save('file://…') writes);
 *   - keras/*.keras: zips (fflate zipSync) of the hand-written Keras JSON fixtures in keras/;
 *   - npy/*.npy: small arrays from the tiny .npy writer below;
 *   - hostile/ and tfjs-hostile-*\/: broken or malicious variants of the above.
 * The hand-written JSON fixtures (keras/*.json, plans/*.json) are not touched. See test/fixtures/README.md.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { loadTfjs } from '../test/helpers/tfjs.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');
const tf = await loadTfjs();
type Tf = typeof tf;
type LayersModel = ReturnType<Tf['sequential']> | ReturnType<Tf['model']>;

function write(path: string, data: string | Uint8Array): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, data);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}

// ---------------------------------------------------------------------------------------------- TF.js

interface Saved {
  modelJson: Record<string, unknown> & { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] };
  weights: Uint8Array;
}

async function save(model: LayersModel): Promise<Saved> {
  let saved: Saved | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const parts = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const bytes = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
      let at = 0;
      for (const part of parts) {
        bytes.set(new Uint8Array(part), at);
        at += part.byteLength;
      }
      saved = {
        modelJson: {
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: (artifacts.weightSpecs ?? []).map((spec) => ({ ...spec })) }],
        },
        weights: bytes,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('save handler not called');
  return saved;
}

function writeTfjs(folder: string, saved: Saved, shards: number[] = [saved.weights.length]): void {
  rmSync(join(root, folder), { recursive: true, force: true });
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`);
  const modelJson = { ...saved.modelJson, weightsManifest: [{ ...saved.modelJson.weightsManifest[0]!, paths }] };
  write(`${folder}/model.json`, json(modelJson));
  let at = 0;
  shards.forEach((size, i) => {
    write(`${folder}/${paths[i]}`, saved.weights.subarray(at, at + size));
    at += size;
  });
}

const seeded = (seed: number) => ({
  kernelInitializer: tf.initializers.glorotUniform({ seed }),
  recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1, gain: 1 }),
  biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed + 2 }),
});

// Sequential, fixed batch 2: stateful LSTM (TF.js default recurrent activation: hardSigmoid) -> stateful GRU (sigmoid) -> Dense
const stateful = tf.sequential({ name: 'stateful_model' });
stateful.add(tf.layers.lstm({ name: 'lstm', units: 4, batchInputShape: [2, 5, 3], stateful: true, returnSequences: true, ...seeded(10) }));
stateful.add(tf.layers.gru({ name: 'gru', units: 3, stateful: true, recurrentActivation: 'sigmoid', ...seeded(20) }));
stateful.add(tf.layers.dense({ name: 'dense', units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 30 }) }));
const statefulSaved = await save(stateful);
writeTfjs('tfjs-stateful', statefulSaved);

// Functional, batch 4: Bidirectional(LSTM) -> SimpleRNN -> Dense; weights split over two shards
const input = tf.input({ name: 'series', batchShape: [4, 6, 2] });
const bidi = tf.layers
  .bidirectional({ name: 'bidi', layer: tf.layers.lstm({ name: 'inner', units: 3, returnSequences: true, ...seeded(40) }) as never, mergeMode: 'concat' })
  .apply(input);
const simple = tf.layers.simpleRNN({ name: 'simple', units: 2, goBackwards: true, ...seeded(50) }).apply(bidi);
const out = tf.layers.dense({ name: 'out', units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 60 }) }).apply(simple);
const bidiModel = tf.model({ name: 'bidi_model', inputs: input, outputs: out as never });
// TF.js builds both directions from one config, seed included; make the backward weights differ (negated) so the
// reader's forward/backward split is observable
const bidiLayer = bidiModel.getLayer('bidi');
const [fk, frk, fb] = bidiLayer.getWeights().slice(0, 3) as [never, never, never];
bidiLayer.setWeights([fk, frk, fb, tf.neg(fk), tf.neg(frk), tf.neg(fb)]);
const bidiSaved = await save(bidiModel);
const half = Math.floor(bidiSaved.weights.length / 2 / 4) * 4;
writeTfjs('tfjs-bidirectional', bidiSaved, [half, bidiSaved.weights.length - half]);

// hostile variants of tfjs-stateful
function variant(folder: string, change: (modelJson: Saved['modelJson']) => void, weights: Uint8Array | null = statefulSaved.weights): void {
  rmSync(join(root, folder), { recursive: true, force: true });
  const modelJson = structuredClone(statefulSaved.modelJson);
  change(modelJson);
  write(`${folder}/model.json`, json(modelJson));
  if (weights) write(`${folder}/group1-shard1of1.bin`, weights);
}
const lstmKernel = (m: Saved['modelJson']) => m.weightsManifest[0]!.weights.find((w) => w.name.endsWith('lstm/kernel') || w.name === 'lstm/kernel')!;
variant('tfjs-hostile-traversal', (m) => (m.weightsManifest[0]!.paths = ['../tfjs-stateful/group1-shard1of1.bin']), null);
variant('tfjs-hostile-absolute', (m) => (m.weightsManifest[0]!.paths = ['/etc/passwd']), null);
// same byte count (3*16 = 6*8 floats), so only the shape check can catch it
variant('tfjs-hostile-shape', (m) => (lstmKernel(m).shape = [6, 8]));
variant('tfjs-hostile-short-shard', () => {}, statefulSaved.weights.subarray(0, statefulSaved.weights.length - 8));
variant('tfjs-hostile-missing-shard', () => {}, null);
variant('tfjs-hostile-dtype', (m) => (lstmKernel(m).dtype = 'int32'));

// ---------------------------------------------------------------------------------------------- .keras archives

const mtime = new Date('2024-01-01T00:00:00Z');
const keras3Config = readFileSync(join(root, 'keras', 'keras3-sequential.json'));
const enc = new TextEncoder();
// model.weights.h5 is a placeholder (the HDF5 signature and zeros): the readers never open it
const fakeH5 = new Uint8Array(64);
fakeH5.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const archive: Zippable = {
  'metadata.json': [enc.encode(JSON.stringify({ keras_version: '3.6.0', date_saved: '2024-10-03@14:07:51' })), { level: 9, mtime }],
  'config.json': [new Uint8Array(keras3Config), { level: 9, mtime }],
  'model.weights.h5': [fakeH5, { level: 0, mtime }],
};
const kerasArchive = zipSync(archive, { mtime });
write('keras/keras3-sequential.keras', kerasArchive);

// tf.keras 2.15 also writes the .keras format; metadata says so
const tfkerasConfig = readFileSync(join(root, 'keras', 'tfkeras-functional.json'));
write(
  'keras/tfkeras-functional.keras',
  zipSync(
    {
      'metadata.json': [enc.encode(JSON.stringify({ keras_version: '2.15.0', date_saved: '2024-02-01@10:00:00' })), { level: 9, mtime }],
      'config.json': [new Uint8Array(tfkerasConfig), { level: 9, mtime }],
      'model.weights.h5': [fakeH5, { level: 0, mtime }],
    },
    { mtime },
  ),
);

// ---------------------------------------------------------------------------------------------- hostile files

write('hostile/bad-json.json', '{"class_name": "Sequential", "config": {"layers": [\n  {"class_name": "LSTM", "config": {"units": 4,}}\n]}}\n');
write('hostile/not-a-zip.keras', 'this is not a zip archive\n');
write('hostile/truncated.keras', kerasArchive.subarray(0, Math.floor(kerasArchive.length * 0.6)));
write('hostile/no-config.keras', zipSync({ 'metadata.json': [enc.encode('{"keras_version": "3.6.0"}'), { mtime }] }, { mtime }));

/** Offsets of the central-directory and local headers of the first entry named `name`. */
function entryOffsets(zip: Uint8Array, name: string): { central: number; local: number } {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at + 46 < zip.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(at + 28, true);
    if (new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength)) === name) return { central: at, local: view.getUint32(at + 42, true) };
  }
  throw new Error(`no ${name}`);
}

// zip bomb 1: config.json declares 3 GiB uncompressed (the reader must refuse before inflating anything)
{
  const zip = zipSync({ 'config.json': [new Uint8Array(keras3Config), { level: 9, mtime }] }, { mtime });
  const { central, local } = entryOffsets(zip, 'config.json');
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  view.setUint32(central + 24, 3 * 1024 * 1024 * 1024, true);
  view.setUint32(local + 22, 3 * 1024 * 1024 * 1024, true);
  write('hostile/zip-bomb-declared.keras', zip);
}
// zip bomb 2: config.json declares 1 KiB but its deflate stream inflates to 8 MiB of spaces (about 8 KB compressed)
{
  const zip = zipSync({ 'config.json': [new Uint8Array(8 * 1024 * 1024).fill(0x20), { level: 9, mtime }] }, { mtime });
  const { central, local } = entryOffsets(zip, 'config.json');
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  view.setUint32(central + 24, 1024, true);
  view.setUint32(local + 22, 1024, true);
  write('hostile/zip-bomb-lying.keras', zip);
}

// ---------------------------------------------------------------------------------------------- .npy

/** A .npy file: header dict padded with spaces so the data starts at a multiple of 64, ended by '\n'. */
function npy(descr: string, shape: number[], data: Uint8Array, options: { version?: 1 | 2 | 3; fortran?: boolean } = {}): Uint8Array {
  const version = options.version ?? 1;
  const dict = `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const lengthBytes = version === 1 ? 2 : 4;
  const prefix = 8 + lengthBytes;
  const padded = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(padded - prefix - dict.length - 1) + '\n';
  const out = new Uint8Array(padded + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(enc.encode(header), prefix);
  out.set(data, padded);
  return out;
}

/** Value i of every npy fixture: sin(i) (tests recompute it). */
function values(count: number, itemSize: 4 | 8, littleEndian = true): Uint8Array {
  const bytes = new Uint8Array(count * itemSize);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    if (itemSize === 4) view.setFloat32(i * 4, Math.sin(i), littleEndian);
    else view.setFloat64(i * 8, Math.sin(i), littleEndian);
  }
  return bytes;
}

write('npy/f4-3d-v1.npy', npy('<f4', [6, 5, 3], values(90, 4)));
write('npy/f8-2d-v2.npy', npy('<f8', [4, 7], values(28, 8), { version: 2 }));
write('npy/f4-3d-v3.npy', npy('<f4', [3, 2, 2], values(12, 4), { version: 3 }));
write('npy/hostile-big-endian.npy', npy('>f4', [2, 3, 1], values(6, 4, false)));
write('npy/hostile-fortran.npy', npy('<f4', [2, 3, 2], values(12, 4), { fortran: true }));
write('npy/hostile-int64.npy', npy('<i8', [2, 3], new Uint8Array(48)));
write('npy/hostile-1d.npy', npy('<f4', [5], values(5, 4)));
// header 128 bytes, then only 100 of the 360 data bytes
write('npy/hostile-truncated.npy', npy('<f4', [6, 5, 3], values(90, 4)).subarray(0, 128 + 100));

console.log(`fixtures written to ${root}`);
