/**
 * The file access the readers need, injected so they stay pure (no `process`, testable in memory).
 * `node-files.ts` has the Node implementations.
 */

/** Whole-file access for model files (model.json, weight shards, .keras archives). */
export interface FileReader {
  /** The bytes of a file. May throw (missing file, permissions); the readers turn that into a ModelFileError. */
  readFile(path: string): Uint8Array;
  /** Size in bytes of a regular file, without reading it; throws for a missing file or a non-regular one (directory, FIFO, device). */
  fileSize?(path: string): number;
  /** The canonical path with every symlink resolved (like fs.realpathSync); enables the symlink-escape check. */
  realpath?(path: string): string;
}

/** Random access to one open file, for streaming readers (.npy rows). */
export interface RandomAccessFile {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads up to `target.length` bytes at `position` into `target`; returns how many were read (0 at the end). */
  read(target: Uint8Array, position: number): number;
  close?(): void;
}

/** A FileReader over an in-memory map of path -> bytes (tests, bundled fixtures). Paths are compared as given. */
export function memoryFileReader(files: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>): FileReader {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const get = (path: string): Uint8Array => {
    const bytes = map.get(path);
    if (!bytes) throw Object.assign(new Error(`no such file: ${path}`), { code: 'ENOENT' });
    return bytes;
  };
  return { readFile: get, fileSize: (path) => get(path).length };
}

/** A RandomAccessFile over bytes already in memory. */
export function bytesFile(bytes: Uint8Array): RandomAccessFile {
  return {
    size: bytes.length,
    read(target, position) {
      if (position >= bytes.length) return 0;
      const chunk = bytes.subarray(position, Math.min(bytes.length, position + target.length));
      target.set(chunk);
      return chunk.length;
    },
  };
}
