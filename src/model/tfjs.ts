/**
 * TF.js Layers `model.json`: `{"modelTopology": {...}, "format": "layers-model", "generatedBy", "convertedBy",
 * "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": [{"name", "shape", "dtype"}]}]}`.
 *
 * The topology is a Keras model object (snake_case keys), either directly or under `model_config` (files
 * converted from a Keras HDF5 by tensorflowjs_converter). Weights of each manifest group are the
 * concatenation of its shards, each weight's bytes following the previous one's in manifest order.
 */
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import * as z from 'zod';
import type { FileReader } from '../io/files.ts';
import { describeLfsPointer, lfsPointer } from '../io/lfs.ts';
import type { KerasVersion } from '../keras/profiles.ts';
import { describeThrown, fileError, ModelFileError, quote } from './errors.ts';
import { decodeUtf8, parseJsonText } from './json.ts';
import { classifyKerasVersion, isRecord, parseModelTopology } from './topology.ts';
import { computedLayerClasses, weightedLayerNames } from './attach-weights.ts';
import type { CellWeights, RecurrentLayerInfo, RecurrentLayerWeights, RecurrentModelInfo, WeightArray } from './types.ts';
import { describeIssues } from './zod-issues.ts';
import { recurrentWeights, WeightsUnusable } from './weights.ts';

const weightSpecSchema = z
  .object({
    name: z.string().min(1),
    shape: z.array(z.int().nonnegative()).max(8),
    dtype: z.string(),
    quantization: z.unknown().optional(),
  })
  .loose();

const manifestGroupSchema = z.object({
  paths: z.array(z.string()).min(1, 'a weights group needs at least one shard path'),
  weights: z.array(weightSpecSchema),
});

const tfjsModelJsonSchema = z
  .object({
    modelTopology: z.record(z.string(), z.unknown()),
    format: z.string().optional(),
    generatedBy: z.string().nullable().optional(),
    convertedBy: z.string().nullable().optional(),
    weightsManifest: z.array(manifestGroupSchema).optional(),
  })
  .loose();

export type TfjsWeightSpec = z.infer<typeof weightSpecSchema>;
export type TfjsWeightGroup = z.infer<typeof manifestGroupSchema>;

export interface TfjsModelJson {
  readonly info: RecurrentModelInfo;
  readonly weightsManifest: readonly TfjsWeightGroup[];
}

export interface TfjsLoadOptions {
  /** Largest total size of the weight shards that will be read (default 512 MiB). */
  readonly maxWeightBytes?: number;
}

const DEFAULT_MAX_WEIGHT_BYTES = 512 * 1024 * 1024;

/** Parses model.json text: topology and manifest, no weights. */
export function parseTfjsModelJson(text: string, file: string): TfjsModelJson {
  const raw = parseJsonText(text, file, 'TF.js model.json');
  if (!isRecord(raw) || !('modelTopology' in raw)) throw fileError(file, 'is not a TF.js model.json (no "modelTopology")');
  const parsed = tfjsModelJsonSchema.safeParse(raw);
  if (!parsed.success) throw fileError(file, `is not a valid TF.js model.json: ${describeIssues(parsed.error.issues)}`);
  const json = parsed.data;
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw fileError(file, `has format ${quote(json.format)}; lstm-reset reads TF.js Layers models ("layers-model"), not graph models`);
  }
  const topology = json.modelTopology;
  const model = isRecord(topology['model_config']) ? topology['model_config'] : topology;
  const notes: string[] = [];
  let versionString = typeof topology['keras_version'] === 'string' ? topology['keras_version'] : undefined;
  let versionFrom = versionString === undefined ? undefined : 'keras_version in modelTopology';
  if (versionString === undefined && typeof json.generatedBy === 'string') {
    const match = /^keras v?(\S+)/i.exec(json.generatedBy);
    if (match) {
      versionString = match[1];
      versionFrom = 'generatedBy';
    }
  }
  let kerasVersion: KerasVersion | undefined;
  const savedByTfjs = versionString === undefined || versionString.startsWith('tfjs');
  if (savedByTfjs) {
    notes.push('saved by TF.js Layers (its defaults: recurrent_activation hard_sigmoid, GRU reset_after false)');
  } else if (versionString !== undefined) {
    const classified = classifyKerasVersion(versionString);
    kerasVersion = classified.version;
    if (classified.note) notes.push(classified.note);
  }
  const tfjsLoadError = tfjsConfigError(model);
  const parsedInfo = parseModelTopology(model, {
    file,
    source: 'tfjs-layers',
    kerasVersion,
    versionString,
    versionFrom,
    defaultRecurrentActivation: savedByTfjs ? 'hard_sigmoid' : 'sigmoid',
    defaultResetAfter: !savedByTfjs && kerasVersion !== '2',
    notes,
  });
  // the backend the converter recorded ("backend": "tensorflow" beside keras_version); TF.js itself writes "tensor_flow.js"
  const backend = !savedByTfjs && typeof topology['backend'] === 'string' && topology['backend'] !== 'tensor_flow.js' ? topology['backend'] : undefined;
  const info = { ...parsedInfo, ...(backend !== undefined && parsedInfo.backend === undefined ? { backend } : {}), ...(tfjsLoadError ? { tfjsLoadError } : {}) };
  return { info, weightsManifest: json.weightsManifest ?? [] };
}

/**
 * The first place TF.js Layers 4.22 stops deserializing a Keras model config that Keras 3 wrote, with
 * its message; undefined when TF.js reads past it. TF.js builds the layers in config order
 * (tfjs-layers engine/container.ts fromConfig processLayer; models.ts Sequential.fromConfig), so the
 * first refusal decides:
 * - an InputLayer with neither batch_input_shape nor input_shape (Keras 3 writes batch_shape):
 *   engine/input_layer.ts InputLayer constructor;
 * - a Functional layer whose inbound node is not a list (Keras 3's {"args", "kwargs"} objects):
 *   container.ts processLayer;
 * - a Sequential whose first layer gives no input shape: models.ts Sequential.add.
 * A CuDNN class or a GRU with reset_after=true met first is left to tfjs-unknown-layer and
 * tfjs-gru-reset-after (keras/config.ts tfjsLoadFailure). Checked with @tensorflow/tfjs 4.22.0 on
 * model.json files converted from Keras 3.3 and 3.8.
 */
export function tfjsConfigError(model: Record<string, unknown>): { layer: string; message: string } | undefined {
  const config = model['config'];
  const layers = isRecord(config) && Array.isArray(config['layers']) ? config['layers'] : isRecord(config) || !Array.isArray(config) ? [] : config;
  const sequential = model['class_name'] === 'Sequential';
  let first = true;
  for (const layer of layers) {
    if (!isRecord(layer)) return undefined;
    const className = String(layer['class_name'] ?? layer['className'] ?? '');
    const layerConfig = isRecord(layer['config']) ? layer['config'] : {};
    const name = String(layerConfig['name'] ?? layer['name'] ?? className);
    const has = (key: string, camel: string) => layerConfig[key] !== undefined && layerConfig[key] !== null ? true : layerConfig[camel] !== undefined && layerConfig[camel] !== null;
    if (/^CuDNN(LSTM|GRU)$/.test(className)) return undefined;
    if (className === 'GRU' && (layerConfig['reset_after'] === true || layerConfig['resetAfter'] === true)) return undefined;
    if (className === 'InputLayer') {
      if (!has('batch_input_shape', 'batchInputShape') && !has('input_shape', 'inputShape')) {
        return { layer: name, message: 'An InputLayer should be passed either a `batchInputShape` or an `inputShape`.' };
      }
    } else if (sequential && first && !has('batch_input_shape', 'batchInputShape') && !has('input_shape', 'inputShape')) {
      return { layer: name, message: 'The first layer in a Sequential model must get an `inputShape` or `batchInputShape` argument.' };
    }
    first = false;
    const nodes = layer['inbound_nodes'] ?? layer['inboundNodes'];
    if (!sequential && Array.isArray(nodes)) {
      const bad = nodes.find((node) => !Array.isArray(node));
      if (bad !== undefined) return { layer: name, message: `Corrupted configuration, expected array for nodeData: ${isRecord(bad) ? '[object Object]' : String(bad)}` };
    }
  }
  return undefined;
}

/**
 * Reads a TF.js model.json and the weight shards it names (relative to its folder), returning the topology
 * with each recurrent layer's weights in Keras layout.
 */
export function loadTfjsLayersModel(modelJsonPath: string, reader: FileReader, options: TfjsLoadOptions = {}): RecurrentModelInfo {
  const text = decodeUtf8(readOrFail(reader, modelJsonPath, modelJsonPath, 'model.json'), modelJsonPath);
  return loadTfjsWeights(parseTfjsModelJson(text, modelJsonPath), modelJsonPath, reader, options);
}

/**
 * Loads the weights of an already parsed model.json (`modelJsonPath` locates the shards): every
 * recurrent layer's, converted to the cells' layout, and those of the layers the forward pass may
 * compute on the way into one (Embedding, Dense, …). Quantized weights (tensorflowjs_converter
 * --quantize_*) are dequantized as TF.js does: value = q·scale + min, or float16.
 */
export function loadTfjsWeights(
  parsed: TfjsModelJson,
  modelJsonPath: string,
  reader: FileReader,
  options: TfjsLoadOptions = {},
): RecurrentModelInfo {
  const file = modelJsonPath;
  const { info, weightsManifest } = parsed;
  if (weightsManifest.length === 0 || weightsManifest.every((group) => group.weights.length === 0)) {
    return {
      ...info,
      notes: [...info.notes, 'model.json has no weightsManifest; weights not loaded'],
      weightsSource: { kind: 'tfjs-shards', used: false, reason: `${file} has no weightsManifest (a topology without weights)` },
    };
  }
  const located = locateWeights(weightsManifest);
  const needs = info.layers.map((layer) => ({ layer, found: findLayerWeights(layer, located, file) }));
  const wanted = weightedLayerNames(info);
  const others = info.graph.layers
    .filter((layer) => computedLayerClasses.has(layer.className) && wanted.has(layer.name))
    .map((layer) => ({ name: layer.name, specs: located.specs.filter((item) => belongsTo(item.spec.name, layer.name)) }));
  const groups = new Set([
    ...needs.flatMap(({ found }) => found.flatMap((direction) => direction.specs.map((spec) => spec.group))),
    ...others.flatMap(({ specs }) => specs.map((spec) => spec.group)),
  ]);

  const maxBytes = options.maxWeightBytes ?? DEFAULT_MAX_WEIGHT_BYTES;
  const groupBytes = new Map<number, Uint8Array>();
  let total = 0;
  for (const group of [...groups].sort((a, b) => a - b)) {
    const expected = located.groupSizes[group]!;
    total += expected;
    if (total > maxBytes) throw fileError(file, `the weights to load total ${total} bytes, more than the ${maxBytes} allowed`);
    try {
      groupBytes.set(group, readGroup(weightsManifest[group]!, group, expected, modelJsonPath, reader));
    } catch (error) {
      // shards of another size than the manifest says: a manifest shape that does not fit its layer is the cause to name
      if (error instanceof ModelFileError && /the manifest's weights need/.test(error.message)) throw shapeProblem(needs, file) ?? error;
      throw error;
    }
  }
  const layers = needs.map(({ layer, found }): RecurrentLayerInfo => {
    const [forward, backward] = found.map((direction) => toCellWeights(layer, direction, groupBytes, file));
    const weights: RecurrentLayerWeights = backward ? { forward: forward!, backward } : { forward: forward! };
    return { ...layer, inputDim: layer.inputDim ?? forward!.inputDim, weights };
  });
  const layerWeights = new Map<string, WeightArray[]>(
    others.map(({ name, specs }) => [name, specs.map((item) => ({ name: item.spec.name, shape: item.spec.shape, values: floats(item, groupBytes, file) }))]),
  );
  return { ...info, layers, layerWeights, weightsSource: { kind: 'tfjs-shards', used: true, reason: null } };
}

/** The first recurrent weight whose manifest shape does not fit its layer's config (toCellWeights' checks), as the error to report. */
function shapeProblem(needs: readonly { layer: RecurrentLayerInfo; found: DirectionSpecs[] }[], file: string): ModelFileError | undefined {
  for (const { layer, found } of needs) {
    for (const direction of found) {
      try {
        toCellWeights(layer, direction, new Map(), file);
      } catch (error) {
        if (error instanceof ModelFileError && / has shape \[/.test(error.message)) {
          return new ModelFileError(`${error.message}; the manifest's shapes do not match the layer (edited, or another model's), so its weights do not fit the shards`, { file });
        }
      }
    }
  }
  return undefined;
}

/** A manifest weight belongs to a layer: "<layer>/…", or "<model>/<layer>/…" in a nested scope. */
function belongsTo(weightName: string, layer: string): boolean {
  return weightName.startsWith(`${layer}/`) || weightName.includes(`/${layer}/`);
}

interface LocatedSpec {
  readonly spec: TfjsWeightSpec;
  readonly group: number;
  /** Byte offset within the group's concatenated shards; undefined after a weight of unknown size. */
  readonly offset: number | undefined;
  readonly byteLength: number | undefined;
}

interface Located {
  readonly specs: readonly LocatedSpec[];
  readonly groupSizes: readonly number[];
}

function locateWeights(manifest: readonly TfjsWeightGroup[]): Located {
  const specs: LocatedSpec[] = [];
  const groupSizes: number[] = [];
  manifest.forEach((group, index) => {
    let offset: number | undefined = 0;
    for (const spec of group.weights) {
      const byteLength = weightByteLength(spec);
      specs.push({ spec, group: index, offset, byteLength });
      offset = offset === undefined || byteLength === undefined ? undefined : offset + byteLength;
    }
    groupSizes.push(offset ?? Number.NaN);
  });
  return { specs, groupSizes };
}

function weightByteLength(spec: TfjsWeightSpec): number | undefined {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  if (isRecord(spec.quantization)) {
    const dtype = spec.quantization['dtype'];
    return dtype === 'uint8' ? count : dtype === 'uint16' || dtype === 'float16' ? 2 * count : undefined;
  }
  switch (spec.dtype) {
    case 'float32':
    case 'int32':
      return 4 * count;
    case 'bool':
      return count;
    case 'complex64':
      return 8 * count;
    default:
      return undefined;
  }
}

interface DirectionSpecs {
  readonly label: string;
  readonly specs: LocatedSpec[];
  readonly kernel: LocatedSpec;
  readonly recurrentKernel: LocatedSpec;
  readonly bias: LocatedSpec | undefined;
}

/** Finds `<layer>/…/kernel`, `recurrent_kernel`, `bias` (per direction for Bidirectional). */
function findLayerWeights(layer: RecurrentLayerInfo, located: Located, file: string): DirectionSpecs[] {
  const own = located.specs.filter((item) => belongsTo(item.spec.name, layer.name));
  const directions = layer.bidirectional
    ? [
        { label: 'forward', specs: own.filter((item) => /\/forward[^/]*\//.test(item.spec.name)) },
        { label: 'backward', specs: own.filter((item) => /\/backward[^/]*\//.test(item.spec.name)) },
      ]
    : [{ label: '', specs: own }];
  return directions.map(({ label, specs }) => {
    const where = `${layer.cell.toUpperCase()} layer ${quote(layer.name)}${label ? ` (${label})` : ''}`;
    const pick = (suffix: string, required: boolean): LocatedSpec | undefined => {
      const matches = specs.filter((item) => lastSegment(item.spec.name) === suffix);
      if (matches.length > 1) throw fileError(file, `the weightsManifest has ${matches.length} '${suffix}' weights for ${where}`);
      if (matches.length === 0 && required) {
        throw fileError(file, `the weightsManifest has no '${layer.name}/…${label ? `${label}…/` : ''}${suffix}' weight for ${where}`);
      }
      return matches[0];
    };
    const kernel = pick('kernel', true)!;
    const recurrentKernel = pick('recurrent_kernel', true)!;
    const bias = pick('bias', layer.useBias);
    const used = [kernel, recurrentKernel, ...(bias ? [bias] : [])];
    for (const item of used) {
      if (!isRecord(item.spec.quantization) && item.spec.dtype !== 'float32') {
        throw fileError(file, `weight ${quote(item.spec.name)} has dtype ${quote(item.spec.dtype)}; only float32 (or quantized float) weights are supported`);
      }
    }
    return { label, specs: used, kernel, recurrentKernel, bias };
  });
}

function lastSegment(name: string): string {
  return name.replace(/:\d+$/, '').split('/').pop() ?? name;
}

function toCellWeights(layer: RecurrentLayerInfo, direction: DirectionSpecs, groups: ReadonlyMap<number, Uint8Array>, file: string): CellWeights {
  const gates = layer.cell === 'lstm' ? 4 : layer.cell === 'gru' ? 3 : 1;
  const u = layer.units;
  const what = `${layer.cell === 'lstm' ? 'LSTM' : layer.cell === 'gru' ? 'GRU' : 'SimpleRNN'} layer ${quote(layer.name)}${direction.label ? ` (${direction.label})` : ''} with units=${u}`;
  const kernelShape = direction.kernel.spec.shape;
  const inputDim = kernelShape[0];
  const expectShape = (item: LocatedSpec, expected: readonly number[], explain: string) => {
    const shape = item.spec.shape;
    if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
      throw fileError(file, `weight ${quote(item.spec.name)} has shape [${shape.join(',')}], expected [${expected.join(',')}] (${explain}) for ${what}`);
    }
  };
  if (kernelShape.length !== 2 || inputDim === undefined || inputDim < 1) {
    throw fileError(file, `weight ${quote(direction.kernel.spec.name)} has shape [${kernelShape.join(',')}], expected [input_dim,${gates * u}] for ${what}`);
  }
  const expectedInput = layer.inputDim ?? inputDim;
  expectShape(direction.kernel, [expectedInput, gates * u], `input_dim ${expectedInput}, ${gates > 1 ? `${gates}·units` : 'units'}`);
  expectShape(direction.recurrentKernel, [u, gates * u], `units, ${gates > 1 ? `${gates}·units` : 'units'}`);
  let biasShape: number[] | null = null;
  const biasDims = direction.bias?.spec.shape ?? [];
  if (direction.bias && gates > 1 && biasDims.length === 1 && biasDims[0] === 2 * gates * u) {
    // CuDNNLSTM / CuDNNGRU weights as converted from a Keras 2 file: the CuDNN layout, converted as Keras 2 loads it
    const arrays = [direction.kernel, direction.recurrentKernel, direction.bias].map((item) => ({ name: item.spec.name, shape: item.spec.shape, values: floats(item, groups, file) }));
    try {
      return recurrentWeights({ ...layer, bidirectional: false }, arrays, file).forward;
    } catch (error) {
      if (error instanceof WeightsUnusable) throw fileError(file, error.message.startsWith(`${file}: `) ? error.message.slice(file.length + 2) : error.message);
      throw error;
    }
  }
  if (direction.bias) {
    biasShape = layer.cell === 'gru' && layer.resetAfter ? [2, gates * u] : [gates * u];
    expectShape(direction.bias, biasShape, layer.cell === 'gru' && layer.resetAfter ? 'reset_after: input and recurrent bias rows' : `${gates > 1 ? `${gates}·units` : 'units'}`);
  }
  return {
    inputDim: expectedInput,
    kernel: floats(direction.kernel, groups, file),
    recurrentKernel: floats(direction.recurrentKernel, groups, file),
    bias: direction.bias ? floats(direction.bias, groups, file) : null,
    biasShape,
  };
}

/** A weight's values as float32: raw float32, or dequantized (TF.js io/io_utils.ts decodeWeights). */
function floats(item: LocatedSpec, groups: ReadonlyMap<number, Uint8Array>, file: string): Float32Array {
  const bytes = groups.get(item.group);
  if (!bytes || item.offset === undefined || item.byteLength === undefined) {
    throw fileError(file, `cannot locate weight ${quote(item.spec.name)}: an earlier weight in its group has a dtype of unknown size`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + item.offset, item.byteLength);
  const quantization = item.spec.quantization;
  if (isRecord(quantization)) {
    const dtype = quantization['dtype'];
    const count = dtype === 'uint8' ? item.byteLength : item.byteLength / 2;
    const out = new Float32Array(count);
    if (dtype === 'float16') {
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    const scale = quantization['scale'];
    const min = quantization['min'];
    if (typeof scale !== 'number' || typeof min !== 'number') {
      throw fileError(file, `weight ${quote(item.spec.name)} is quantized (${quote(dtype)}) without a numeric scale and min`);
    }
    for (let i = 0; i < count; i++) out[i] = (dtype === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true)) * scale + min;
    return out;
  }
  if (item.spec.dtype !== 'float32') throw fileError(file, `weight ${quote(item.spec.name)} has dtype ${quote(item.spec.dtype)}; only float32 weights are supported`);
  const out = new Float32Array(item.byteLength / 4);
  if (littleEndianHost) new Uint8Array(out.buffer).set(bytes.subarray(item.offset, item.offset + item.byteLength));
  else for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** IEEE 754 half precision bits to a number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readGroup(group: TfjsWeightGroup, index: number, expected: number, modelJsonPath: string, reader: FileReader): Uint8Array {
  const file = modelJsonPath;
  if (!Number.isFinite(expected)) {
    const bad = group.weights.find((spec) => weightByteLength(spec) === undefined);
    throw fileError(file, `weight ${quote(bad?.name)} has dtype ${quote(bad?.dtype)}, whose size is unknown; only float32 weights are supported`);
  }
  const paths = group.paths.map((path) => resolveShardPath(modelJsonPath, path, reader));
  if (reader.fileSize) {
    const sizes = paths.map((path, i) => sizeOrFail(reader, path, file, group.paths[i]!));
    const declared = sizes.reduce((a, b) => a + b, 0);
    if (declared !== expected) {
      // a shard checked out without git lfs is a pointer of ~130 bytes
      paths.forEach((path, i) => {
        if (sizes[i]! <= 1024) {
          const pointer = lfsPointer(readOrFail(reader, path, file, `weight shard ${quote(group.paths[i])}`));
          if (pointer) throw fileError(file, `weight shard ${quote(group.paths[i])} ${describeLfsPointer(pointer)}`);
        }
      });
      const which = group.paths.length === 1 ? `weight shard ${quote(group.paths[0])}` : `the shards of weights group ${index + 1} (${group.paths.map((p, i) => `${p}: ${sizes[i]} bytes`).join(', ')})`;
      throw fileError(file, `${which} ${group.paths.length === 1 ? 'holds' : 'hold'} ${declared} bytes, but the manifest's weights need ${expected}: ${declared < expected ? 'a shard is truncated' : 'a shard has extra bytes'} (copy the shards again as they were saved)`);
    }
  }
  const out = new Uint8Array(expected);
  let at = 0;
  for (const [i, path] of paths.entries()) {
    const bytes = readOrFail(reader, path, file, `weight shard ${quote(group.paths[i])}`);
    const pointer = lfsPointer(bytes);
    if (pointer) throw fileError(file, `weight shard ${quote(group.paths[i])} ${describeLfsPointer(pointer)}`);
    if (at + bytes.length > expected) {
      throw fileError(file, `the shards of weights group ${index + 1} (${group.paths.join(', ')}) hold more than the ${expected} bytes the manifest's weights need`);
    }
    out.set(bytes, at);
    at += bytes.length;
  }
  if (at !== expected) {
    throw fileError(file, `the shards of weights group ${index + 1} (${group.paths.join(', ')}) hold ${at} bytes, but the manifest's weights need ${expected}`);
  }
  return out;
}

/**
 * A shard path from the manifest, joined to the model's folder. Rejects absolute paths, URLs, `..` segments
 * and (with `reader.realpath`) symlinks that resolve outside the folder.
 */
export function resolveShardPath(modelJsonPath: string, shardPath: string, reader: FileReader): string {
  const file = modelJsonPath;
  const shown = quote(shardPath);
  if (shardPath === '' || shardPath.includes('\0')) throw fileError(file, `weight path ${shown} is empty or contains a NUL byte`);
  if (isAbsolute(shardPath) || /^[\\/]/.test(shardPath) || /^[A-Za-z]:/.test(shardPath)) {
    throw fileError(file, `weight path ${shown} is absolute; weight shards must be inside the model's folder`);
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(shardPath)) throw fileError(file, `weight path ${shown} is a URL; weight shards must be files inside the model's folder`);
  if (shardPath.split(/[\\/]/).some((segment) => segment === '..')) {
    throw fileError(file, `weight path ${shown} contains '..'; weight shards must be inside the model's folder`);
  }
  const folder = dirname(modelJsonPath);
  const joined = join(folder, shardPath);
  if (reader.realpath) {
    let realFolder: string;
    let realShard: string;
    try {
      realFolder = reader.realpath(folder);
      realShard = reader.realpath(joined);
    } catch (error) {
      throw missingShard(file, shown, joined, error);
    }
    const rel = relative(realFolder, realShard);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw fileError(file, `weight path ${shown} resolves (through a symlink) to ${quote(realShard)}, outside the model's folder`);
    }
  }
  return joined;
}

function readOrFail(reader: FileReader, path: string, file: string, what: string): Uint8Array {
  try {
    return reader.readFile(path);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    throw fileError(file, `cannot read ${what}: ${describeThrown(error)}`);
  }
}

function sizeOrFail(reader: FileReader, path: string, file: string, shardPath: string): number {
  try {
    return reader.fileSize!(path);
  } catch (error) {
    throw missingShard(file, quote(shardPath), path, error);
  }
}

/** A shard that is not there (or not a readable file): one line naming it and where it was looked for. */
function missingShard(file: string, shown: string, path: string, error: unknown): ModelFileError {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return fileError(file, `cannot find weight shard ${shown}: no file ${quote(path, 200)}; the weightsManifest lists it, so copy every shard next to model.json`);
  }
  return fileError(file, `cannot read weight shard ${shown} (${quote(path, 200)}): ${describeThrown(error).replace(/, (lstat|stat|open) .*$/, '')}`);
}
