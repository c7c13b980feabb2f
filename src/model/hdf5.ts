/**
 * Read access to an HDF5 file held in memory (a Keras `.h5` model, or the `model.weights.h5` of a
 * `.keras` archive), through h5wasm: the HDF5 C library compiled to WebAssembly (a maintained package:
 * HDF5 is far too large a format to parse by hand). The module loads only when an HDF5 file is read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeThrown, fileError, quote } from './errors.ts';

/** The HDF5 signature "\x89HDF\r\n\x1a\n" at the start of the file. */
export function isHdf5(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return bytes.length >= 8 && signature.every((byte, i) => bytes[i] === byte);
}

/**
 * The end-of-file address the HDF5 superblock records (versions 0-3), or undefined when the
 * superblock cannot be read. A file shorter than that is truncated; checking it first keeps the HDF5
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

/** A numeric dataset read as float32 (the dtype Keras weights have; float64 and integers are converted). */
export interface Hdf5Array {
  readonly path: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** What the readers need of an open HDF5 file. Paths are absolute within the file ('model_weights/lstm'). */
export interface Hdf5File {
  /** An attribute as JSON (strings, lists of strings, numbers), or undefined when absent. */
  attr(path: string, name: string): unknown;
  /** Names of the attributes of a group or dataset ([] when the object is absent). */
  attrNames(path: string): string[];
  /** 'group', 'dataset', or undefined when nothing is at the path. */
  kind(path: string): 'group' | 'dataset' | undefined;
  /** Members of a group, in the file's order ([] when absent or not a group). */
  keys(path: string): string[];
  /** Elements of a dataset (product of its shape), or undefined when absent. */
  size(path: string): number | undefined;
  /** Reads a numeric dataset; throws a ModelFileError (naming the dataset) for other types. */
  read(path: string): Hdf5Array;
  close(): void;
}

interface H5Entity {
  readonly attrs: Record<string, { readonly json_value: unknown }>;
}
interface H5Group extends H5Entity {
  keys(): string[];
  get(name: string): H5Group | H5Dataset | null;
}
interface H5Dataset extends H5Entity {
  readonly shape: number[] | null;
  readonly metadata: { readonly type: number; readonly size: number };
  readonly value: unknown;
}
interface H5Module {
  readonly ready: Promise<{ FS: { writeFile(path: string, data: Uint8Array): void }; activate_throwing_error_handler?: () => number }>;
  readonly File: new (path: string, mode: 'r') => H5Group & { close(): void };
  readonly Group: new (...args: never[]) => H5Group;
  readonly Dataset: new (...args: never[]) => H5Dataset;
}

/**
 * h5wasm's Node build opens files through the real file system (NODERAWFS), so the bytes it reads
 * go to a scratch file in a private folder of the system's temporary folder (mode 0700, one per
 * opened file: never a fixed path, never shared by two runs), removed on close.
 */
const scratchFolders = new Set<string>();

/** Removes every scratch folder still open (an interrupted run calls it on its way out). */
export function removeHdf5Scratch(): void {
  for (const folder of scratchFolders) {
    scratchFolders.delete(folder);
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch {
      // best effort on the way out
    }
  }
}

function removeScratch(folder: string): void {
  scratchFolders.delete(folder);
  rmSync(folder, { recursive: true, force: true });
}

/**
 * Text h5wasm prints through console.error on its own: Emscripten's "Aborted(…)" when a damaged
 * file makes the HDF5 library abort (and HDF5-DIAG error-stack lines, should any come that way).
 * The reader reports each failure as one error of its own, so the CLI drops these (src/cli.ts).
 */
export function isHdf5Chatter(text: string): boolean {
  return /^(HDF5-DIAG: |Aborted\(|\s+#\d{3}: |\s+(major|minor): )/.test(text);
}

/** HDF5 type classes (H5Tpublic.h): integer 0, float 1. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;

/**
 * Opens `bytes` as HDF5. `file` names the file (or archive entry) in errors. The caller must close it.
 * Throws a ModelFileError for a truncated or unreadable file.
 */
export async function openHdf5(bytes: Uint8Array, file: string): Promise<Hdf5File> {
  const end = hdf5EndOfFile(bytes);
  if (end === undefined) throw fileError(file, 'starts like an HDF5 file but its superblock is damaged or too short');
  if (bytes.length < end) throw fileError(file, `is truncated: its HDF5 superblock says ${end} bytes, the file has ${bytes.length}`);
  const imported = (await import('h5wasm/node')) as unknown as { default?: H5Module } & H5Module;
  const h5wasm = imported.default ?? imported;
  const module = await h5wasm.ready;
  const { FS } = module;
  // HDF5's own error stack (60 lines for one damaged attribute, printed straight to descriptor 2)
  // becomes an exception (h5wasm's handler), which the reader turns into one line
  module.activate_throwing_error_handler?.();
  let folder: string;
  try {
    folder = mkdtempSync(join(tmpdir(), 'lstm-reset-h5-'));
  } catch (error) {
    throw fileError(file, `cannot be opened: no scratch folder in the temporary folder ${tmpdir()} (${describeThrown(error)}); set TMPDIR to a writable folder`);
  }
  scratchFolders.add(folder);
  const path = join(folder, 'model.h5');
  let h5: H5Group & { close(): void };
  try {
    FS.writeFile(path, bytes);
    h5 = new h5wasm.File(path, 'r');
  } catch (error) {
    removeScratch(folder);
    throw fileError(file, `is not a readable HDF5 file: ${describeThrown(error)}`);
  }
  const get = (at: string): H5Group | H5Dataset | null => {
    const clean = at.replace(/^\/+|\/+$/g, '');
    if (clean === '') return h5;
    try {
      return h5.get(clean);
    } catch {
      return null;
    }
  };
  const isDataset = (entity: unknown): entity is H5Dataset => entity instanceof h5wasm.Dataset;
  const isGroup = (entity: unknown): entity is H5Group => entity instanceof h5wasm.Group;
  return {
    attr(at, name) {
      const entity = get(at);
      if (!entity) return undefined;
      const attribute = entity.attrs[name];
      if (!attribute) return undefined;
      try {
        return decodeAttribute(attribute.json_value);
      } catch (error) {
        throw fileError(file, `attribute ${quote(name)} of ${quote(at || '/')} cannot be read: ${describeThrown(error)}`);
      }
    },
    attrNames(at) {
      const entity = get(at);
      return entity ? Object.keys(entity.attrs) : [];
    },
    kind(at) {
      const entity = get(at);
      return isDataset(entity) ? 'dataset' : isGroup(entity) ? 'group' : undefined;
    },
    keys(at) {
      const entity = get(at);
      return isGroup(entity) ? entity.keys() : [];
    },
    size(at) {
      const entity = get(at);
      if (!isDataset(entity)) return undefined;
      return (entity.shape ?? []).reduce((a, b) => a * b, 1);
    },
    read(at) {
      const entity = get(at);
      if (!isDataset(entity)) throw fileError(file, `has no dataset ${quote(at)}`);
      const shape = entity.shape ?? [];
      const { type, size } = entity.metadata;
      if (type === H5T_FLOAT && size === 2) throw fileError(file, `dataset ${quote(at)} is float16, which the HDF5 reader cannot decode`);
      if (type !== H5T_FLOAT && type !== H5T_INTEGER) throw fileError(file, `dataset ${quote(at)} is not numeric`);
      let value: unknown;
      try {
        value = entity.value;
      } catch (error) {
        throw fileError(file, `dataset ${quote(at)} cannot be read: ${describeThrown(error)}`);
      }
      const values = toFloat32(value);
      if (!values) throw fileError(file, `dataset ${quote(at)} cannot be read as numbers`);
      const count = shape.reduce((a, b) => a * b, 1);
      if (values.length !== count) throw fileError(file, `dataset ${quote(at)} holds ${values.length} values for the shape [${shape.join(', ')}]`);
      return { path: at, shape, values };
    },
    close() {
      try {
        h5.close();
      } finally {
        removeScratch(folder);
      }
    },
  };
}

/** Byte strings (Keras 2 writes attribute lists as numpy 'S' arrays) come back as strings. */
function decodeAttribute(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeAttribute);
  return typeof value === 'bigint' ? Number(value) : value;
}

function toFloat32(value: unknown): Float32Array | undefined {
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint32Array || value instanceof Int16Array ||
    value instanceof Uint16Array || value instanceof Int8Array || value instanceof Uint8Array) {
    return Float32Array.from(value);
  }
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Float32Array.from(value, (v) => Number(v));
  if (typeof value === 'number') return Float32Array.of(value);
  return undefined;
}
