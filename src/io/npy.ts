/**
 * NumPy `.npy` reader for training data: float32/float64, C order, shape (N, T) or (N, T, D).
 * The header is parsed up front; rows (samples) are then read on demand, batch by batch, from a
 * RandomAccessFile (an fd, or bytes in memory) so a large file is never loaded whole.
 *
 * Format (numpy/lib/format.py): "\x93NUMPY", major, minor, header length (uint16 LE for v1.0, uint32 LE for
 * v2.0/v3.0), then an ASCII (v3.0: UTF-8) Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (8, 5, 3), }` padded with spaces and ended by '\n'.
 */
import { fileError, ModelFileError, quote } from '../model/errors.ts';
import { bytesFile, type RandomAccessFile } from './files.ts';
import { describeLfsPointer, lfsPointer } from './lfs.ts';

export type NpyDtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export interface NpyHeader {
  /** Format version, e.g. '1.0'. */
  readonly version: string;
  /** The descr string as written, e.g. '<f4'. */
  readonly descr: string;
  readonly dtype: NpyDtype;
  readonly itemSize: 1 | 2 | 4 | 8;
  readonly fortranOrder: false;
  readonly shape: readonly number[];
  /** Byte offset of the first data byte. */
  readonly dataOffset: number;
}

export interface NpyReader {
  readonly file: string;
  readonly header: NpyHeader;
  /** N: samples (rows). */
  readonly samples: number;
  /** T: timesteps per sample. */
  readonly timesteps: number;
  /** D: features per timestep (1 for a 2-D (N, T) array). */
  readonly features: number;
  /** T·D: floats per sample. */
  readonly rowLength: number;
  /** Samples [start, start + count) as float32, row-major (count, T, D). float64 data is narrowed. */
  readRows(start: number, count: number): Float32Array;
  /** Closes the underlying file if it has a close(). */
  close(): void;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy's own default limit for header length (np.load max_header_size). */
export const MAX_NPY_HEADER_BYTES = 10_000;
/** Largest batch readRows returns at once (floats). */
export const MAX_NPY_READ_FLOATS = 64 * 1024 * 1024;

/** Parses the header from the first bytes of the file (at least the header; 10 + MAX_NPY_HEADER_BYTES is always enough). */
/** Options of the reader: integer arrays (token ids) are read as floats only when asked for. */
export interface NpyOptions {
  readonly integers?: boolean;
}

export function parseNpyHeader(prefix: Uint8Array, file: string, fileSize?: number, options: NpyOptions = {}): NpyHeader {
  if (prefix.length < 10 || MAGIC.some((byte, i) => prefix[i] !== byte)) {
    const pointer = lfsPointer(prefix);
    if (pointer) throw fileError(file, describeLfsPointer(pointer));
    throw fileError(file, 'is not a NumPy .npy file (it does not start with "\\x93NUMPY")');
  }
  const major = prefix[6]!;
  const minor = prefix[7]!;
  if (major < 1 || major > 3 || minor !== 0) throw fileError(file, `has .npy format version ${major}.${minor}; only 1.0, 2.0 and 3.0 are supported`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lengthBytes) throw fileError(file, 'ends inside the .npy header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  if (headerLength > MAX_NPY_HEADER_BYTES) throw fileError(file, `declares a ${headerLength}-byte .npy header, more than the ${MAX_NPY_HEADER_BYTES} allowed`);
  const dataOffset = headerStart + headerLength;
  if (prefix.length < dataOffset) throw fileError(file, 'ends inside the .npy header (the file is truncated)');
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: major === 3 }).decode(prefix.subarray(headerStart, dataOffset));
  } catch {
    throw fileError(file, 'has a .npy header that is not valid UTF-8');
  }
  const dict = parseHeaderDict(text, file);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') throw fileError(file, `.npy header has no 'descr' string: ${quote(text.trim())}`);
  if (typeof fortran !== 'boolean') throw fileError(file, `.npy header has no 'fortran_order' True/False: ${quote(text.trim())}`);
  if (!Array.isArray(shape)) throw fileError(file, `.npy header has no 'shape' tuple: ${quote(text.trim())}`);

  const dtype = parseDescr(descr, file, options.integers ?? false);
  if (fortran) {
    throw fileError(file, "is stored in Fortran (column-major) order (fortran_order: True); save a C-ordered array, e.g. np.save(path, np.ascontiguousarray(x))");
  }
  if (shape.length !== 2 && shape.length !== 3) {
    throw fileError(file, `has shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}); expected (samples, timesteps) or (samples, timesteps, features)`);
  }
  if (shape.some((d) => d === 0)) throw fileError(file, `has shape (${shape.join(', ')}), which holds no data`);
  const itemSize = itemSizes[dtype];
  const total = shape.reduce((a, b) => a * b, 1) * itemSize;
  if (fileSize !== undefined) {
    if (fileSize < dataOffset + total) {
      throw fileError(file, `is truncated: shape (${shape.join(', ')}) of ${descr} needs ${total} data bytes, the file has ${Math.max(0, fileSize - dataOffset)}`);
    }
    if (fileSize > dataOffset + total) {
      throw fileError(file, `has ${fileSize - dataOffset - total} bytes after the data that shape (${shape.join(', ')}) of ${descr} describes`);
    }
  }
  return { version: `${major}.${minor}`, descr, dtype, itemSize, fortranOrder: false, shape, dataOffset };
}

const itemSizes: Readonly<Record<NpyDtype, 1 | 2 | 4 | 8>> = {
  float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
};

function parseDescr(descr: string, file: string, integers: boolean): NpyDtype {
  const match = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (integers && match && (match[2] === 'i' || match[2] === 'u') && ['1', '2', '4', '8'].includes(match[3]!)) {
    if (match[1] === '>' && match[3] !== '1') throw fileError(file, `has big-endian data (dtype ${quote(descr)}); convert it with x.astype('<${match[2]}${match[3]}') before saving`);
    return `${match[2] === 'u' ? 'uint' : 'int'}${Number(match[3]) * 8}` as NpyDtype;
  }
  if (match && (match[2] === 'f') && (match[3] === '4' || match[3] === '8')) {
    if (match[1] === '>') {
      throw fileError(file, `has big-endian data (dtype ${quote(descr)}); convert it with x.astype('<f${match[3]}') before saving`);
    }
    // '<' little-endian; '|' and '=' (never written by numpy for floats) are read as the little-endian of the machines numpy runs on
    return match[3] === '4' ? 'float32' : 'float64';
  }
  throw fileError(
    file,
    `has dtype ${quote(descr)}; only float32 ('<f4') and float64 ('<f8')${integers ? ' or integer token ids' : ''} are supported, e.g. x.astype('float32')`,
  );
}

type HeaderValue = string | boolean | number[] | null | number;

/** Parses the Python dict literal of a .npy header (string keys; str, bool, None, int and tuple-of-int values). */
function parseHeaderDict(text: string, file: string): Map<string, HeaderValue> {
  let at = 0;
  const bad = (what: string): ModelFileError => fileError(file, `has a malformed .npy header (${what}): ${quote(text.trim())}`);
  const skip = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const expect = (char: string) => {
    skip();
    if (text[at] !== char) throw bad(`expected '${char}' at character ${at}`);
    at++;
  };
  const str = (): string => {
    skip();
    const quoteChar = text[at];
    if (quoteChar !== "'" && quoteChar !== '"') throw bad(`expected a string at character ${at}`);
    const end = text.indexOf(quoteChar, at + 1);
    if (end < 0) throw bad('unterminated string');
    const value = text.slice(at + 1, end);
    at = end + 1;
    return value;
  };
  const int = (): number => {
    skip();
    const match = /^\d+L?/.exec(text.slice(at));
    if (!match) throw bad(`expected an integer at character ${at}`);
    at += match[0].length;
    const value = Number.parseInt(match[0], 10);
    if (!Number.isSafeInteger(value)) throw bad('dimension too large');
    return value;
  };
  const value = (): HeaderValue => {
    skip();
    const rest = text.slice(at);
    if (rest.startsWith('True')) return (at += 4), true;
    if (rest.startsWith('False')) return (at += 5), false;
    if (rest.startsWith('None')) return (at += 4), null;
    if (text[at] === "'" || text[at] === '"') return str();
    if (text[at] === '(' || text[at] === '[') {
      const close = text[at] === '(' ? ')' : ']';
      at++;
      const items: number[] = [];
      for (;;) {
        skip();
        if (text[at] === close) {
          at++;
          return items;
        }
        items.push(int());
        skip();
        if (text[at] === ',') at++;
        else if (text[at] !== close) throw bad(`expected ',' or '${close}' at character ${at}`);
        if (items.length > 32) throw bad('too many dimensions');
      }
    }
    if (/\d/.test(text[at] ?? '')) return int();
    throw bad(`unexpected ${quote(text[at] ?? 'end')} at character ${at}`);
  };
  const dict = new Map<string, HeaderValue>();
  expect('{');
  for (;;) {
    skip();
    if (text[at] === '}') {
      at++;
      break;
    }
    const key = str();
    expect(':');
    dict.set(key, value());
    skip();
    if (text[at] === ',') at++;
    else if (text[at] !== '}') throw bad(`expected ',' or '}' at character ${at}`);
  }
  if (text.slice(at).trim() !== '') throw bad('text after the closing brace');
  return dict;
}

/** Opens a .npy file for streaming row reads. The reader takes ownership of `source` (close() closes it). */
export function openNpy(source: RandomAccessFile, file: string, options: NpyOptions = {}): NpyReader {
  const prefix = new Uint8Array(Math.min(source.size, 12 + MAX_NPY_HEADER_BYTES));
  readFully(source, prefix, 0, file);
  const header = parseNpyHeader(prefix, file, source.size, options);
  const [samples, timesteps, features = 1] = header.shape as [number, number, number?];
  const rowLength = timesteps * features;
  const rowBytes = rowLength * header.itemSize;
  return {
    file,
    header,
    samples,
    timesteps,
    features,
    rowLength,
    readRows(start, count) {
      if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > samples) {
        throw new RangeError(`${file}: rows [${start}, ${start + count}) are outside the ${samples} samples`);
      }
      if (count * rowLength > MAX_NPY_READ_FLOATS) throw new RangeError(`${file}: reading ${count} rows at once is more than ${MAX_NPY_READ_FLOATS} floats`);
      const out = new Float32Array(count * rowLength);
      if (out.length === 0) return out;
      const position = header.dataOffset + start * rowBytes;
      if (header.dtype === 'float32' && littleEndianHost) {
        readFully(source, new Uint8Array(out.buffer), position, file);
        return out;
      }
      const raw = new Uint8Array(count * rowBytes);
      readFully(source, raw, position, file);
      const view = new DataView(raw.buffer);
      const read = elementReader(header.dtype, view);
      for (let i = 0; i < out.length; i++) out[i] = read(i);
      return out;
    },
    close() {
      source.close?.();
    },
  };
}

/** Element i of little-endian data of `dtype`, as a number (integers above 2^24 lose precision as float32). */
function elementReader(dtype: NpyDtype, view: DataView): (i: number) => number {
  switch (dtype) {
    case 'float32': return (i) => view.getFloat32(4 * i, true);
    case 'float64': return (i) => view.getFloat64(8 * i, true);
    case 'int8': return (i) => view.getInt8(i);
    case 'uint8': return (i) => view.getUint8(i);
    case 'int16': return (i) => view.getInt16(2 * i, true);
    case 'uint16': return (i) => view.getUint16(2 * i, true);
    case 'int32': return (i) => view.getInt32(4 * i, true);
    case 'uint32': return (i) => view.getUint32(4 * i, true);
    case 'int64': return (i) => Number(view.getBigInt64(8 * i, true));
    case 'uint64': return (i) => Number(view.getBigUint64(8 * i, true));
  }
}

/** A reader over a whole .npy file already in memory. */
export function parseNpy(bytes: Uint8Array, file: string): NpyReader {
  return openNpy(bytesFile(bytes), file);
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readFully(source: RandomAccessFile, target: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < target.length) {
    let n: number;
    try {
      n = source.read(target.subarray(done), position + done);
    } catch (error) {
      throw fileError(file, `cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (n <= 0) throw fileError(file, `ends early: expected ${target.length} bytes at offset ${position}, got ${done}`);
    done += n;
  }
}
