/**
 * A guarded reader for a few small entries of a zip archive (a Keras 3 `.keras` file).
 *
 * fflate's unzipSync inflates each entry into a buffer of its *declared* size but keeps decoding past it
 * (the extra bytes are dropped), so a stream that lies about its size still costs up to ~1000x its compressed
 * size in CPU. This reader therefore walks the central directory itself, checks the declared sizes against
 * caps before inflating anything, and inflates with fflate's streaming `Inflate`, stopping as soon as the
 * output passes the declared size; the result must then match the declared size and CRC-32 exactly.
 */
import { Inflate } from 'fflate';
import { fileError, ModelFileError } from '../model/errors.ts';

export interface ZipEntryInfo {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

export interface ZipLimits {
  /** Largest declared uncompressed size of one entry that will be extracted. */
  readonly maxEntryBytes: number;
  /** Largest sum of the declared uncompressed sizes of the extracted entries. */
  readonly maxTotalBytes: number;
  /** Most entries the central directory may list. */
  readonly maxEntries: number;
  /**
   * Largest ratio of declared to compressed size for an entry declaring more than `ratioFloorBytes`
   * (weights: float arrays, which deflate hardly at all; a 1 GiB entry from 1 MB of deflate is a bomb).
   */
  readonly maxRatio?: number;
  readonly ratioFloorBytes?: number;
}

/** Limits for a `.keras` archive's model.weights.h5 of at most `maxBytes`: over 16 MiB, at most 20:1 compressed. */
export function weightZipLimits(maxBytes: number): ZipLimits {
  return { maxEntryBytes: maxBytes, maxTotalBytes: maxBytes, maxEntries: defaultZipLimits.maxEntries, maxRatio: 20, ratioFloorBytes: 16 * 1024 * 1024 };
}

export const defaultZipLimits: ZipLimits = { maxEntryBytes: 32 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024, maxEntries: 10_000 };

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** Lists the central directory. Throws ModelFileError for a non-zip, truncated or malformed archive. */
export function listZipEntries(bytes: Uint8Array, file: string, limits: ZipLimits = defaultZipLimits): ZipEntryInfo[] {
  if (!isZip(bytes)) throw fileError(file, 'is not a zip archive (a .keras file is a zip; the first bytes are not "PK\\3\\4")');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string) => fileError(file, `is a truncated or corrupt zip archive: ${what}`);

  let eocd = -1;
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end-of-central-directory record (the file may be cut short)');
  let count = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== EOCD64_LOCATOR) throw corrupt('zip64 sizes without a zip64 locator');
    const record = safeNumber(view.getBigUint64(locator + 8, true));
    if (record + 56 > bytes.length || view.getUint32(record, true) !== EOCD64) throw corrupt('zip64 end record missing');
    count = safeNumber(view.getBigUint64(record + 32, true));
    directorySize = safeNumber(view.getBigUint64(record + 40, true));
    directoryOffset = safeNumber(view.getBigUint64(record + 48, true));
  }
  if (count > limits.maxEntries) throw fileError(file, `zip archive lists ${count} entries, more than the ${limits.maxEntries} allowed`);
  if (directoryOffset + directorySize > bytes.length) throw corrupt('the central directory lies past the end of the file');

  const entries: ZipEntryInfo[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) throw corrupt(`central directory entry ${i} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc32 = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const nameStart = at + 46;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > bytes.length) throw corrupt(`central directory entry ${i} runs past the end of the file`);
    const name = new TextDecoder().decode(bytes.subarray(nameStart, extraStart));
    // zip64 extended information: the fields that are 0xffffffff above, in this order
    for (let e = extraStart; e + 4 <= extraStart + extraLength; ) {
      const id = view.getUint16(e, true);
      const size = view.getUint16(e + 2, true);
      if (id === 1) {
        let f = e + 4;
        const read64 = () => {
          if (f + 8 > e + 4 + size) throw corrupt(`zip64 field of ${JSON.stringify(name)} is short`);
          const value = safeNumber(view.getBigUint64(f, true));
          f += 8;
          return value;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = read64();
        if (compressedSize === 0xffffffff) compressedSize = read64();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = read64();
      }
      e += 4 + size;
    }
    entries.push({ name, method, compressedSize, uncompressedSize, crc32, localHeaderOffset, encrypted: (flags & 1) !== 0 });
    at = next;
  }
  return entries;
}

/**
 * Extracts the named entries (those present) after checking every declared size against `limits`.
 * Entries not named are never decompressed.
 */
export function extractZipEntries(
  bytes: Uint8Array,
  file: string,
  names: readonly string[],
  limits: ZipLimits = defaultZipLimits,
): { entries: ZipEntryInfo[]; files: Map<string, Uint8Array> } {
  const entries = listZipEntries(bytes, file, limits);
  const wanted = entries.filter((entry) => names.includes(entry.name));
  let total = 0;
  for (const entry of wanted) {
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      throw fileError(file, `zip entry ${entry.name} declares ${entry.uncompressedSize} bytes uncompressed, more than the ${limits.maxEntryBytes} allowed (possible zip bomb)`);
    }
    if (limits.maxRatio !== undefined && entry.uncompressedSize > (limits.ratioFloorBytes ?? 0) && entry.uncompressedSize > limits.maxRatio * entry.compressedSize) {
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      throw fileError(
        file,
        `zip entry ${entry.name} declares ${mib(entry.uncompressedSize)} from ${mib(entry.compressedSize)} compressed (${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}:1); weights do not compress beyond ${limits.maxRatio}:1, so it is a zip bomb or not weights (nothing was inflated); re-save the model with model.save`,
      );
    }
    total += entry.uncompressedSize;
    if (total > limits.maxTotalBytes) throw fileError(file, `zip entries to read declare ${total} bytes uncompressed in total, more than the ${limits.maxTotalBytes} allowed (possible zip bomb)`);
    if (entry.encrypted) throw fileError(file, `zip entry ${entry.name} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8) throw fileError(file, `zip entry ${entry.name} uses compression method ${entry.method} (only stored and deflate are supported)`);
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of wanted) files.set(entry.name, extractEntry(bytes, file, entry));
  return { entries, files };
}

function extractEntry(bytes: Uint8Array, file: string, entry: ZipEntryInfo): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  const corrupt = (what: string) => fileError(file, `zip entry ${entry.name} is corrupt: ${what}`);
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL) throw corrupt('its local header is missing (the archive may be truncated)');
  const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.length) throw corrupt('its data runs past the end of the file (the archive is truncated)');
  const compressed = bytes.subarray(dataStart, dataEnd);

  let output: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) throw corrupt('stored entry with different compressed and uncompressed sizes');
    output = compressed.slice();
  } else {
    output = new Uint8Array(entry.uncompressedSize);
    let written = 0;
    let finished = false;
    const inflater = new Inflate((chunk, final) => {
      if (written + chunk.length > output.length) {
        throw fileError(file, `zip entry ${entry.name} inflates to more than its declared ${entry.uncompressedSize} bytes (zip bomb or corrupt archive)`);
      }
      output.set(chunk, written);
      written += chunk.length;
      if (final) finished = true;
    });
    const step = 16 * 1024;
    try {
      for (let offset = 0; offset < compressed.length; offset += step) {
        const end = Math.min(offset + step, compressed.length);
        inflater.push(compressed.subarray(offset, end), end === compressed.length);
      }
      if (compressed.length === 0) inflater.push(new Uint8Array(0), true);
    } catch (error) {
      if (error instanceof ModelFileError) throw error;
      throw corrupt(`deflate data is invalid (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!finished && written !== entry.uncompressedSize) throw corrupt('the deflate stream ends early');
    if (written !== entry.uncompressedSize) throw corrupt(`inflates to ${written} bytes, not the declared ${entry.uncompressedSize}`);
  }
  if (crc32(output) !== entry.crc32) throw corrupt('CRC-32 mismatch');
  return output;
}

let crcTable: Uint32Array | undefined;

export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function safeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
