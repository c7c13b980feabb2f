/**
 * Entry points: detect a model file's format by its content and read it into a RecurrentModelInfo.
 *   zip ("PK\3\4")                  -> Keras 3 `.keras` archive (config.json + metadata.json)
 *   JSON with "modelTopology"        -> TF.js Layers model.json (+ weight shards, when read from a path)
 *   JSON with "class_name"/"config"  -> Keras `model.to_json()` (Keras 1/2, tf.keras, Keras 3)
 */
import type { FileReader } from '../io/files.ts';
import { describeLfsPointer, lfsPointer } from '../io/lfs.ts';
import { isZip } from '../io/zip.ts';
import { describeThrown, fileError, ModelFileError } from './errors.ts';
import { decodeUtf8, parseJsonText } from './json.ts';
import { parseKerasArchive, readKerasArchive } from './keras-archive.ts';
import { isHdf5, parseKerasH5 } from './keras-h5.ts';
import { parseKerasModelObject } from './keras-json.ts';
import { loadTfjsWeights, parseTfjsModelJson, type TfjsLoadOptions } from './tfjs.ts';
import { isRecord } from './topology.ts';
import type { ModelSource, RecurrentModelInfo } from './types.ts';

/** Largest model file read whole (a .keras archive includes its weights). */
export const MAX_MODEL_FILE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/** The format of a model file by its first bytes / top-level keys; undefined when it is none of them. */
export function detectModelFormat(bytes: Uint8Array): ModelSource | undefined {
  if (isZip(bytes)) return 'keras-archive';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
  if (!text.trimStart().startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if ('modelTopology' in value) return 'tfjs-layers';
  if ('class_name' in value) return 'keras-json';
  return undefined;
}

/**
 * Reads a model from bytes already in memory. A TF.js model.json read this way has no weights (use
 * readModelFile for those). `file` names the file in error messages.
 */
export function parseModelBytes(bytes: Uint8Array, file: string): RecurrentModelInfo {
  const pointer = lfsPointer(bytes);
  if (pointer) throw fileError(file, describeLfsPointer(pointer));
  if (isZip(bytes)) return parseKerasArchive(bytes, file);
  if (isHdf5(bytes)) {
    throw fileError(file, 'is an HDF5 (.h5) file: read it with readAnyModelFile (asynchronous)');
  }
  if (/\.keras$/i.test(file)) throw fileError(file, 'is not a zip archive, so not a .keras model (a .keras file is a zip holding config.json)');
  if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    throw fileError(file, 'looks like a zip archive but its first entry header is damaged (truncated or corrupt)');
  }
  const text = decodeUtf8(bytes, file);
  const value = parseJsonText(text, file, 'a Keras model JSON or TF.js model.json');
  if (isRecord(value) && 'modelTopology' in value) return parseTfjsModelJson(text, file).info;
  if (isRecord(value) && 'class_name' in value) return parseKerasModelObject(value, file, 'keras-json');
  throw fileError(file, 'is JSON but neither a Keras model (no "class_name") nor a TF.js model.json (no "modelTopology")');
}

/**
 * Reads any model file: Keras 2 / tf.keras `.h5` files through the HDF5 reader (asynchronous: it
 * loads a WebAssembly module), everything else as readModelFile.
 */
export async function readAnyModelFile(path: string, reader: FileReader, options: TfjsLoadOptions = {}): Promise<RecurrentModelInfo> {
  let head: Uint8Array;
  try {
    head = reader.readFile(path);
  } catch (error) {
    throw fileError(path, `cannot be read: ${describeThrown(error)}`);
  }
  const pointer = lfsPointer(head);
  if (pointer) throw fileError(path, describeLfsPointer(pointer));
  if (isHdf5(head)) return parseKerasH5(head, path);
  if (isZip(head)) return readKerasArchive(head, path);
  // named as a binary model but holding neither signature: say so rather than parse it as JSON
  if (/\.(h5|hdf5)$/i.test(path) && !/^\s*[{[]/.test(safeDecode(head.subarray(0, 256)) ?? '')) {
    throw fileError(
      path,
      'is not an HDF5 file (no HDF5 signature at its start): give the .h5 model.save wrote, copied whole (a download that failed saves an HTML page or an error text under the same name)',
    );
  }
  return readModelFile(path, reader, options);
}

/** Reads a model file through `reader`; a TF.js model.json also gets its recurrent layers' weights. */
export function readModelFile(path: string, reader: FileReader, options: TfjsLoadOptions = {}): RecurrentModelInfo {
  let bytes: Uint8Array;
  try {
    if (reader.fileSize) {
      const size = reader.fileSize(path);
      if (size > MAX_MODEL_FILE_BYTES) throw fileError(path, `is ${size} bytes, more than the ${MAX_MODEL_FILE_BYTES} lstm-reset reads`);
    }
    bytes = reader.readFile(path);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    throw fileError(path, `cannot be read: ${describeThrown(error)}`);
  }
  if (!isZip(bytes)) {
    const text = bytes.length < 64 * 1024 * 1024 ? safeDecode(bytes) : undefined;
    if (text !== undefined && /^\s*\{/.test(text)) {
      const value = safeParse(text);
      if (isRecord(value) && 'modelTopology' in value) return loadTfjsWeights(parseTfjsModelJson(text, path), path, reader, options);
    }
  }
  return parseModelBytes(bytes, path);
}

function safeDecode(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
