/**
 * Keras 2 / tf.keras `.h5` model files: the model's JSON config is the root group's `model_config`
 * attribute (with `keras_version` and `backend` beside it), as keras/engine/saving.py save_model
 * writes it. Read with h5wasm, the HDF5 C library compiled to WebAssembly (a maintained package:
 * HDF5 is far too large a format to parse by hand), loaded only when an .h5 file is audited.
 */
import { describeThrown, fileError } from './errors.ts';
import { parseJsonText } from './json.ts';
import { parseKerasModelObject } from './keras-json.ts';
import type { RecurrentModelInfo } from './types.ts';

/** The HDF5 signature "\x89HDF\r\n\x1a\n" at the start of the file. */
export function isHdf5(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return bytes.length >= 8 && signature.every((byte, i) => bytes[i] === byte);
}

interface H5Attribute {
  readonly value: unknown;
}

interface H5Module {
  readonly ready: Promise<{ FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void } }>;
  readonly File: new (path: string, mode: 'r') => { readonly attrs: Record<string, H5Attribute>; close(): void };
}

let opened = 0;

/**
 * The end-of-file address the HDF5 superblock records (versions 0-3), or undefined when the
 * superblock cannot be read. A file shorter than that is truncated; checking it here keeps the HDF5
 * library from printing its own multi-line diagnostics for the commonest broken file.
 */
export function hdf5EndOfFile(bytes: Uint8Array): number | undefined {
  if (!isHdf5(bytes) || bytes.length < 16) return undefined;
  const version = bytes[8]!;
  const offsetSize = version <= 1 ? bytes[13]! : bytes[9]!;
  if (![2, 4, 8].includes(offsetSize)) return undefined;
  const at = (version === 0 ? 24 : version === 1 ? 28 : 12) + 2 * offsetSize;
  if (at + offsetSize > bytes.length) return undefined;
  let value = 0;
  for (let i = offsetSize - 1; i >= 0; i--) value = value * 256 + bytes[at + i]!;
  return value;
}

export async function parseKerasH5(bytes: Uint8Array, file: string): Promise<RecurrentModelInfo> {
  const end = hdf5EndOfFile(bytes);
  if (end === undefined) throw fileError(file, 'starts like an HDF5 file but its superblock is damaged or too short');
  if (bytes.length < end) throw fileError(file, `is truncated: its HDF5 superblock says ${end} bytes, the file has ${bytes.length}`);
  const imported = (await import('h5wasm/node')) as unknown as { default?: H5Module } & H5Module;
  const h5wasm = imported.default ?? imported;
  const { FS } = await h5wasm.ready;
  const path = `/lstm-reset-model-${++opened}.h5`;
  let config: unknown;
  let version: unknown;
  FS.writeFile(path, bytes);
  try {
    const h5 = new h5wasm.File(path, 'r');
    try {
      config = h5.attrs['model_config']?.value;
      version = h5.attrs['keras_version']?.value;
    } finally {
      h5.close();
    }
  } catch (error) {
    throw fileError(file, `is not a readable HDF5 file: ${describeThrown(error)}`);
  } finally {
    FS.unlink(path);
  }
  if (typeof config !== 'string') {
    throw fileError(file, 'has no model_config attribute: a weights-only .h5 (save_weights) describes no model; give the full model (model.save) or its model.to_json()');
  }
  const model = parseJsonText(config, file, 'the model_config attribute of a Keras .h5 file');
  return parseKerasModelObject(model, file, 'keras-h5', typeof version === 'string' ? version : undefined);
}
